//! The shop's API keys: where they are configured ([`API_KEYS_SETTING`], a list of entries or
//! `@<path>` of a file, [`load`]), where the service may run without them ([`for_bind`]), and
//! `shop keys new`, which creates a key and prints it once with the configuration entry to add.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use app::auth::keys::{self, ApiKeys};
use app::auth::{Authentication, Scope, Scopes};

/// The setting that configures API keys.
pub const API_KEYS_SETTING: &str = "SHOP_API_KEYS";

/// The keys a setting's value configures: entries separated by `;` or new lines, or `@<path>`
/// naming a file of entries (one a line, `#` starts a comment). An empty value configures none.
///
/// # Errors
/// When the file cannot be read or an entry does not parse (naming the file and the entry).
pub fn load(setting: &str) -> anyhow::Result<ApiKeys> {
    match setting.trim().strip_prefix('@') {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading API keys from {path}"))?;
            ApiKeys::parse(&text).with_context(|| format!("API keys in {path}"))
        }
        None => ApiKeys::parse(setting).with_context(|| format!("API keys in {API_KEYS_SETTING}")),
    }
}

/// The authentication the shop's routes get on `address` with the configured `keys`: checked
/// keys and end users' session tokens (with `/metrics` open on a loopback address), or anonymous
/// calls on a loopback address when no key is configured.
///
/// # Errors
/// Refuses anonymous calls on any address but a loopback one, naming the setting to add.
pub fn for_bind(keys: ApiKeys, address: SocketAddr) -> anyhow::Result<Authentication> {
    let loopback = address.ip().is_loopback();
    if !keys.is_empty() {
        return Ok(Authentication::checked(keys).with_open_metrics(loopback).with_session_tokens(true));
    }
    anyhow::ensure!(
        loopback,
        "refusing to serve on {address} without API keys: anyone reaching it could move money. \
         Set {API_KEYS_SETTING} (create a key with `shop keys new --name <name> --scope <scopes>`), \
         or bind a loopback address such as 127.0.0.1"
    );
    Ok(Authentication::anonymous())
}

/// `shop keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: KeysCommand,
}

/// The subcommands of `shop keys`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key: prints it once, with the entry (its name, scopes and hash) to add to
    /// `SHOP_API_KEYS`. The key itself is stored nowhere.
    New(NewKeyArgs),
}

/// Options of `shop keys new`.
#[derive(Debug, Args)]
pub struct NewKeyArgs {
    /// The key's name: recorded as the actor of every change made with it (1–64 ASCII letters,
    /// digits, '-', '_', '.' or '@').
    #[arg(long)]
    pub name: String,
    /// Its scopes, comma-separated: read, write, transfer, sessions, admin.
    #[arg(long = "scope", value_delimiter = ',', required = true, value_parser = Scope::parse)]
    pub scopes: Vec<Scope>,
    /// Print `{"name", "scopes", "key", "entry"}` as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `shop keys`.
///
/// # Errors
/// When the name is invalid or the random generator fails.
pub fn run(args: &KeysArgs) -> anyhow::Result<()> {
    let KeysCommand::New(new) = &args.command;
    let scopes: Scopes = new.scopes.iter().copied().collect();
    let (secret, entry) = keys::generate(&new.name, scopes).context("creating the key")?;
    if new.json {
        let object = serde_json::json!({
            "name": new.name, "scopes": scopes.to_string(), "key": secret.expose(), "entry": entry.to_string(),
        });
        println!("{object}");
    } else {
        println!("API key {:?} with scopes {scopes} (shown only now; keep it secret):", new.name);
        println!("{}", secret.expose());
        println!();
        println!("Add this entry to {API_KEYS_SETTING} (entries are separated by ';' or new lines):");
        println!("{entry}");
        println!();
        println!("Clients send it as: Authorization: Bearer <key>");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_keys_only_a_loopback_bind_starts() {
        let loopback: SocketAddr = "127.0.0.1:8080".parse().expect("an address");
        let anywhere: SocketAddr = "0.0.0.0:8080".parse().expect("an address");
        assert!(for_bind(ApiKeys::default(), loopback).expect("loopback starts").authenticator().is_none());
        let refusal = for_bind(ApiKeys::default(), anywhere).expect_err("refused").to_string();
        assert!(refusal.contains(API_KEYS_SETTING) && refusal.contains("shop keys new"), "{refusal}");
        let (_, entry) = keys::generate("ops", Scopes::all()).expect("a key");
        let keys = load(&entry.to_string()).expect("its line parses");
        let checked = for_bind(keys.clone(), anywhere).expect("keys allow any address");
        assert!(checked.authenticator().is_some() && !checked.metrics_open());
        assert!(for_bind(keys, loopback).expect("starts").metrics_open());
    }

    #[test]
    fn a_file_of_entries_is_read_and_a_broken_one_is_named() {
        let (_, first) = keys::generate("billing", Scopes::all()).expect("a key");
        let (_, second) = keys::generate("ops", Scopes::all()).expect("a key");
        let directory = std::env::temp_dir().join(format!("shop-keys-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("a directory");
        let file = directory.join("keys");
        std::fs::write(&file, format!("# the shop's keys\n{first}\n{second}\n")).expect("written");
        let loaded = load(&format!("@{}", file.display())).expect("the file parses");
        assert_eq!(loaded.entries().len(), 2);
        std::fs::write(&file, "ops:read\n").expect("written");
        let error = format!("{:#}", load(&format!("@{}", file.display())).expect_err("broken"));
        assert!(error.contains(&file.display().to_string()) && error.contains("entry 1"), "{error}");
        let missing = format!("{:#}", load("@/nonexistent/keys").expect_err("missing"));
        assert!(missing.contains("reading API keys from /nonexistent/keys"), "{missing}");
        std::fs::remove_dir_all(&directory).expect("removed");
    }
}
