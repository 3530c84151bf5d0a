//! The `shop` binary as a script runs it: a real process whose standard output is parsed. Every
//! machine-readable result (`--json`, the NDJSON of `ingest generate`) is the only thing on
//! standard output; logs (JSON lines here, `SHOP_LOG_FORMAT=json`) and banners go to standard
//! error; the exit status is 0 done, 1 a finding, 2 not done. The commands that need MongoDB run
//! against `MONGODB_URI` (each test on a database of its own, dropped afterwards) and print a
//! named skip without it.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

// A directory of its own: a file beside this one would be a test binary of its own.
#[path = "cli/textfile.rs"]
mod textfile;

/// What one run of `shop` left behind.
struct Run {
    line: String,
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn from(line: String, output: Output) -> Self {
        Self {
            line,
            status: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts the exit status, showing both streams when it differs.
    fn expect_status(&self, status: i32) -> &Self {
        assert_eq!(
            self.status,
            Some(status),
            "`{}` exited {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.line,
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Standard output as one JSON document, and nothing else.
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!("`{}` printed what is not one JSON document ({error}):\n{}", self.line, self.stdout)
        })
    }

    /// The JSON log events on standard error.
    fn log_events(&self) -> Vec<Value> {
        self.stderr
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|event| event.get("level").is_some() && event.get("timestamp").is_some())
            .collect()
    }

    /// Asserts that standard error carries at least one log event.
    fn expect_logs(&self) -> &Self {
        assert!(!self.log_events().is_empty(), "`{}` logged nothing on standard error:\n{}", self.line, self.stderr);
        self
    }
}

/// `shop` with `args` and JSON logs at `info`, from a directory without a `.env`, on the
/// in-memory store unless `uri` is given.
fn shop_command(args: &[&str], uri: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
    command
        .args(args)
        .current_dir(std::env::temp_dir())
        .env("RUST_LOG", "info")
        .env("SHOP_LOG_FORMAT", "json")
        .env_remove("MONGODB_DB")
        .stdin(Stdio::null());
    match uri {
        Some(uri) => command.env("MONGODB_URI", uri),
        None => command.env_remove("MONGODB_URI"),
    };
    command
}

fn run(args: &[&str], uri: Option<&str>) -> Run {
    let output = shop_command(args, uri).output().expect("start the shop binary");
    Run::from(format!("shop {}", args.join(" ")), output)
}

/// A scratch directory of this test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("shop-cli-{name}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Self(dir)
    }

    fn path(&self, file: &str) -> String {
        self.0.join(file).to_str().expect("a UTF-8 temporary path").to_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `shop ingest generate` output written to `path`, every line checked to be one JSON document.
fn generate(path: &str, lines: u64) {
    let generated =
        run(&["ingest", "generate", "--lines", &lines.to_string(), "--invalid-share", "0.1", "--seed", "3"], None);
    generated.expect_status(0);
    for line in generated.stdout.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|error| panic!("not an NDJSON line ({error}): {line}"));
    }
    assert_eq!(generated.stdout.lines().count() as u64, lines);
    std::fs::write(path, &generated.stdout).expect("write the generated products");
}

fn counts(report: &Value) -> [u64; 4] {
    ["lines", "inserted", "unchanged", "rejected"].map(|field| report[field].as_u64().unwrap_or(u64::MAX))
}

#[test]
fn help_states_the_exit_statuses_for_every_command() {
    for args in [vec!["--help"], vec!["indexes", "audit", "--help"], vec!["ledger", "verify", "--help"]] {
        let help = run(&args, None);
        help.expect_status(0);
        assert!(
            help.stdout.contains("Exit status:") && help.stdout.contains("1  done, with a finding"),
            "{}",
            help.stdout
        );
    }
}

#[test]
fn a_usage_error_exits_2_with_nothing_on_stdout() {
    let bad = run(&["indexes", "audit", "--no-such-flag"], None);
    bad.expect_status(2);
    assert!(bad.stdout.is_empty(), "{}", bad.stdout);
    assert!(bad.stderr.contains("--no-such-flag"), "{}", bad.stderr);
}

#[test]
fn an_admin_command_without_mongodb_exits_2_naming_the_fix() {
    for args in [["ledger", "verify", "--json"], ["indexes", "plan", "--json"], ["migrate", "status", "--json"]] {
        let refused = run(&args, None);
        refused.expect_status(2);
        assert!(refused.stdout.is_empty(), "{}", refused.stdout);
        assert!(refused.stderr.contains("MONGODB_URI"), "{}", refused.stderr);
    }
}

#[test]
fn an_unreachable_server_exits_2_with_the_error_on_stderr() {
    // Port 9 on loopback (discard) has no listener here: the connection is refused at once.
    let unreachable = run(
        &["indexes", "--mongodb-server-selection-timeout-ms", "300", "plan", "--json"],
        Some("mongodb://127.0.0.1:9/?directConnection=true"),
    );
    unreachable.expect_status(2);
    assert!(unreachable.stdout.is_empty(), "{}", unreachable.stdout);
    assert!(unreachable.stderr.contains("connecting to MongoDB"), "{}", unreachable.stderr);
}

#[test]
fn bench_db_refuses_a_server_pid_it_cannot_read_before_it_starts() {
    // Above the largest process id Linux hands out (2^22): no process has it.
    let refused =
        run(&["bench", "db", "--server-pid", "4194305"], Some("mongodb://127.0.0.1:9/?directConnection=true"));
    refused.expect_status(2);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    assert!(refused.stderr.contains("--server-pid 4194305"), "{}", refused.stderr);
}

#[test]
fn profiles_json_is_the_only_thing_on_stdout() {
    let profiles = run(&["profiles", "--json", "--profile", "feed.time_limit_ms=250"], None);
    let rows = profiles.expect_status(0).json();
    let classes: Vec<&str> =
        rows.as_array().expect("an array").iter().filter_map(|row| row["class"].as_str()).collect();
    assert_eq!(classes, ["critical", "standard", "feed", "bulk", "analytics"]);
    assert_eq!(rows[2]["time_limit"], "250 ms");
}

#[test]
fn ingest_reports_json_on_stdout_and_the_memory_banner_on_stderr() {
    let scratch = Scratch::new("ingest");
    let file = scratch.path("products.ndjson");
    generate(&file, 60);

    let first = run(&["ingest", &file, "--json"], None);
    let report = first.expect_status(0).json();
    let [lines, inserted, unchanged, rejected] = counts(&report);
    assert_eq!(lines, 60);
    assert!(rejected > 0 && inserted + rejected == lines && unchanged == 0, "{report:#}");
    assert_eq!(report["rejects"].as_str(), Some(format!("{file}.rejects.ndjson").as_str()));
    assert!(report["elapsed_secs"].as_f64().is_some(), "{report:#}");
    assert!(first.stderr.contains("in-memory store"), "{}", first.stderr);

    // From standard input, as in `generate | ingest -`.
    let mut child = shop_command(&["ingest", "-", "--json", "--rejects", &scratch.path("stdin.rejects")], None)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the shop binary");
    let input = std::fs::read(&file).expect("read the generated products");
    child.stdin.take().expect("a stdin pipe").write_all(&input).expect("feed standard input");
    let piped = Run::from("shop ingest - --json".to_owned(), child.wait_with_output().expect("wait for shop"));
    assert_eq!(counts(&piped.expect_status(0).json()), [lines, inserted, 0, rejected]);
}

const PRODUCT: &str = r#"{"sku":"bom-1","name":"Lamp","category":"home","price_minor":100,"currency":"EUR"}"#;

#[test]
fn ingest_skips_a_byte_order_mark_and_leaves_no_rejects_file_when_nothing_is_rejected() {
    let scratch = Scratch::new("ingest-bom");
    let file = scratch.path("bom.ndjson");
    std::fs::write(&file, format!("\u{feff}{PRODUCT}\n")).expect("write the input");

    let report = run(&["ingest", &file, "--json"], None).expect_status(0).json();

    assert_eq!(counts(&report), [1, 1, 0, 0], "{report:#}");
    assert_eq!(report["rejects"], Value::Null);
    assert!(!std::path::Path::new(&format!("{file}.rejects.ndjson")).exists(), "an empty rejects file was left");
}

#[test]
fn ingest_names_the_path_it_cannot_read_and_writes_no_rejects_file() {
    let scratch = Scratch::new("ingest-unreadable");
    let missing = scratch.path("missing.ndjson");
    let directory = scratch.path("a-directory");
    std::fs::create_dir(&directory).expect("create the directory");

    let from_missing = run(&["ingest", &missing], None);
    let from_directory = run(&["ingest", &directory], None);

    assert!(from_missing.expect_status(2).stderr.contains(&format!("opening {missing}")), "{}", from_missing.stderr);
    assert!(
        from_directory.expect_status(2).stderr.contains(&format!("{directory} is a directory")),
        "{}",
        from_directory.stderr
    );
    for input in [&missing, &directory] {
        assert!(!std::path::Path::new(&format!("{input}.rejects.ndjson")).exists(), "a rejects file for {input}");
    }
}

#[test]
fn serve_logs_on_stderr_and_writes_nothing_on_stdout() {
    let mut child = shop_command(&["serve", "--bind", "127.0.0.1:0"], None)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the shop binary");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("a stderr pipe"));
    let mut seen = String::new();
    // Bounded by the server itself: it either logs `listening` or exits (closing the pipe).
    while !seen.contains("\"listening\"") {
        let before = seen.len();
        std::io::BufRead::read_line(&mut stderr, &mut seen).expect("read standard error");
        if seen.len() == before {
            break;
        }
    }
    let stopped = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("send SIGTERM");
    assert!(stopped.success());
    std::io::Read::read_to_string(&mut stderr, &mut seen).expect("read standard error");
    let output = child.wait_with_output().expect("wait for shop");
    let served = Run::from("shop serve".to_owned(), Output { stderr: seen.into_bytes(), ..output });
    served.expect_status(0).expect_logs();
    assert!(served.stdout.is_empty(), "{}", served.stdout);
    let messages: Vec<String> =
        served.log_events().iter().filter_map(|event| event["message"].as_str().map(str::to_owned)).collect();
    assert!(messages.iter().any(|m| m == "listening") && messages.iter().any(|m| m == "stopped"), "{messages:?}");
}

#[test]
fn compare_exits_1_on_a_regression_and_prints_it_as_json() {
    use mongo_kit::index_audit::scoreboard::{Score, Scoreboard};
    use mongo_kit::index_audit::{Latency, Outcome};

    let scratch = Scratch::new("compare");
    let board = |outcome, index: &str| Scoreboard {
        taken_at: "2026-01-01T00:00:00Z".to_owned(),
        database: "shop".to_owned(),
        index_count: 1,
        shapes: vec![Score {
            shape: "products.list_by_category".to_owned(),
            outcome,
            index_used: index.to_owned(),
            scan_ratio: Some(1.0),
            latency: Some(Latency { runs: 3, p50_ms: 0.5, p95_ms: 0.9 }),
            write_amplification: Some(4),
            service: None,
        }],
        service: None,
    };
    let save = |name: &str, board: &Scoreboard| {
        let path = scratch.path(name);
        std::fs::write(&path, serde_json::to_string(board).expect("serialize")).expect("write a scoreboard");
        path
    };
    let before = save("before.json", &board(Outcome::Pass, "category_price_id"));
    let after = save("after.json", &board(Outcome::Fail, "COLLSCAN"));

    let regressed = run(&["indexes", "compare", &before, &after, "--json"], None);
    let comparison = regressed.expect_status(1).json();
    assert_eq!(comparison["regressions"], serde_json::json!(["products.list_by_category"]));
    assert!(regressed.stderr.contains("regressed"), "{}", regressed.stderr);

    let same = run(&["indexes", "compare", &before, &before, "--json"], None);
    assert_eq!(same.expect_status(0).json()["regressions"], serde_json::json!([]));
    let text = run(&["indexes", "compare", &before, &after], None);
    assert!(text.expect_status(1).stdout.contains("products.list_by_category"), "{}", text.stdout);
}

mod mongo {
    //! The admin commands against MongoDB, each as its own process.

    use mongo_kit::bson::{Document, doc};
    use mongo_store::{MongoConfig, MongoStore};
    use serde_json::Value;

    use mongo_kit_test::server::{URI_VAR, no_server};

    use super::{Run, Scratch, generate, run};

    /// The server's URI, through the rules check (which judges the child processes' commands
    /// too); `None` after a named skip, or a failure where a server is required.
    fn server(test: &str) -> Option<String> {
        match std::env::var(URI_VAR) {
            Ok(uri) if !uri.trim().is_empty() => Some(mongo_kit_test::rules::front(&uri)),
            _ => {
                no_server(test, "no MONGODB_URI: the admin commands need a MongoDB server");
                None
            }
        }
    }

    /// `shop <command> --mongodb-db <database> <rest>`: the connection flags belong to the
    /// command, before its subcommand.
    fn admin(uri: &str, database: &str, command: &str, rest: &[&str]) -> Run {
        let mut args = vec![command, "--mongodb-db", database];
        args.extend_from_slice(rest);
        run(&args, Some(uri))
    }

    fn shapes_with(report: &Value, outcomes: &[&str]) -> usize {
        report["shapes"].as_array().map_or(0, |shapes| {
            shapes.iter().filter(|s| outcomes.contains(&s["outcome"].as_str().unwrap_or(""))).count()
        })
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn admin_reports_are_json_on_stdout_with_logs_on_stderr_and_findings_exit_1() {
        let test = "cli::mongo::admin_reports_are_json_on_stdout_with_logs_on_stderr_and_findings_exit_1";
        let Some(uri) = server(test) else { return };
        let database = format!("t_{}", uuid::Uuid::new_v4().simple());
        let scratch = Scratch::new("admin");
        let file = scratch.path("products.ndjson");
        generate(&file, 40);

        let ingested = admin(&uri, &database, "ingest", &[&file, "--json"]);
        let report = ingested.expect_status(0).expect_logs().json();
        assert_eq!(report["lines"], 40, "{report:#}");
        // The long job ends with its MongoDB latency table, on stderr beside the logs.
        assert!(ingested.stderr.contains("MongoDB latency (ms)"), "no latency table:\n{}", ingested.stderr);

        let status = admin(&uri, &database, "migrate", &["status", "--json"]);
        let status = status.expect_status(0).expect_logs().json();
        assert!(status["migrations"].as_array().is_some_and(|m| !m.is_empty()), "{status:#}");
        assert_eq!(status["pending"], 0);
        let dry = admin(&uri, &database, "migrate", &["up", "--dry-run", "--json"]);
        assert_eq!(dry.expect_status(0).expect_logs().json()["dry_run"], true);
        let up = admin(&uri, &database, "migrate", &["up", "--json"]);
        assert_eq!(up.expect_status(0).expect_logs().json()["dry_run"], false);
        assert!(up.stderr.contains("MongoDB latency (ms)"), "no latency table:\n{}", up.stderr);

        let plan = admin(&uri, &database, "indexes", &["plan", "--json"]);
        let items = plan.expect_status(0).expect_logs().json();
        assert!(items["items"].as_array().is_some_and(|items| !items.is_empty()), "{items:#}");
        let applied = admin(&uri, &database, "indexes", &["apply", "--json"]);
        assert!(applied.expect_status(0).expect_logs().json()["created"].is_array());

        // The audit's verdict is the exit status: 1 when a shape failed or could not be verified
        // (a server without real explain figures), 0 when all passed; the report is on stdout
        // either way.
        let saved = scratch.path("audit.json");
        let audit = admin(&uri, &database, "indexes", &["audit", "--json", "--save", &saved]);
        let report = audit.expect_logs().json();
        let expected = if shapes_with(&report, &["fail", "no_plan"]) > 0 { 1 } else { 0 };
        audit.expect_status(expected);
        let compared = admin(&uri, &database, "indexes", &["compare", &saved, &saved, "--json"]);
        assert_eq!(compared.expect_status(0).json()["regressions"], serde_json::json!([]));

        let clean = admin(&uri, &database, "ledger", &["verify", "--json"]);
        assert_eq!(clean.expect_status(0).expect_logs().json()["drifts"], serde_json::json!([]));

        // A drift: a wallet whose stored balance its ledger does not explain.
        let store = MongoStore::connect(MongoConfig::new(&uri).with_database(&database)).await.expect("connect");
        let wallets = store.repositories().wallets;
        let eur = domain::Currency::parse("EUR").expect("a currency");
        let opening = domain::Money::new("opening_balance_minor", 1_000, eur).expect("an amount");
        let owner = domain::wallet::Owner::parse("cli-test").expect("an owner");
        let wallet =
            domain::wallet::NewWallet { owner, opening_balance: opening }.into_wallet(domain::Timestamp::now());
        let meta = domain::transfer::RequestMeta::of_principal("cli-test", "req-cli");
        wallets.create(wallet, &meta).await.expect("create a wallet");
        let tampered = store
            .database()
            .collection::<Document>("wallets")
            .update_one(doc! {}, doc! { "$inc": { "balance_minor": 7_i64 } })
            .await
            .expect("tamper with the balance");
        assert_eq!(tampered.modified_count, 1);

        let drift = admin(&uri, &database, "ledger", &["verify", "--json"]);
        let found = drift.expect_status(1).expect_logs().json();
        assert_eq!(found["drifts"].as_array().map(Vec::len), Some(1), "{found:#}");
        assert!(drift.stderr.contains("drift"), "{}", drift.stderr);
        let repaired = admin(&uri, &database, "ledger", &["repair", "--json"]);
        assert_eq!(repaired.expect_status(0).json()["repaired"], 1);
        admin(&uri, &database, "ledger", &["verify", "--json"]).expect_status(0);

        store.drop_database().await.expect("drop the test database");
        mongo_kit_test::rules::assert_clean();
    }
}
