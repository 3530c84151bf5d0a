//! `shop keys new`: creates an API key, prints it once with the configuration entry to add.

use clap::{Args, Subcommand};

use app::auth::{API_KEYS_SETTING, Scope, Scopes, keys};

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
    let (secret, entry) = keys::generate(&new.name, scopes)?;
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
