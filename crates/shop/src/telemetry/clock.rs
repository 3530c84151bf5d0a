//! The time stamp of every log line, as `tracing-subscriber`'s own (`2026-12-02T01:20:47.002123Z`,
//! UTC, microseconds), for less work: each thread keeps the date and time of day of the second it
//! last wrote and formats only the microseconds while that second lasts, where the default
//! formatter converts and formats the whole date through `fmt` on every line.

use std::cell::Cell;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{self, FormatTime};

/// `YYYY-MM-DDTHH:MM:SS`.
const SECOND_LEN: usize = 19;

/// The last second this formatter handles (9999-12-31T23:59:59Z); later ones, and times before
/// 1970, go to the default formatter.
const LAST_SECOND: u64 = 253_402_300_799;

thread_local! {
    static LAST: Cell<(u64, [u8; SECOND_LEN])> = const { Cell::new((u64::MAX, [0; SECOND_LEN])) };
}

/// The time stamp formatter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock;

impl FormatTime for Clock {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let Ok(since) = SystemTime::now().duration_since(UNIX_EPOCH) else {
            return time::SystemTime.format_time(w);
        };
        let seconds = since.as_secs();
        if seconds > LAST_SECOND {
            return time::SystemTime.format_time(w);
        }
        let second = LAST.with(|last| match last.get() {
            (at, text) if at == seconds => text,
            _ => {
                let text = date_time(seconds);
                last.set((seconds, text));
                text
            }
        });
        let text = stamp(&second, since.subsec_micros());
        w.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

/// `second` followed by `.uuuuuuZ`, on the stack.
fn stamp(second: &[u8; SECOND_LEN], micros: u32) -> [u8; SECOND_LEN + 8] {
    let mut text = [0u8; SECOND_LEN + 8];
    text[..SECOND_LEN].copy_from_slice(second);
    text[SECOND_LEN] = b'.';
    digits(&mut text[SECOND_LEN + 1..SECOND_LEN + 7], u64::from(micros));
    text[SECOND_LEN + 7] = b'Z';
    text
}

/// Writes `value` in decimal into all of `out`, zero-padded on the left.
fn digits(out: &mut [u8], mut value: u64) {
    for digit in out.iter_mut().rev() {
        // The remainder is below 10.
        *digit = b'0' + u8::try_from(value % 10).unwrap_or(0);
        value /= 10;
    }
}

/// `YYYY-MM-DDTHH:MM:SS` of `seconds` since 1970 in UTC (at most [`LAST_SECOND`]), by the civil
/// calendar's day count (Howard Hinnant's `civil_from_days`).
fn date_time(seconds: u64) -> [u8; SECOND_LEN] {
    let (days, in_day) = (seconds / 86_400, seconds % 86_400);
    // Days from 0000-03-01, counted in 400-year eras of 146 097 days.
    let shifted = days + 719_468;
    let (era, of_era) = (shifted / 146_097, shifted % 146_097);
    let year_of_era = (of_era - of_era / 1_460 + of_era / 36_524 - of_era / 146_096) / 365;
    let day_of_year = of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    let mut text = *b"0000-00-00T00:00:00";
    digits(&mut text[0..4], year);
    digits(&mut text[5..7], month);
    digits(&mut text[8..10], day);
    digits(&mut text[11..13], in_day / 3_600);
    digits(&mut text[14..16], in_day / 60 % 60);
    digits(&mut text[17..19], in_day % 60);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_of_day_follow_the_calendar() {
        for (seconds, expected) in [
            (0, "1970-01-01T00:00:00"),
            (951_782_400, "2000-02-29T00:00:00"),
            (1_709_208_000, "2024-02-29T12:00:00"),
            (1_796_000_000, "2026-11-30T00:53:20"),
            (LAST_SECOND, "9999-12-31T23:59:59"),
        ] {
            assert_eq!(String::from_utf8_lossy(&date_time(seconds)), expected, "{seconds}");
        }
        assert_eq!(String::from_utf8_lossy(&stamp(&date_time(0), 2_123)), "1970-01-01T00:00:00.002123Z");
    }

    fn formatted(timer: &impl FormatTime) -> String {
        let mut text = String::new();
        timer.format_time(&mut Writer::new(&mut text)).expect("formats");
        text
    }

    #[test]
    fn stamps_read_as_the_default_formatter_writes_them() {
        // Both within one second: the second of each agrees.
        let (ours, default) = loop {
            let (ours, default, again) = (formatted(&Clock), formatted(&time::SystemTime), formatted(&Clock));
            if ours[..SECOND_LEN] == again[..SECOND_LEN] {
                break (ours, default);
            }
        };

        assert_eq!(ours.len(), default.len(), "{ours} {default}");
        assert_eq!(ours[..SECOND_LEN], default[..SECOND_LEN]);
        assert!(ours.ends_with('Z') && ours.as_bytes()[SECOND_LEN] == b'.', "{ours}");
    }
}
