//! `shop bench http`: what the HTTP layer costs. The shop (`shop serve` on the memory store, one
//! product created first, logging at the level `RUST_LOG` sets) and a bare axum server answering
//! the same JSON body on the same route (`bare-axum`) run side by side on loopback ports; `wrk`
//! loads `GET /v1/products/{id}` on each in turn, round after round, and the run prints req/s,
//! p50 and p99 of both and the ratio of their throughputs.
//!
//! The shop runs as it would in production: with an API key configured (one made for the run,
//! scopes `read,write`), so that every load request pays for its authentication (hashing the
//! presented key and comparing it with the configured hashes). `wrk` sends the same
//! `Authorization` header to both servers, so both read the same request; the baseline ignores it.
//! `--anonymous` runs the shop without keys, as it allows on a loopback address.
//!
//! The rounds alternate which server goes first, so that a machine slowly warming up or getting
//! busier favours neither. Every round is bounded by its duration, and the whole run by
//! `rounds × 2 × duration` plus start-up; the servers are stopped at the end, or when the run
//! fails.

pub mod servers;
pub mod wrk;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use app::auth::Scopes;
use clap::Args;

use self::servers::Server;
use self::wrk::{Load, Run, Script};

/// Options of `shop bench http`.
#[derive(Debug, Args)]
pub struct HttpArgs {
    /// Open connections per load run, each with one request in flight.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
    pub connections: u16,
    /// wrk's threads.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: u16,
    /// Seconds each server is loaded per round.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub duration_secs: u64,
    /// Rounds (each loads both servers once).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=20))]
    pub rounds: u16,
    /// Seconds each server is loaded before the first round, not counted.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=60))]
    pub warmup_secs: u64,
    /// The baseline binary [default: `bare-axum` beside this one].
    #[arg(long)]
    pub bare_bin: Option<PathBuf>,
    /// Serve the shop without API keys (anonymous calls), skipping authentication.
    #[arg(long)]
    pub anonymous: bool,
}

/// Runs the benchmark and prints its figures.
///
/// # Errors
/// A server cannot be started, `wrk` is missing or fails, or the shop answers other than 200.
pub async fn run(args: HttpArgs) -> anyhow::Result<()> {
    let shop_bin = std::env::current_exe().context("locating the shop binary")?;
    let bare_bin = servers::baseline(&shop_bin, args.bare_bin.as_deref(), "bare-axum");
    let key = if args.anonymous {
        None
    } else {
        let scopes = Scopes::parse("read,write")?;
        Some(app::auth::keys::generate("bench", scopes).context("making the run's API key")?)
    };
    let shop = Server::shop(&shop_bin, key.as_ref().map(|(_, entry)| entry.to_string()).as_deref())?;
    let authorization = key.as_ref().map(|(secret, _)| format!("Bearer {}", secret.expose()));
    let (path, body, etag) = create_product(&shop, authorization.as_deref()).await?;
    let bare = Server::bare(&bare_bin, &body, &etag)?;
    let bare_body = reqwest::get(bare.url(&path)).await.context("reading the baseline's answer")?.text().await?;
    if bare_body != body {
        bail!("the baseline answers another body than the shop:\n{bare_body}\n{body}");
    }
    let script = Script::write(authorization.as_deref())?;
    let load = Load {
        connections: args.connections,
        threads: args.threads,
        duration: Duration::from_secs(args.duration_secs),
    };
    let level = std::env::var("RUST_LOG").unwrap_or_else(|_| "unset: info".to_owned());
    println!(
        "shop bench http: GET {path}, {} connections, {} wrk threads, {} rounds of {} s per server, shop RUST_LOG={level}, {}",
        args.connections,
        args.threads,
        args.rounds,
        args.duration_secs,
        if args.anonymous { "anonymous calls" } else { "an API key on every request" }
    );
    let (shop_url, bare_url) = (shop.url(&path), bare.url(&path));
    // The shop's requests, for checking its access log: two to set up, then every load run.
    let mut shop_requests = 2;
    if args.warmup_secs > 0 {
        let warmup = Load { duration: Duration::from_secs(args.warmup_secs), ..load };
        shop_requests += checked(wrk::run(&script, &shop_url, warmup).await?)?.requests;
        checked(wrk::run(&script, &bare_url, warmup).await?)?;
    }
    let (mut shop_runs, mut bare_runs) = (Vec::new(), Vec::new());
    for round in 1..=args.rounds {
        let shop_first = round % 2 == 1;
        for is_shop in [shop_first, !shop_first] {
            let run = checked(wrk::run(&script, if is_shop { &shop_url } else { &bare_url }, load).await?)?;
            println!("round {round}  {}", line(if is_shop { "shop" } else { "bare" }, &run));
            if is_shop {
                shop_requests += run.requests;
                shop_runs.push(run);
            } else {
                bare_runs.push(run);
            }
        }
    }
    drop(bare);
    let output = shop.stop()?;
    report(&shop_runs, &bare_runs);
    println!(
        "shop log       {} lines, {} of them access log lines, for at least {shop_requests} requests",
        output.lines, output.access_lines
    );
    Ok(())
}

/// Creates one product through the API; returns its path, its body as `GET` answers it, and its
/// `ETag`.
pub(super) async fn create_product(
    shop: &Server,
    authorization: Option<&str>,
) -> anyhow::Result<(String, String, String)> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(value) = authorization {
        headers.insert(reqwest::header::AUTHORIZATION, value.parse().context("the Authorization header")?);
    }
    let client = reqwest::Client::builder().default_headers(headers).build()?;
    let product = serde_json::json!({
        "sku": "BENCH-1", "name": "Desk lamp", "category": "lights", "price_minor": 4_990,
        "currency": "EUR", "attributes": {"color": "black", "watts": "40"}, "tags": ["new", "home"],
    });
    let created = client.post(shop.url("/v1/products")).json(&product).send().await.context("creating a product")?;
    if created.status() != reqwest::StatusCode::CREATED {
        bail!("creating the product answered {}: {}", created.status(), created.text().await?);
    }
    let created: serde_json::Value = created.json().await?;
    let path = format!("/v1/products/{}", created["id"].as_str().context("the product's id")?);
    let answer = client.get(shop.url(&path)).send().await.context("reading the product")?;
    let etag = answer.headers().get("etag").and_then(|tag| tag.to_str().ok()).unwrap_or("\"1\"").to_owned();
    Ok((path, answer.text().await?, etag))
}

/// A run whose answers were all 2xx, over sockets that never failed.
pub(super) fn checked(run: Run) -> anyhow::Result<Run> {
    if run.errors > 0 || run.bad_status > 0 {
        bail!("{} socket errors and {} answers other than 2xx during a load run", run.errors, run.bad_status);
    }
    Ok(run)
}

pub(super) fn line(name: &str, run: &Run) -> String {
    format!("{name}  {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms", run.per_second, run.p50_ms, run.p99_ms)
}

/// The median of `values` (the mean of the middle two for an even count); `None` for none.
pub(super) fn middle(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some(f64::midpoint(values[n / 2 - 1], values[n / 2])),
    }
}

/// The median of each figure over the rounds.
pub(super) fn median(runs: &[Run]) -> Run {
    let of = |figure: fn(&Run) -> f64| middle(runs.iter().map(figure).collect()).unwrap_or(0.0);
    Run {
        requests: runs.iter().map(|run| run.requests).sum(),
        per_second: of(|run| run.per_second),
        p50_ms: of(|run| run.p50_ms),
        p99_ms: of(|run| run.p99_ms),
        errors: 0,
        bad_status: 0,
    }
}

fn report(shop: &[Run], bare: &[Run]) {
    let (shop, bare) = (median(shop), median(bare));
    println!("median   {}", line("shop", &shop));
    println!("median   {}", line("bare", &bare));
    let ratio = shop.per_second / bare.per_second.max(1e-9);
    println!(
        "ratio    shop/bare {ratio:.3}: the HTTP layer costs {:.1}% of bare axum's throughput",
        (1.0 - ratio) * 100.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(per_second: f64, p99_ms: f64) -> Run {
        Run { requests: 10, per_second, p50_ms: 1.0, p99_ms, errors: 0, bad_status: 0 }
    }

    #[test]
    fn the_median_of_each_figure_is_taken_apart() {
        let median = median(&[run(3.0, 9.0), run(1.0, 7.0), run(2.0, 8.0), run(10.0, 1.0)]);

        assert_eq!((median.per_second, median.p99_ms, median.requests), (2.5, 7.5, 40));
    }

    #[test]
    fn a_run_with_failed_answers_is_refused() {
        assert!(checked(Run { bad_status: 1, ..run(1.0, 1.0) }).is_err());
        assert!(checked(run(1.0, 1.0)).is_ok());
    }
}
