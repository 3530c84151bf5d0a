//! `bare-mongo`: the baseline of `shop bench db`, what a team would write by hand with axum and
//! the official `mongodb` driver instead of the shop, with none of its layers (no classed handles,
//! time limits, telemetry, authentication, access log or idempotency runner):
//!
//! - `GET /v1/products/{id}`: one `find` by `_id` in the shop's `products` collection, the
//!   document decoded into a struct and written as the same JSON as the shop's;
//! - `POST /v1/wallets` and `POST /v1/transfers` (with an `Idempotency-Key` header): a transfer
//!   as the driver's examples write one (`transfer`), on collections of its own (`bare_*`), with
//!   the same secondary indexes as the shop's.
//!
//! It connects to `MONGODB_URI`, in the database `--database` names.

mod product;
mod transfer;

use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use axum::routing::{get, post};
use clap::Parser;
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};

// The same allocator as the shop, so that the comparison measures the work, not malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A hand-written axum + driver service: the shop's product read and a transfer.
#[derive(Debug, Parser)]
#[command(name = "bare-mongo", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8082")]
    bind: SocketAddr,
    /// The connection string.
    #[arg(long, env = "MONGODB_URI", hide_env_values = true)]
    uri: String,
    /// The database holding the shop's products (and this service's own collections).
    #[arg(long)]
    database: String,
    /// Most connections per server [default: the driver's].
    #[arg(long)]
    max_pool_size: Option<u32>,
    /// Connections kept open per server [default: the driver's].
    #[arg(long)]
    min_pool_size: Option<u32>,
}

/// What the handlers share: the one client's database.
#[derive(Clone)]
struct Shared {
    client: Client,
    database: Database,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut options = ClientOptions::parse(&args.uri).await.context("reading MONGODB_URI")?;
    // Only when asked: `shop bench db` gives both services the same pool.
    options.max_pool_size = args.max_pool_size.or(options.max_pool_size);
    options.min_pool_size = args.min_pool_size.or(options.min_pool_size);
    let client = Client::with_options(options).context("configuring the client")?;
    let database = client.database(&args.database);
    transfer::prepare(&database).await.context("creating the transfers' indexes")?;
    let shared = Shared { client, database };
    let router = Router::new()
        .route("/v1/products/{id}", get(product::get))
        .route("/v1/wallets", post(transfer::open_wallet))
        .route("/v1/transfers", post(transfer::transfer))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("binding {}", args.bind))?;
    axum::serve(listener, router).await.context("serving HTTP")
}
