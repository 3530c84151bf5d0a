//! Timestamps with millisecond precision: BSON dates hold milliseconds, so a value written to any
//! store reads back equal.

use std::fmt;

use chrono::{DateTime, SubsecRound, Utc};

/// A UTC instant truncated to whole milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Self(Utc::now().trunc_subsecs(3))
    }

    /// From milliseconds since the Unix epoch; `None` when out of chrono's range.
    pub fn from_millis(millis: i64) -> Option<Self> {
        DateTime::from_timestamp_millis(millis).map(Self)
    }

    /// Milliseconds since the Unix epoch.
    pub fn as_millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    /// The chrono value inside.
    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// This instant moved by `millis` (negative moves back), saturating at the representable range.
    #[must_use]
    pub fn plus_millis(&self, millis: i64) -> Self {
        Self::from_millis(self.as_millis().saturating_add(millis)).unwrap_or(*self)
    }

    /// RFC 3339 text with milliseconds and a `Z` suffix.
    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value.trunc_subsecs(3))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_has_whole_milliseconds_and_round_trips_through_millis() {
        let now = Timestamp::now();
        assert_eq!(Timestamp::from_millis(now.as_millis()), Some(now));
    }
}
