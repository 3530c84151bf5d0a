//! The level filter `RUST_LOG` sets (default `info`).
//!
//! `RUST_LOG` usually holds levels by target only (`info`, `info,access=warn`). For those the
//! filter is a [`Targets`]: the same matching as `EnvFilter`'s (the most specific target prefix
//! wins; both keep such directives in the same set), decided per call site and cached, where an
//! `EnvFilter` also takes a lock of its own on every span's creation, entry, exit and close to
//! follow span-field directives that are not there. Anything else (span names, field values,
//! anything this module does not recognise) is read by an `EnvFilter`, as before.

use std::str::FromStr as _;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// The setting read.
pub const VARIABLE: &str = "RUST_LOG";

/// The filter as the subscriber's first layer, for [`VARIABLE`]'s value.
pub fn from_env() -> Box<dyn Layer<Registry> + Send + Sync> {
    from(std::env::var(VARIABLE).ok().as_deref())
}

/// The filter for `value`, the content of [`VARIABLE`] (`None` when unset): `info` when it is
/// unset or does not parse, as `EnvFilter::try_from_default_env` with that fallback reads it.
pub fn from(value: Option<&str>) -> Box<dyn Layer<Registry> + Send + Sync> {
    match (value, value.and_then(targets)) {
        (None, _) => Targets::new().with_default(LevelFilter::INFO).boxed(),
        (Some(_), Some(targets)) => targets.boxed(),
        (Some(value), None) => EnvFilter::try_new(value).unwrap_or_else(|_| EnvFilter::new("info")).boxed(),
    }
}

/// `value` as levels by target, when that is all it holds.
fn targets(value: &str) -> Option<Targets> {
    if is_static(value) { Targets::from_str(value).ok() } else { None }
}

/// Whether every directive of `value` is `level` or `target=level`, the target made of ASCII
/// letters, digits, `_`, `-` and `:` (what module paths are made of), nothing around them and no
/// empty directive.
fn is_static(value: &str) -> bool {
    value.split(',').all(|directive| {
        let (target, level) = match directive.split_once('=') {
            Some((target, level)) => (Some(target), level),
            None => (None, directive),
        };
        let target_ok = target.is_none_or(|target| {
            !target.is_empty() && target.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-'))
        });
        // An empty level parses as `error`; `EnvFilter` skips empty directives instead.
        target_ok && !level.is_empty() && LevelFilter::from_str(level).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn levels_by_target_become_targets_and_the_rest_an_env_filter() {
        for value in ["info", "info,access=warn", "WARN,shop::bench=debug,app=trace"] {
            assert!(targets(value).is_some(), "{value:?}");
        }
        for value in [
            "",
            "info,[request]=debug",
            "app[request{route=x}]=trace",
            "access",
            "info, access=warn",
            "x=loud",
            "info,,warn",
            "info,",
        ] {
            assert!(targets(value).is_none(), "{value}");
        }
    }

    #[test]
    fn the_access_target_can_be_turned_off_alone() {
        let targets = targets("info,access=warn").expect("levels by target");

        assert!(targets.would_enable("app::http", &Level::INFO));
        assert!(!targets.would_enable("app::http", &Level::DEBUG));
        assert!(!targets.would_enable("access", &Level::INFO));
        assert!(targets.would_enable("access", &Level::WARN));
    }

    #[test]
    fn the_most_specific_target_wins() {
        let targets = targets("warn,app=debug,app::http=error").expect("levels by target");

        assert!(targets.would_enable("app::store", &Level::DEBUG));
        assert!(!targets.would_enable("app::http::request", &Level::WARN));
        assert!(!targets.would_enable("shop", &Level::INFO));
    }
}
