//! `shop bench transfers`: N concurrent clients send transfers among a set of wallets, a share of
//! them between a few hot wallets (the skew), and the run reports throughput, latency
//! percentiles, and on MongoDB retries and database commands per transfer.
//!
//! Every transfer carries an idempotency key (the port requires one). `--keys fresh` sends each
//! request once with a key of its own, the cost of a transfer without client retries;
//! `--keys replay` sends each request twice with the same key, so half the calls are replays.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use domain::transfer::{IdempotencyKey, RequestMeta, TransferCommand};
use domain::wallet::{NewWallet, Owner};
use domain::{Currency, Money, Repositories, Timestamp, TransferError, WalletId};
use hdrhistogram::Histogram;
use rand::Rng as _;

use crate::cli::MongoArgs;

/// How requests use idempotency keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Keys {
    /// A fresh key per request, each sent once.
    Fresh,
    /// Each request sent twice with its key: the second call is a replay.
    Replay,
}

/// Options of `shop bench transfers`.
#[derive(Debug, Args)]
pub struct TransfersArgs {
    /// Transfers to apply.
    #[arg(long, default_value_t = 2_000)]
    pub transfers: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Wallets transfers move money among.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(2..))]
    pub wallets: u32,
    /// Of those, the hot ones.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..))]
    pub hot_wallets: u32,
    /// Percentage of transfers between hot wallets (0 = uniform, 100 = all hot).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub hot_percent: u8,
    /// How requests use idempotency keys.
    #[arg(long, value_enum, default_value_t = Keys::Fresh)]
    pub keys: Keys,
    /// The store: MongoDB when a URI is set, else in memory.
    #[command(flatten)]
    pub mongo: MongoArgs,
}

/// What the clients saw.
#[derive(Default)]
struct Tally {
    latency_us: Option<Histogram<u64>>,
    calls: u64,
    replays: u64,
    refused: u64,
    in_flight: u64,
}

/// Runs the benchmark and prints its figures.
///
/// # Errors
/// The store cannot be reached or prepared, or a transfer fails other than by a refusal.
pub async fn run(args: TransfersArgs) -> anyhow::Result<()> {
    let mongo = match args.mongo.uri {
        Some(_) => {
            let config = crate::store::mongo_config(&args.mongo)?;
            Some(mongo_store::MongoStore::connect(config).await.context("connecting to MongoDB")?)
        }
        None => None,
    };
    let repos = match &mongo {
        Some(store) => store.repositories(),
        None => Repositories::from_store(memory_store::MemoryStore::new()),
    };
    let currency = Currency::parse("EUR").context("the bench currency")?;
    let mut wallets = Vec::new();
    let setup = RequestMeta::of_principal("bench", "bench-setup");
    for _ in 0..args.wallets {
        let opening = Money::new("opening_balance", 1_000_000, currency).context("the opening balance")?;
        let wallet = NewWallet { owner: Owner::parse("Bench Client")?, opening_balance: opening };
        wallets.push(repos.wallets.create(wallet.into_wallet(Timestamp::now()), &setup).await?.id);
    }
    let (commands_before, counters_before) =
        (mongo_kit::telemetry::commands_started(), mongo_kit::exactly_once::attempts::counters());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (repos, wallets, next) = (repos.clone(), wallets.clone(), Arc::clone(&next));
            let plan = Pick { hot: args.hot_wallets.min(args.wallets), hot_percent: args.hot_percent, currency };
            let (total, keys) = (args.transfers, args.keys);
            tokio::spawn(async move { client(repos, wallets, plan, next, total, keys).await })
        })
        .collect();
    let mut tally = Tally::default();
    for client in clients {
        let part = client.await.context("a bench client panicked")??;
        merge(&mut tally, part)?;
    }
    let elapsed = started.elapsed();
    let store = if mongo.is_some() { "MongoDB" } else { "memory" };
    report(&args, store, elapsed, &tally);
    if let Some(store) = &mongo {
        let applied = tally.calls.saturating_sub(tally.replays + tally.refused + tally.in_flight).max(1);
        let counters = mongo_kit::exactly_once::attempts::counters();
        let commands = mongo_kit::telemetry::commands_started() - commands_before;
        let per_call = commands as f64 / tally.calls.max(1) as f64;
        println!("commands per call        {per_call:.2} (all calls, replays included)");
        println!(
            "retries per transfer     {:.3}",
            (counters.retries - counters_before.retries) as f64 / applied as f64
        );
        println!("write conflicts          {}", counters.write_conflicts - counters_before.write_conflicts);
        println!("server                   {}", store.startup_report());
    }
    Ok(())
}

/// How a client picks wallets.
#[derive(Clone, Copy)]
struct Pick {
    hot: u32,
    hot_percent: u8,
    currency: Currency,
}

async fn client(
    repos: Repositories,
    wallets: Vec<WalletId>,
    pick: Pick,
    next: Arc<AtomicUsize>,
    total: usize,
    keys: Keys,
) -> anyhow::Result<Tally> {
    let mut tally = Tally { latency_us: Some(Histogram::new(3)?), ..Tally::default() };
    while next.fetch_add(1, Ordering::Relaxed) < total {
        let command = {
            let mut rng = rand::rng();
            let pool = if rng.random_range(0..100) < pick.hot_percent { pick.hot } else { wallets.len() as u32 };
            let from = rng.random_range(0..pool);
            let to = (from + rng.random_range(1..pool)) % pool;
            let amount = rng.random_range(1..=100);
            TransferCommand::new(wallets[from as usize], wallets[to as usize], amount, pick.currency)?
        };
        let key = IdempotencyKey::parse(&uuid::Uuid::new_v4().to_string())?;
        let sends = if keys == Keys::Replay { 2 } else { 1 };
        for _ in 0..sends {
            let meta = RequestMeta::of_principal("bench", uuid::Uuid::new_v4().to_string());
            let started = Instant::now();
            let outcome = repos.wallets.transfer(command.clone(), key.clone(), meta).await;
            record(&mut tally, started.elapsed())?;
            match outcome {
                Ok(outcome) => tally.replays += u64::from(outcome.replayed),
                Err(TransferError::InsufficientFunds { .. }) => tally.refused += 1,
                Err(TransferError::KeyInFlight) => tally.in_flight += 1,
                Err(other) => return Err(other).context("a transfer failed"),
            }
        }
    }
    Ok(tally)
}

fn record(tally: &mut Tally, latency: Duration) -> anyhow::Result<()> {
    tally.calls += 1;
    let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX).max(1);
    tally.latency_us.as_mut().context("a histogram")?.record(micros)?;
    Ok(())
}

fn merge(into: &mut Tally, part: Tally) -> anyhow::Result<()> {
    match (&mut into.latency_us, part.latency_us) {
        (Some(all), Some(part)) => all.add(&part)?,
        (slot @ None, part) => *slot = part,
        (Some(_), None) => {}
    }
    into.calls += part.calls;
    into.replays += part.replays;
    into.refused += part.refused;
    into.in_flight += part.in_flight;
    Ok(())
}

fn report(args: &TransfersArgs, store: &str, elapsed: Duration, tally: &Tally) {
    let quantile = |q: f64| tally.latency_us.as_ref().map_or(0.0, |h| h.value_at_quantile(q) as f64 / 1000.0);
    println!(
        "shop bench transfers: {store}, {} clients, {} wallets ({} hot, {}% of transfers hot), keys {:?}",
        args.concurrency, args.wallets, args.hot_wallets, args.hot_percent, args.keys
    );
    println!("calls                    {} in {:.2} s", tally.calls, elapsed.as_secs_f64());
    println!("throughput               {:.0} calls/s", tally.calls as f64 / elapsed.as_secs_f64().max(1e-9));
    println!("latency ms               p50 {:.2}  p95 {:.2}  p99 {:.2}", quantile(0.5), quantile(0.95), quantile(0.99));
    println!(
        "outcomes                 replays {}, insufficient funds {}, in flight (409) {}",
        tally.replays, tally.refused, tally.in_flight
    );
}
