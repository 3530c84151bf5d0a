//! The effective profile table as text, for an operator command and start-up logs.

use std::fmt::Write as _;
use std::time::Duration;

use super::{OperationClass, Profile, Profiles, ReadLevel, ReadMode, Use, WriteAck};

const HEADERS: [&str; 6] = ["class", "write concern", "read concern", "read preference", "time limit", "used by"];

impl Profile {
    /// The write concern as the table shows it: `majority, journaled`, `w:1`, `n/a`.
    pub fn describe_write(&self) -> String {
        let Some(write) = self.write else { return "n/a".to_owned() };
        let mut text = match write {
            WriteAck::Majority => "majority".to_owned(),
            WriteAck::Nodes(n) => format!("w:{n}"),
        };
        match self.journal {
            Some(true) => text.push_str(", journaled"),
            Some(false) => text.push_str(", not journaled"),
            None => {}
        }
        text
    }

    /// The read concern as the table shows it: `snapshot in transactions, else majority`.
    pub fn describe_read_concern(&self) -> String {
        match self.transaction_read_concern {
            Some(txn) if txn != self.read_concern => {
                format!("{} in transactions, else {}", level_name(txn), level_name(self.read_concern))
            }
            _ => level_name(self.read_concern).to_owned(),
        }
    }

    /// The read preference as the table shows it: `secondaryPreferred, maxStaleness 90 s`.
    pub fn describe_read_preference(&self) -> String {
        let mode = match self.read_mode {
            ReadMode::Primary => "primary",
            ReadMode::PrimaryPreferred => "primaryPreferred",
            ReadMode::Secondary => "secondary",
            ReadMode::SecondaryPreferred => "secondaryPreferred",
            ReadMode::Nearest => "nearest",
        };
        match self.max_staleness {
            Some(staleness) => format!("{mode}, maxStaleness {} s", staleness.as_secs()),
            None => mode.to_owned(),
        }
    }

    /// The time limit as the table shows it: `300 ms`, `2 s`.
    pub fn describe_time_limit(&self) -> String {
        duration_text(self.time_limit)
    }
}

fn level_name(level: ReadLevel) -> &'static str {
    match level {
        ReadLevel::Local => "local",
        ReadLevel::Majority => "majority",
        ReadLevel::Snapshot => "snapshot",
        ReadLevel::Linearizable => "linearizable",
        ReadLevel::Available => "available",
    }
}

fn duration_text(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms.is_multiple_of(1000) { format!("{} s", ms / 1000) } else { format!("{ms} ms") }
}

/// One class's effective settings as the table shows them (and `shop profiles --json` prints them).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProfileRow {
    /// The class.
    pub class: &'static str,
    /// The write concern: `majority, journaled`, `w:1`, `n/a`.
    pub write_concern: String,
    /// The read concern: `snapshot in transactions, else majority`.
    pub read_concern: String,
    /// The read preference: `secondaryPreferred, maxStaleness 90 s`.
    pub read_preference: String,
    /// The time limit of one operation: `300 ms`, `2 s`.
    pub time_limit: String,
    /// Who uses it: `user (collection)` for each declared [`Use`] of the class.
    pub used_by: Vec<String>,
}

impl Profiles {
    /// The effective settings, one row per class, each with who uses it: every declared [`Use`]
    /// of that class, as `user (collection)`, so the column is derived from the handles, never
    /// written by hand.
    pub fn rows(&self, uses: &[Use]) -> Vec<ProfileRow> {
        OperationClass::ALL
            .into_iter()
            .map(|class| {
                let profile = self.get(class);
                ProfileRow {
                    class: class.name(),
                    write_concern: profile.describe_write(),
                    read_concern: profile.describe_read_concern(),
                    read_preference: profile.describe_read_preference(),
                    time_limit: profile.describe_time_limit(),
                    used_by: uses
                        .iter()
                        .filter(|used| used.class == class)
                        .map(|used| match used.by {
                            // A use declared without its code names the collection alone.
                            "" => used.collection.to_owned(),
                            by => format!("{by} ({})", used.collection),
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// The effective table of [`Profiles::rows`], one line per class.
    pub fn render_table(&self, uses: &[Use]) -> String {
        let rows: Vec<[String; 6]> = self
            .rows(uses)
            .into_iter()
            .map(|row| {
                [
                    row.class.to_owned(),
                    row.write_concern,
                    row.read_concern,
                    row.read_preference,
                    row.time_limit,
                    if row.used_by.is_empty() { "-".to_owned() } else { row.used_by.join(", ") },
                ]
            })
            .collect();
        let mut widths = HEADERS.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &[&str]| {
            let padded: Vec<String> = cells.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
            let _ = writeln!(out, "{}", padded.join("  ").trim_end());
        };
        line(&HEADERS);
        for row in &rows {
            line(&row.each_ref().map(String::as_str));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_matches_the_design() {
        const USES: [Use; 2] =
            [Use::critical("orders").by("OrderBook::place"), Use::analytics("orders").by("OrderBook::totals")];
        let table = Profiles::default().render_table(&USES);
        assert!(table.contains("majority, journaled"), "{table}");
        assert!(table.contains("snapshot in transactions, else majority"), "{table}");
        assert!(table.contains("secondaryPreferred, maxStaleness 90 s"), "{table}");
        assert!(table.contains("300 ms"), "{table}");
        let critical = table.lines().find(|line| line.starts_with("critical")).expect("a critical row");
        assert!(critical.ends_with("OrderBook::place (orders)"), "{table}");
        let bulk = table.lines().find(|line| line.starts_with("bulk")).expect("a bulk row");
        assert!(bulk.ends_with(" -"), "a class nobody uses shows a dash: {table}");
        assert_eq!(table.lines().count(), 6);
    }
}
