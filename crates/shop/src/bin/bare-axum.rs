//! `bare-axum`: the baseline of `shop bench http`. A bare axum server answering
//! `GET /v1/products/{id}` with a fixed JSON body and `ETag`, and nothing else: no middleware, no
//! store, no logs. Whatever the shop serves slower than this is the cost of its HTTP layer and
//! its handler.

use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Parser;

// The same allocator as the shop, so that the comparison measures the HTTP layer, not malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A bare axum server answering one route with a fixed JSON body.
#[derive(Debug, Parser)]
#[command(name = "bare-axum", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    bind: SocketAddr,
    /// The JSON body of every answer.
    #[arg(long)]
    body: String,
    /// The `ETag` of every answer.
    #[arg(long, default_value = "\"1\"")]
    etag: String,
}

/// What every answer carries, built once.
#[derive(Clone)]
struct Answer {
    body: Bytes,
    etag: HeaderValue,
}

async fn product(State(answer): State<Answer>) -> impl IntoResponse {
    let content_type = HeaderValue::from_static("application/json");
    ([(header::CONTENT_TYPE, content_type), (header::ETAG, answer.etag)], answer.body)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let answer = Answer { body: Bytes::from(args.body), etag: HeaderValue::from_str(&args.etag).context("the ETag")? };
    let router = Router::new().route("/v1/products/{id}", get(product)).with_state(answer);
    let listener = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("binding {}", args.bind))?;
    axum::serve(listener, router).await.context("serving HTTP")
}
