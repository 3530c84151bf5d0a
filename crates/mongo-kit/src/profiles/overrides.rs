//! Overrides from configuration: `class.key=value` entries, checked against the guardrails.

use std::time::Duration;

use super::{OperationClass, Profile, Profiles, ReadLevel, ReadMode, WriteAck};
use crate::error::{Error, Result};

/// The keys an override may set, for error messages.
const KEYS: &str = "w, j, read_concern, read_preference, max_staleness_s, time_limit_ms";

impl Profiles {
    /// The default profiles with `entries` applied in order. An entry is `class.key=value`:
    /// `critical.time_limit_ms=3000`, `feed.w=1`, `bulk.w=majority`, `feed.read_preference=primary`,
    /// `analytics.read_concern=local`, `feed.max_staleness_s=120`, `standard.j=true`.
    ///
    /// # Errors
    /// [`Error::Profile`] for an unknown class or key, a malformed value, or a value that breaks a
    /// guardrail: the critical class keeps majority writes and primary reads (transactions need
    /// both), the analytics class has no writes, and a time limit is at least 1 ms.
    pub fn with_overrides(entries: &[&str]) -> Result<Self> {
        Self::default().overridden(entries)
    }

    /// These profiles with `entries` applied in order (see [`Profiles::with_overrides`]).
    ///
    /// # Errors
    /// As [`Profiles::with_overrides`].
    pub fn overridden(mut self, entries: &[&str]) -> Result<Self> {
        for entry in entries {
            let refuse = |reason: String| Error::Profile { entry: (*entry).to_owned(), reason };
            let (path, value) = entry.split_once('=').ok_or_else(|| refuse("expected class.key=value".into()))?;
            let (class, key) = path.trim().split_once('.').ok_or_else(|| refuse("expected class.key=value".into()))?;
            let class = OperationClass::parse(class).ok_or_else(|| {
                refuse(format!("unknown class {class:?}; classes are critical, standard, feed, bulk, analytics"))
            })?;
            let profile = self.get_mut(class);
            apply(profile, key, value.trim()).map_err(refuse)?;
            guard(profile).map_err(refuse)?;
        }
        Ok(self)
    }
}

fn apply(profile: &mut Profile, key: &str, value: &str) -> Result<(), String> {
    match key {
        "w" => profile.write = Some(parse_w(value)?),
        "j" | "journal" => profile.journal = Some(parse_bool(value)?),
        "read_concern" => profile.read_concern = parse_level(value)?,
        "read_preference" => {
            profile.read_mode = parse_mode(value)?;
            if profile.read_mode == ReadMode::Primary {
                // The primary is never stale; the server refuses maxStalenessSeconds with it.
                profile.max_staleness = None;
            }
        }
        "max_staleness_s" => profile.max_staleness = parse_staleness(value)?,
        "time_limit_ms" => {
            let ms: u64 = value.parse().map_err(|_| format!("{value:?} is not a number of milliseconds"))?;
            profile.time_limit = Duration::from_millis(ms);
        }
        other => return Err(format!("unknown key {other:?}; keys are {KEYS}")),
    }
    Ok(())
}

fn guard(profile: &Profile) -> Result<(), String> {
    let class = profile.class;
    if class == OperationClass::Critical && profile.write != Some(WriteAck::Majority) {
        return Err("the critical class refuses a write concern weaker than majority".into());
    }
    if class == OperationClass::Critical && profile.read_mode != ReadMode::Primary {
        return Err("the critical class runs transactions, which read from the primary only".into());
    }
    if class == OperationClass::Analytics && profile.write.is_some() {
        return Err("the analytics class performs no writes".into());
    }
    if profile.time_limit.is_zero() {
        return Err("a time limit must be at least 1 ms".into());
    }
    if profile.max_staleness.is_some() && profile.read_mode == ReadMode::Primary {
        return Err("max_staleness_s needs a read preference other than primary".into());
    }
    Ok(())
}

fn parse_w(value: &str) -> Result<WriteAck, String> {
    if value == "majority" {
        return Ok(WriteAck::Majority);
    }
    match value.parse::<u32>() {
        Ok(0) => Err("w=0 (unacknowledged) is never used: errors would go unseen".into()),
        Ok(n) => Ok(WriteAck::Nodes(n)),
        Err(_) => Err(format!("w must be majority or a number of members, not {value:?}")),
    }
}

fn parse_bool(value: &str) -> Result<bool, String> {
    value.parse().map_err(|_| format!("expected true or false, not {value:?}"))
}

fn parse_level(value: &str) -> Result<ReadLevel, String> {
    Ok(match value {
        "local" => ReadLevel::Local,
        "majority" => ReadLevel::Majority,
        "snapshot" => ReadLevel::Snapshot,
        "linearizable" => ReadLevel::Linearizable,
        "available" => ReadLevel::Available,
        _ => return Err(format!("unknown read concern {value:?}")),
    })
}

fn parse_mode(value: &str) -> Result<ReadMode, String> {
    let folded: String = value.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_lowercase();
    Ok(match folded.as_str() {
        "primary" => ReadMode::Primary,
        "primarypreferred" => ReadMode::PrimaryPreferred,
        "secondary" => ReadMode::Secondary,
        "secondarypreferred" => ReadMode::SecondaryPreferred,
        "nearest" => ReadMode::Nearest,
        _ => return Err(format!("unknown read preference {value:?}")),
    })
}

fn parse_staleness(value: &str) -> Result<Option<Duration>, String> {
    if value == "none" {
        return Ok(None);
    }
    match value.parse::<u64>() {
        // The server's floor: heartbeat frequency plus idle write period.
        Ok(s) if s >= 90 => Ok(Some(Duration::from_secs(s))),
        _ => Err(format!("max_staleness_s must be none or at least 90 seconds, not {value:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_change_only_the_named_setting() {
        let profiles = Profiles::with_overrides(&["critical.time_limit_ms=3000", "bulk.w=majority"]).expect("valid");
        assert_eq!(profiles.get(OperationClass::Critical).time_limit(), Duration::from_secs(3));
        assert_eq!(profiles.get(OperationClass::Bulk).write, Some(WriteAck::Majority));
        assert_eq!(profiles.get(OperationClass::Standard), Profiles::default().get(OperationClass::Standard));
    }

    #[test]
    fn primary_read_preference_clears_staleness() {
        let profiles = Profiles::with_overrides(&["feed.read_preference=primary", "feed.w=1"]).expect("valid");
        assert_eq!(profiles.get(OperationClass::Feed).max_staleness, None);
    }

    #[test]
    fn guardrails_and_syntax_are_enforced() {
        for bad in [
            "critical.w=1",
            "critical.read_preference=secondary",
            "analytics.w=1",
            "feed.w=0",
            "feed.time_limit_ms=0",
            "feed.max_staleness_s=10",
            "nope.w=1",
            "feed.colour=red",
            "feed.w",
        ] {
            assert!(Profiles::with_overrides(&[bad]).is_err(), "{bad} was accepted");
        }
    }
}
