//! The command line. Every setting has an environment variable as its default (read after a
//! `.env` file, if one exists), and a flag overrides both. Every command's `--help` ends with the
//! exit statuses ([`crate::output::EXIT_STATUS`]).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};

use app::state::HttpSettings;

/// `shop`: the shop service and its admin commands.
#[derive(Debug, Parser)]
#[command(name = "shop", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Log format: human-readable lines or one JSON object per event. Levels come from `RUST_LOG`
    /// (default `info`).
    #[arg(long, env = "SHOP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,
    /// Directory where `shop ingest`, `shop migrate up` and `shop ledger` write their progress,
    /// last success and drift found as `shop_<job>.prom`, for node_exporter's textfile collector
    /// (docs/observability.md). Unset: no file.
    #[arg(long, env = "SHOP_METRICS_TEXTFILE_DIR", global = true)]
    pub metrics_textfile_dir: Option<std::path::PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Print the effective consistency profile of each operation class.
    Profiles(ProfilesArgs),
    /// Upsert products from an NDJSON file by sku (`shop ingest generate` writes one).
    Ingest(crate::ingest::args::IngestArgs),
    /// Benchmarks (`shop bench ingest`, `shop bench transfers`, `shop bench http`, `shop bench
    /// db`); built with the `bench` feature only.
    #[cfg(feature = "bench")]
    Bench(crate::bench::BenchArgs),
    /// Schema migrations on MongoDB: `status`, `up [--dry-run] [--batch N]`.
    Migrate(crate::admin::args::MigrateArgs),
    /// Wallet balances against their ledgers on MongoDB: `verify`, `repair`.
    Ledger(crate::admin::args::LedgerArgs),
    /// Indexes against the query-shape registry on MongoDB: `plan`, `apply`, `audit`, `compare`.
    Indexes(crate::admin::indexes::IndexesArgs),
    /// API keys for the HTTP service: `new --name <name> --scope <scopes>`.
    Keys(crate::keys::KeysArgs),
}

impl Cli {
    /// The command line as `shop` parses it: the derived definition with the exit statuses at the
    /// end of every command's help.
    pub fn definition() -> clap::Command {
        fn with_exit_status(command: clap::Command) -> clap::Command {
            command.after_help(crate::output::EXIT_STATUS).mut_subcommands(with_exit_status)
        }
        with_exit_status(Self::command())
    }

    /// Parses the process's arguments; on a usage error prints it and exits with status 2 (0 for
    /// `--help` and `--version`).
    pub fn parse_args() -> Self {
        Self::from_arg_matches(&Self::definition().get_matches()).unwrap_or_else(|error| error.exit())
    }
}

/// Options of `shop profiles`.
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Output format.
    #[command(flatten)]
    pub output: crate::output::Format,
    /// The store settings (only the profile overrides are read; no server is contacted).
    #[command(flatten)]
    pub mongo: MongoArgs,
}

/// How log events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, for terminals.
    Pretty,
    /// One JSON object per event, for log collectors.
    Json,
}

/// Options of `shop serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SHOP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Port to listen on, replacing the port of `--bind`.
    #[arg(long)]
    pub port: Option<u16>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "SHOP_BODY_LIMIT_BYTES", default_value_t = 64 * 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_limit_bytes: u64,
    /// Time budget of one request, in milliseconds.
    #[arg(long, env = "SHOP_REQUEST_TIMEOUT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_ms: u64,
    /// How long a request body may take to arrive whole, in milliseconds (408 past it); shorter
    /// than the request timeout.
    #[arg(long, env = "SHOP_BODY_READ_TIMEOUT_MS", default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_read_timeout_ms: u64,
    /// Longest request target (path and query) accepted, in bytes; longer ones are answered 414.
    #[arg(long, env = "SHOP_MAX_URI_BYTES", default_value_t = 8 * 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_uri_bytes: u32,
    /// Largest request header section accepted, in bytes; larger ones are answered 431.
    #[arg(long, env = "SHOP_MAX_HEADER_BYTES", default_value_t = 32 * 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_header_bytes: u32,
    /// How long a connection may take to send a complete request head, in milliseconds: from the
    /// accept for its first request, from the first byte for a later one; then it is closed.
    #[arg(long, env = "SHOP_HEADER_READ_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_ms: u64,
    /// How long a connection may stay open with no request in flight and nothing received, in
    /// milliseconds; then it is closed.
    #[arg(long, env = "SHOP_IDLE_TIMEOUT_MS", default_value_t = 75_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_ms: u64,
    /// The most connections open at once; one more is answered 503 (`too-many-connections`) and
    /// closed. Keep it below the process's file-descriptor limit less the MongoDB pool.
    #[arg(long, env = "SHOP_MAX_CONNECTIONS", default_value_t = 900, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// After Ctrl-C or SIGTERM, how long requests in flight may take to finish, in milliseconds.
    #[arg(long, env = "SHOP_SHUTDOWN_DRAIN_MS", default_value_t = 10_000)]
    pub shutdown_drain_ms: u64,
    /// API keys: entries `<name>:<scopes>:sha256:<hash>` separated by ';' or new lines, or
    /// `@<path>` of a file holding them (`shop keys new` prints an entry). Without keys the
    /// service accepts anonymous calls and starts only on a loopback address.
    #[arg(long = "api-keys", env = "SHOP_API_KEYS", hide_env_values = true)]
    pub api_keys: Option<String>,
    /// On MongoDB, how often the deployment-health monitor samples replication lag, the oplog
    /// window, index builds and the primary, in seconds; 0 turns it off.
    #[arg(long, env = "SHOP_MONITOR_INTERVAL_SECONDS", default_value_t = 30)]
    pub monitor_interval_seconds: u64,
    /// The store.
    #[command(flatten)]
    pub mongo: MongoArgs,
}

impl ServeArgs {
    /// The authentication for the configured keys and bind address: refuses anonymous calls on
    /// any address but a loopback one, and warns loudly when it allows them.
    ///
    /// # Errors
    /// When the keys do not parse, or none is configured for a non-loopback address.
    pub fn authentication(&self) -> anyhow::Result<app::auth::Authentication> {
        let keys = crate::keys::load(self.api_keys.as_deref().unwrap_or_default())?;
        let authentication = crate::keys::for_bind(keys, self.address())?;
        if authentication.authenticator().is_none() {
            tracing::warn!(
                "NO API KEYS CONFIGURED: this service accepts ANONYMOUS calls from anyone who reaches {}, \
                 including transfers; set {} to require keys",
                self.address(),
                crate::keys::API_KEYS_SETTING
            );
        }
        Ok(authentication)
    }

    /// The address to listen on, with `--port` applied.
    pub fn address(&self) -> SocketAddr {
        let mut address = self.bind;
        if let Some(port) = self.port {
            address.set_port(port);
        }
        address
    }

    /// The HTTP limits these options set.
    ///
    /// # Errors
    /// When the body read timeout is not shorter than the request timeout: the request's 503
    /// would then always come first, and a stalled body would never be told 408.
    pub fn http_settings(&self) -> anyhow::Result<HttpSettings> {
        anyhow::ensure!(
            self.body_read_timeout_ms < self.request_timeout_ms,
            "the body read timeout ({} ms, SHOP_BODY_READ_TIMEOUT_MS) must be shorter than the request timeout \
             ({} ms, SHOP_REQUEST_TIMEOUT_MS)",
            self.body_read_timeout_ms,
            self.request_timeout_ms
        );
        Ok(HttpSettings {
            body_limit_bytes: usize::try_from(self.body_limit_bytes).unwrap_or(usize::MAX),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            body_read_timeout: Duration::from_millis(self.body_read_timeout_ms),
            max_uri_bytes: self.max_uri_bytes as usize,
            max_header_bytes: self.max_header_bytes as usize,
        })
    }

    /// How the server accepts, bounds and stops connections, as these options set it.
    pub fn server_settings(&self) -> app::server::Settings {
        app::server::Settings {
            drain: Duration::from_millis(self.shutdown_drain_ms),
            header_read_timeout: Duration::from_millis(self.header_read_timeout_ms),
            idle_timeout: Duration::from_millis(self.idle_timeout_ms),
            max_connections: self.max_connections as usize,
        }
    }
}

/// How to reach MongoDB. Without a URI the service runs on the in-memory store.
#[derive(Clone, Args)]
pub struct MongoArgs {
    /// Connection string. Holds credentials: never printed, never logged.
    #[arg(long = "mongodb-uri", env = "MONGODB_URI", hide_env_values = true)]
    pub uri: Option<String>,
    /// Database name, when the URI names none.
    #[arg(long = "mongodb-db", env = "MONGODB_DB")]
    pub db: Option<String>,
    /// Most connections the pool opens per server [default: 50].
    #[arg(long = "mongodb-max-pool-size", env = "MONGODB_MAX_POOL_SIZE")]
    pub max_pool_size: Option<u32>,
    /// Connections the pool keeps open per server even when idle [default: 5].
    #[arg(long = "mongodb-min-pool-size", env = "MONGODB_MIN_POOL_SIZE")]
    pub min_pool_size: Option<u32>,
    /// Time budget to open one connection, in milliseconds [default: 5000].
    #[arg(long = "mongodb-connect-timeout-ms", env = "MONGODB_CONNECT_TIMEOUT_MS")]
    pub connect_timeout_ms: Option<u64>,
    /// Time budget to find a suitable server for an operation, in milliseconds [default: 5000].
    #[arg(long = "mongodb-server-selection-timeout-ms", env = "MONGODB_SERVER_SELECTION_TIMEOUT_MS")]
    pub server_selection_timeout_ms: Option<u64>,
    /// Consistency profile overrides, `class.key=value` (repeat the flag, or comma-separate in the
    /// variable): `critical.time_limit_ms=3000`, `feed.read_preference=primary`, `bulk.w=majority`.
    #[arg(long = "profile", env = "SHOP_PROFILES", value_delimiter = ',')]
    pub profiles: Vec<String>,
    /// Log MongoDB commands slower than this, in milliseconds, with their query shape (never
    /// values); 0 turns the slow-operation log off [default: 100].
    #[arg(long = "slow-ms", env = "SHOP_SLOW_MS")]
    pub slow_ms: Option<u64>,
    /// How long an idempotency key is kept, in seconds, on either store; a request sent again
    /// later is applied as new [default: 86400, at most 31536000].
    #[arg(long = "idempotency-ttl-seconds", env = "SHOP_IDEMPOTENCY_TTL_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idempotency_ttl_seconds: Option<u64>,
    /// Send a transfer's writes as one command per collection even where the server has
    /// client-level `bulkWrite` (MongoDB 8.0, wire version 25), as on older servers.
    #[arg(long = "one-command-per-write", env = "SHOP_ONE_COMMAND_PER_WRITE")]
    pub one_command_per_write: bool,
}

impl fmt::Debug for MongoArgs {
    // The URI may carry a password: debug output (and so any log line) shows only whether it is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoArgs")
            .field("uri", &self.uri.as_ref().map(|_| "<redacted>"))
            .field("db", &self.db)
            .field("max_pool_size", &self.max_pool_size)
            .field("min_pool_size", &self.min_pool_size)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("server_selection_timeout_ms", &self.server_selection_timeout_ms)
            .field("profiles", &self.profiles)
            .field("slow_ms", &self.slow_ms)
            .field("idempotency_ttl_seconds", &self.idempotency_ttl_seconds)
            .field("one_command_per_write", &self.one_command_per_write)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::definition().debug_assert();
    }

    #[test]
    fn every_help_states_the_exit_statuses() {
        fn check(command: &mut clap::Command, path: &str) {
            let help = command.render_help().to_string();
            assert!(help.contains("Exit status:") && help.contains("2  not done"), "{path} --help: {help}");
            // clap's generated `help` subcommand prints the help of the others.
            for sub in command.get_subcommands_mut().filter(|sub| sub.get_name() != "help") {
                let path = format!("{path} {}", sub.get_name());
                check(sub, &path);
            }
        }
        check(&mut Cli::definition(), "shop");
    }

    #[test]
    fn port_flag_replaces_the_port_of_the_bind_address() {
        let cli = Cli::try_parse_from(["shop", "serve", "--bind", "0.0.0.0:80", "--port", "9000"]).expect("parses");
        let Command::Serve(args) = cli.command else { panic!("expected serve") };
        assert_eq!(args.address(), "0.0.0.0:9000".parse().expect("valid address"));
    }

    #[test]
    fn a_body_read_timeout_not_shorter_than_the_request_timeout_is_refused() {
        let parse = |body_ms: &str| {
            let cli = Cli::try_parse_from([
                "shop",
                "serve",
                "--request-timeout-ms",
                "2000",
                "--body-read-timeout-ms",
                body_ms,
            ])
            .expect("parses");
            let Command::Serve(args) = cli.command else { panic!("expected serve") };
            args.http_settings()
        };

        assert_eq!(parse("1999").expect("shorter is fine").body_read_timeout, Duration::from_millis(1999));
        assert!(parse("2000").is_err());
    }

    #[test]
    fn debug_output_never_shows_the_mongodb_uri() {
        let cli = Cli::try_parse_from(["shop", "profiles", "--mongodb-uri", "mongodb://user:hunter2@db/shop"])
            .expect("parses");
        let Command::Profiles(args) = cli.command else { panic!("expected profiles") };
        assert!(!format!("{args:?}").contains("hunter2"));
    }
}
