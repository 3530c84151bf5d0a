//! The admin commands as a new user runs them: parsed from their command lines and run in
//! process against the test server, on a database of their own, through the MongoDB rules check
//! that stands in front of every MongoDB test. Each must send only commands MongoDB accepts.

use clap::Parser as _;
use mongo_kit_test::server::{database_name, server_uri};
use mongo_kit_test::skip::skip;
use shop::cli::{Cli, Command};

use crate::support::fixture::{TestName, store_test};

/// Runs `shop <words>` against `uri` and `database`, as `main` would.
async fn shop(words: &[&str], uri: &str, database: &str) -> anyhow::Result<()> {
    let mut line = vec!["shop".to_owned()];
    line.extend(words.iter().map(|word| (*word).to_owned()));
    // The connection flags belong to each command, before its subcommand.
    line.insert(2, format!("--mongodb-uri={uri}"));
    line.insert(3, format!("--mongodb-db={database}"));
    match Cli::try_parse_from(&line)?.command {
        Command::Ingest(args) => shop::ingest::run(args).await,
        Command::Migrate(args) => shop::admin::migrate::run(args).await,
        Command::Ledger(args) => shop::admin::ledger::run(args).await,
        Command::Indexes(args) => shop::admin::indexes::run(args).await,
        other => anyhow::bail!("not an admin command: {other:?}"),
    }
}

fn product(n: usize) -> String {
    format!(
        r#"{{"sku":"ADM-{n:04}","name":"Desk lamp {n}","category":"home","price_minor":{},"currency":"EUR","attributes":{{"color":"red"}},"tags":["desk"]}}"#,
        100 + n
    )
}

#[store_test(mongo)]
async fn every_admin_command_runs_against_mongodb_sending_only_commands_it_accepts(test: &TestName) {
    let uri = match server_uri().await {
        Ok(uri) => uri,
        Err(reason) => return skip(test, &reason),
    };
    let database = database_name();
    let file = std::env::temp_dir().join(format!("{database}.ndjson"));
    let lines: Vec<String> = (0..40).map(product).collect();
    std::fs::write(&file, lines.join("\n")).expect("write the ingest file");
    let path = file.to_str().expect("a UTF-8 temporary path");

    let mut outcomes = Vec::new();
    for words in [
        vec!["ingest", path],
        vec!["ingest", path],
        vec!["migrate", "status"],
        vec!["migrate", "up"],
        vec!["ledger", "verify"],
        vec!["indexes", "plan"],
        vec!["indexes", "apply"],
        vec!["indexes", "audit"],
    ] {
        let outcome = shop(&words, &uri, &database).await;
        outcomes.push((words.join(" "), outcome.map_err(|e| format!("{e:#}"))));
    }

    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(file.with_extension("rejects.ndjson"));
    let client = mongodb::Client::with_uri_str(&uri).await.expect("a client for clean-up");
    let _ = client.database(&database).drop().await;
    // `indexes audit` exits non-zero on a finding; a server without real explain figures (the CI
    // stand-in) makes findings, which is the audit's job, not a failure of the command.
    let failed: Vec<_> =
        outcomes.iter().filter(|(command, outcome)| outcome.is_err() && command != "indexes audit").collect();
    assert!(failed.is_empty(), "admin commands failed: {failed:#?}");
}
