//! `shop bench db`: the shop against what a team would write by hand instead, on the server
//! `MONGODB_URI` names. The shop (`shop serve` on MongoDB, with an API key and its access log)
//! and `bare-mongo` (axum and the official driver, no other layer) run side by side on loopback
//! ports against one fresh database, dropped at the end; `wrk` loads each in turn, round after
//! round (alternating which goes first), with:
//!
//! - `GET /v1/products/{id}` of one product the shop created (the baseline reads the same
//!   document and answers the same JSON, checked before the load);
//! - `POST /v1/transfers` between random pairs of wallets opened on each (the baseline keeps its
//!   own), each with a fresh `Idempotency-Key`.
//!
//! It prints requests (or completed transfers) per second, p50 and p99 of both and their ratios,
//! and the CPU time each service used per request (read from `/proc` on Linux), with the database
//! server's when `--server-pid` names it.
//! A transfer refused with 409 (a write conflict that outlasted the retries) is not completed:
//! the rates count 2xx answers only.
//!
//! `wrk` ends a run by closing its connections with requests in flight, and the service drops
//! those requests. A transaction whose first command (the one carrying `startTransaction`) was
//! in flight then is open on the server while the driver has not marked it started, so dropping
//! the session does not abort it: the server holds it until `transactionLifetimeLimitSeconds`
//! (60 s by default). The shop's runner kills such a session; a hand-written service does not.
//! An open transaction holds its documents' locks (on an engine that runs one transaction at a
//! time per database, the whole database), and would stall the next run of either service. So
//! after every transfer run the benchmark starts a probe transaction on the run's database until
//! one can start, and reports how long the server held a transaction that run left open.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use app::auth::Scopes;
use bson::{Document, doc};
use clap::Args;

use super::cpu::Meter;
use super::http::servers::{self, Pool, Server};
use super::http::wrk::{self, Load, Run, Script};
use super::http::{checked, create_product, line, median, middle};

/// Options of `shop bench db`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// Open connections per load run, each with one request in flight.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    pub connections: u16,
    /// wrk's threads.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: u16,
    /// Seconds each server is loaded per round and route.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub duration_secs: u64,
    /// Rounds (each loads both servers once per route).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=20))]
    pub rounds: u16,
    /// Wallets opened on each server; transfers pick two of them at random.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(2..=1000))]
    pub wallets: u16,
    /// Most connections per server in both services' pools [default: the shop's, 50]; the
    /// baseline gets the same pool as the shop, whatever the driver's default.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_pool_size: Option<u32>,
    /// Connections both services keep open per server [default: the shop's, 5].
    #[arg(long)]
    pub min_pool_size: Option<u32>,
    /// Run the shop with one command per write (`--one-command-per-write`), as on a server
    /// without client-level `bulkWrite`, even where this one has it.
    #[arg(long)]
    pub one_command_per_write: bool,
    /// The database server's process id, when it runs on this machine: each run then shows the
    /// server's CPU time per request beside each service's own, and the report the ratio of the
    /// server's CPU per transfer (what bounds the shop's ratio where the server's CPU is the limit).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The baseline binary [default: `bare-mongo` beside this one].
    #[arg(long)]
    pub bare_bin: Option<PathBuf>,
    /// The connection string (a database in it or in `MONGODB_DB` is not used: the run makes its own).
    #[arg(long = "mongodb-uri", env = "MONGODB_URI", hide_env_values = true)]
    pub uri: String,
}

/// Runs the benchmark and prints its figures.
///
/// # Errors
/// A server cannot be started, `wrk` is missing or fails, or a server answers unexpectedly.
pub async fn run(args: DbArgs) -> anyhow::Result<()> {
    if let Some(pid) = args.server_pid
        && super::cpu::used(pid).is_none()
    {
        bail!("--server-pid {pid}: its CPU time cannot be read (no such process, another user's, or not Linux)");
    }
    let shop_bin = std::env::current_exe().context("locating the shop binary")?;
    let bare_bin = servers::baseline(&shop_bin, args.bare_bin.as_deref(), "bare-mongo");
    let database = format!("shop_bench_db_{}", uuid::Uuid::now_v7().simple());
    // The benchmark's own client: it probes for transactions left open and drops the database.
    let client = mongodb::Client::with_uri_str(&args.uri).await.context("connecting to MongoDB")?;
    let outcome = measure(&args, &shop_bin, &bare_bin, &client, &database).await;
    let dropped = client.database(&database).drop().await.with_context(|| format!("dropping {database}"));
    outcome?;
    dropped
}

async fn measure(
    args: &DbArgs,
    shop_bin: &std::path::Path,
    bare_bin: &std::path::Path,
    probe: &mongodb::Client,
    database: &str,
) -> anyhow::Result<()> {
    let scopes = Scopes::parse("read,write,transfer")?;
    let (secret, entry) = app::auth::keys::generate("bench", scopes).context("making the run's API key")?;
    let authorization = format!("Bearer {}", secret.expose());
    let defaults = mongo_kit::config::ClientConfig::new(args.uri.clone());
    let max = args.max_pool_size.unwrap_or(defaults.max_pool_size);
    let pool = Pool { max, min: args.min_pool_size.unwrap_or(defaults.min_pool_size).min(max) };
    let path_flag: &[&str] = if args.one_command_per_write { &["--one-command-per-write"] } else { &[] };
    let shop = Server::shop_on_mongo(shop_bin, &entry.to_string(), &args.uri, database, pool, path_flag)?;
    let bare = Server::bare_mongo(bare_bin, &args.uri, database, pool)?;
    let (path, body, _) = create_product(&shop, Some(&authorization)).await?;
    let bare_body = reqwest::get(bare.url(&path)).await.context("reading the baseline's answer")?.text().await?;
    let same = serde_json::from_str::<serde_json::Value>(&bare_body).ok() == serde_json::from_str(&body).ok();
    if !same {
        bail!("the baseline answers another body than the shop:\n{bare_body}\n{body}");
    }
    let client = http_client(&authorization)?;
    let shop_wallets = open_wallets(&client, &shop.url("/v1/wallets"), args.wallets).await?;
    let bare_wallets = open_wallets(&client, &bare.url("/v1/wallets"), args.wallets).await?;
    println!(
        "shop bench db: {} connections, {} wrk threads, {} rounds of {} s per server and route, {} wallets, \
         pools of {}-{} connections each, database {database}, the shop's transfers {}",
        args.connections,
        args.threads,
        args.rounds,
        args.duration_secs,
        args.wallets,
        pool.min,
        pool.max,
        if args.one_command_per_write {
            "with one command per write"
        } else {
            "with one bulkWrite where the server has it"
        }
    );
    let load = Load {
        connections: args.connections,
        threads: args.threads,
        duration: Duration::from_secs(args.duration_secs),
    };
    let reads = Script::write(Some(&authorization))?;
    let warmup = Load { duration: Duration::from_secs(2), ..load };
    checked(wrk::run(&reads, &shop.url(&path), warmup).await?)?;
    checked(wrk::run(&reads, &bare.url(&path), warmup).await?)?;
    let (mut get_runs, mut transfer_runs) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    let (mut get_cpu, mut transfer_cpu) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    let mut left_open: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for round in 1..=args.rounds {
        let shop_first = round % 2 == 1;
        for is_shop in [shop_first, !shop_first] {
            let (server, name, wallets) =
                if is_shop { (&shop, "shop", &shop_wallets) } else { (&bare, "bare", &bare_wallets) };
            let slot = usize::from(!is_shop);
            let meters = Meters::start(server, args.server_pid);
            let read = checked(wrk::run(&reads, &server.url(&path), load).await?)?;
            let cpu = meters.per_request(read.requests);
            println!("round {round}  GET       {}  {cpu}", line(name, &read));
            get_runs[slot].push(read);
            get_cpu[slot].push(cpu);
            let script = Script::write_with(Some(&authorization), &transfer_requests(wallets))?;
            let meters = Meters::start(server, args.server_pid);
            let moved = wrk::run(&script, &server.url("/v1/transfers"), load).await?;
            if moved.errors > 0 {
                bail!("{} socket errors during a transfer run of {name}", moved.errors);
            }
            let done = completed(moved);
            let cpu = meters.per_request(done.requests);
            println!("round {round}  transfers {}  ({} not 2xx)  {cpu}", line(name, &done), moved.bad_status);
            transfer_runs[slot].push(done);
            transfer_cpu[slot].push(cpu);
            let held = wait_until_free(probe, database).await?;
            if held >= LEFT_OPEN {
                println!(
                    "round {round}  {name}'s run left a transaction open: the server held it {:.1} s",
                    held.as_secs_f64()
                );
                left_open[slot].push(held);
            }
        }
    }
    drop(bare);
    shop.stop()?;
    report("GET by id", &get_runs[0], &get_runs[1]);
    report_cpu("GET by id", &get_cpu);
    report("transfers", &transfer_runs[0], &transfer_runs[1]);
    report_cpu("transfers", &transfer_cpu);
    for (name, held) in [("shop", &left_open[0]), ("bare", &left_open[1])] {
        let seconds = held.iter().sum::<Duration>().as_secs_f64();
        println!(
            "left open  {name}: {} of {} transfer runs ended with a transaction left open ({seconds:.1} s held in all)",
            held.len(),
            args.rounds
        );
    }
    Ok(())
}

/// A probe that waits longer than this found a transaction left open (an ordinary transaction
/// of the run would have ended well within it).
const LEFT_OPEN: Duration = Duration::from_secs(1);

/// How long [`wait_until_free`] waits: past the server's default transaction lifetime (60 s).
const FREE_WITHIN: Duration = Duration::from_secs(90);

/// Starts a probe transaction on `database` (one insert, then an abort) until one starts, and
/// returns how long that took. The insert waits behind a transaction that holds a lock it needs;
/// a server that gives up waiting answers with a `TransientTransactionError`, and the probe tries
/// again.
///
/// # Errors
/// The probe fails otherwise, or no transaction could start within [`FREE_WITHIN`].
async fn wait_until_free(client: &mongodb::Client, database: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let probes = client.database(database).collection::<Document>("bench_probe");
    let mut announced = false;
    loop {
        let mut session = client.start_session().await.context("starting the probe's session")?;
        session.start_transaction().await.context("starting the probe's transaction")?;
        let tried = probes.insert_one(doc! { "at": bson::DateTime::now() }).session(&mut session).await;
        // Ends the transaction if the insert started it; nothing to end otherwise.
        let _ = session.abort_transaction().await;
        match tried {
            Ok(_) => return Ok(started.elapsed()),
            Err(error)
                if error.contains_label(mongodb::error::TRANSIENT_TRANSACTION_ERROR)
                    && started.elapsed() < FREE_WITHIN =>
            {
                if !announced {
                    println!("           waiting for a transaction left open on {database} to end");
                    announced = true;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(error) => {
                return Err(error).with_context(|| {
                    format!(
                        "waiting for {database} to let a transaction start ({:.0} s)",
                        started.elapsed().as_secs_f64()
                    )
                });
            }
        }
    }
}

/// `run` with only its 2xx answers counted.
fn completed(run: Run) -> Run {
    let done = run.requests.saturating_sub(run.bad_status);
    let share = if run.requests == 0 { 0.0 } else { done as f64 / run.requests as f64 };
    Run { requests: done, per_second: run.per_second * share, bad_status: 0, ..run }
}

/// Prints the medians of both servers' runs and the ratio of those medians, then the ratio of
/// each round (the two servers ran one after the other in it), so the spread shows how far one
/// round can be trusted.
fn report(what: &str, shop_runs: &[Run], bare_runs: &[Run]) {
    let (shop, bare) = (median(shop_runs), median(bare_runs));
    println!("median {what:<10} {}", line("shop", &shop));
    println!("median {what:<10} {}", line("bare", &bare));
    if bare.per_second > 0.0 {
        let rounds = shop_runs
            .iter()
            .zip(bare_runs)
            .map(|(shop, bare)| {
                if bare.per_second > 0.0 { format!("{:.3}", shop.per_second / bare.per_second) } else { "-".to_owned() }
            })
            .collect::<Vec<_>>()
            .join(" ");
        println!("ratio  {what:<10} shop/bare {:.3}  (round by round: {rounds})", shop.per_second / bare.per_second);
    } else {
        println!("ratio  {what:<10} none: the baseline completed nothing");
    }
}

/// CPU time per answered request (per completed transfer) of one load run, in milliseconds: the
/// service's own and, when measured, the database server's.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cpu {
    service: Option<f64>,
    server: Option<f64>,
}

/// The meters of one load run: on the service and, when `--server-pid` names it, on the server.
struct Meters {
    service: Meter,
    server: Option<Meter>,
}

impl Meters {
    fn start(service: &Server, server: Option<u32>) -> Self {
        Self { service: Meter::start(service.pid()), server: server.map(Meter::start) }
    }

    /// What they measured over `requests` answered requests.
    fn per_request(&self, requests: u64) -> Cpu {
        Cpu {
            service: self.service.per_request(requests),
            server: self.server.as_ref().and_then(|server| server.per_request(requests)),
        }
    }
}

impl Cpu {
    /// The median of each figure over `runs`: `None` unless every run has it.
    fn median(runs: &[Self]) -> Self {
        let of = |figure: fn(&Self) -> Option<f64>| middle(runs.iter().map(figure).collect::<Option<Vec<f64>>>()?);
        Self { service: of(|cpu| cpu.service), server: of(|cpu| cpu.server) }
    }
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |figure: Option<f64>| figure.map_or_else(|| "-".to_owned(), |ms| format!("{ms:.3}"));
        write!(f, "cpu ms/request: service {}", ms(self.service))?;
        if self.server.is_some() {
            write!(f, ", server {}", ms(self.server))?;
        }
        Ok(())
    }
}

/// Prints the median CPU time per request of both services (and of the server under each), then
/// the ratio of the server's CPU per request under the baseline to that under the shop: where the
/// server's CPU is what limits the rate, the shop's rate cannot exceed the baseline's by more.
fn report_cpu(what: &str, runs: &[Vec<Cpu>; 2]) {
    let (shop, bare) = (Cpu::median(&runs[0]), Cpu::median(&runs[1]));
    println!("median {what:<10} shop  {shop}");
    println!("median {what:<10} bare  {bare}");
    if let (Some(shop), Some(bare)) = (shop.server, bare.server)
        && shop > 0.0
    {
        println!(
            "server {what:<10} bare/shop {:.3}  (the server's CPU per request: the most the shop's ratio \
             can reach where the server's CPU is the limit)",
            bare / shop
        );
    }
}

fn http_client(authorization: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, authorization.parse().context("the Authorization header")?);
    Ok(reqwest::Client::builder().default_headers(headers).build()?)
}

/// Opens `count` euro wallets holding plenty through `url`; returns their ids.
async fn open_wallets(client: &reqwest::Client, url: &str, count: u16) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let wallet =
            serde_json::json!({ "owner": "Bench", "currency": "EUR", "opening_balance_minor": 1_000_000_000_000_i64 });
        let opened = client
            .post(url)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&wallet)
            .send()
            .await
            .with_context(|| format!("opening a wallet at {url}"))?;
        if opened.status() != reqwest::StatusCode::CREATED {
            bail!("opening a wallet at {url} answered {}: {}", opened.status(), opened.text().await?);
        }
        let opened: serde_json::Value = opened.json().await?;
        ids.push(opened["id"].as_str().context("the wallet's id")?.to_owned());
    }
    Ok(ids)
}

/// Lua for `wrk`: every request a transfer of one cent between two random wallets of `wallets`,
/// under a key made of the script's own prefix, the thread and a counter (fresh in every run).
fn transfer_requests(wallets: &[String]) -> String {
    let list = wallets.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(",");
    let prefix = uuid::Uuid::new_v4().simple();
    format!(
        r#"wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local wallets = {{{list}}}
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tag", threads)
end
local counter = 0
request = function()
  counter = counter + 1
  local i = math.random(#wallets)
  local j = math.random(#wallets - 1)
  if j >= i then j = j + 1 end
  wrk.headers["Idempotency-Key"] = string.format("{prefix}-%d-%d", tag or 0, counter)
  local body = string.format('{{"from":"%s","to":"%s","amount_minor":1,"currency":"EUR"}}', wallets[i], wallets[j])
  return wrk.format(nil, nil, nil, body)
end
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(service: Option<f64>, server: Option<f64>) -> Cpu {
        Cpu { service, server }
    }

    #[test]
    fn a_cpu_median_needs_every_run_to_have_the_figure() {
        let runs = [cpu(Some(3.0), Some(9.0)), cpu(Some(1.0), None), cpu(Some(2.0), Some(7.0))];

        assert_eq!(Cpu::median(&runs), cpu(Some(2.0), None));
        assert_eq!(Cpu::median(&runs[..1]), cpu(Some(3.0), Some(9.0)));
        assert_eq!(Cpu::median(&[]), cpu(None, None));
    }

    #[test]
    fn the_server_figure_shows_only_when_measured() {
        assert_eq!(cpu(Some(0.5), None).to_string(), "cpu ms/request: service 0.500");
        assert_eq!(cpu(None, Some(3.25)).to_string(), "cpu ms/request: service -, server 3.250");
    }
}
