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

/// What [`from`] reads a setting as.
#[derive(Debug)]
pub enum Filter {
    /// Levels by target.
    Targets(Targets),
    /// Everything else.
    Env(EnvFilter),
}

impl Filter {
    /// The filter as the subscriber's first layer.
    pub fn boxed(self) -> Box<dyn Layer<Registry> + Send + Sync> {
        match self {
            Self::Targets(targets) => targets.boxed(),
            Self::Env(env) => env.boxed(),
        }
    }
}

/// Reads [`VARIABLE`].
pub fn from_env() -> Filter {
    from(std::env::var(VARIABLE).ok().as_deref())
}

/// The filter for `value`, the content of [`VARIABLE`] (`None` when unset): `info` when it is
/// unset or does not parse, as `EnvFilter::try_from_default_env` with that fallback reads it.
pub fn from(value: Option<&str>) -> Filter {
    let Some(value) = value else {
        return Filter::Targets(Targets::new().with_default(LevelFilter::INFO));
    };
    if is_static(value)
        && let Ok(targets) = Targets::from_str(value)
    {
        return Filter::Targets(targets);
    }
    Filter::Env(EnvFilter::try_new(value).unwrap_or_else(|_| EnvFilter::new("info")))
}

/// Whether every directive of `value` is `level` or `target=level`, the target made of ASCII
/// letters, digits, `_`, `-` and `:` (what module paths are made of), nothing around them.
fn is_static(value: &str) -> bool {
    value.split(',').all(|directive| {
        let (target, level) = match directive.split_once('=') {
            Some((target, level)) => (Some(target), level),
            None => (None, directive),
        };
        let target_ok = target.is_none_or(|target| {
            !target.is_empty() && target.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-'))
        });
        target_ok && LevelFilter::from_str(level).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn levels_by_target_become_targets_and_the_rest_an_env_filter() {
        for value in [None, Some("info"), Some("info,access=warn"), Some("WARN,shop::bench=debug,app=trace")] {
            assert!(matches!(from(value), Filter::Targets(_)), "{value:?}");
        }
        for value in
            ["", "info,[request]=debug", "app[request{route=x}]=trace", "access", "info, access=warn", "x=loud"]
        {
            assert!(matches!(from(Some(value)), Filter::Env(_)), "{value}");
        }
    }

    #[test]
    fn the_access_target_can_be_turned_off_alone() {
        let Filter::Targets(targets) = from(Some("info,access=warn")) else { panic!("levels by target") };

        assert!(targets.would_enable("app::http", &Level::INFO));
        assert!(!targets.would_enable("app::http", &Level::DEBUG));
        assert!(!targets.would_enable("access", &Level::INFO));
        assert!(targets.would_enable("access", &Level::WARN));
    }

    #[test]
    fn the_most_specific_target_wins() {
        let Filter::Targets(targets) = from(Some("warn,app=debug,app::http=error")) else { panic!("levels by target") };

        assert!(targets.would_enable("app::store", &Level::DEBUG));
        assert!(!targets.would_enable("app::http::observe", &Level::WARN));
        assert!(!targets.would_enable("shop", &Level::INFO));
    }
}
