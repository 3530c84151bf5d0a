//! Client configuration: service-sized pool and timeouts, the database name, the profiles, and
//! URI redaction (a raw URI is never logged or put in an error).

use std::fmt;
use std::time::Duration;

use mongodb::options::ClientOptions;

use crate::error::{Error, Result};
use crate::profiles::Profiles;

/// How to reach MongoDB and how to use it: what every service on the kit configures alike.
#[derive(Clone)]
pub struct ClientConfig {
    /// Connection string. It may hold credentials: use [`redact_uri`] before showing it.
    pub uri: String,
    /// The database; when `None`, the URI's path names it (`mongodb://host/orders`).
    pub database: Option<String>,
    /// Most connections per server in the pool.
    pub max_pool_size: u32,
    /// Connections kept open per server even when idle.
    pub min_pool_size: u32,
    /// How long opening one connection may take.
    pub connect_timeout: Duration,
    /// How long an operation waits for a suitable server before failing.
    pub server_selection_timeout: Duration,
    /// The consistency profile of each operation class.
    pub profiles: Profiles,
    /// Commands slower than this are logged with their query shape (never values); `None`
    /// turns the slow-operation log off.
    pub slow_operation_threshold: Option<Duration>,
    /// The application name the driver reports to the server (in its logs and `currentOp`).
    pub app_name: String,
}

impl ClientConfig {
    /// A configuration for `uri` with defaults sized for one service instance: at most 50
    /// connections and at least 5 per server, 5 s to connect, 5 s to find a server (the driver's
    /// 30 s would outlast every request's time budget), the default profiles, and commands slower
    /// than 100 ms in the slow-operation log.
    pub fn new(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            database: None,
            max_pool_size: 50,
            min_pool_size: 5,
            connect_timeout: Duration::from_secs(5),
            server_selection_timeout: Duration::from_secs(5),
            profiles: Profiles::default(),
            slow_operation_threshold: Some(Duration::from_millis(100)),
            app_name: "mongo-kit".to_owned(),
        }
    }

    /// This configuration with `database` as the database, whatever the URI says.
    #[must_use]
    pub fn with_database(mut self, database: impl Into<String>) -> Self {
        self.database = Some(database.into());
        self
    }

    /// The driver's options for this configuration, and the database name.
    ///
    /// # Errors
    /// [`Error::Config`] when the URI does not parse, names no database while `database` is
    /// `None`, or the name is not a valid MongoDB database name; [`Error::Connect`] when a
    /// `mongodb+srv` name cannot be resolved.
    pub async fn client_options(&self, clock: &crate::causal::CausalClock) -> Result<(ClientOptions, String)> {
        let redacted = redact_uri(&self.uri);
        let mut options = ClientOptions::parse(&self.uri).await.map_err(|source| {
            if matches!(*source.kind, mongodb::error::ErrorKind::DnsResolve { .. }) {
                Error::Connect { uri: redacted.clone(), source }
            } else {
                // The driver's message may quote the URI; name it only in redacted form.
                Error::Config(format!("the connection string {redacted} does not parse"))
            }
        })?;
        let database = self.database.clone().or_else(|| options.default_database.clone()).ok_or_else(|| {
            Error::Config(
                "no database name: put one in the connection string's path (mongodb://host:27017/orders) or set \
                 `ClientConfig::database` (`ClientConfig::with_database`)"
                    .to_owned(),
            )
        })?;
        check_database_name(&database)?;
        options.max_pool_size = Some(self.max_pool_size);
        options.min_pool_size = Some(self.min_pool_size.min(self.max_pool_size));
        options.connect_timeout = Some(self.connect_timeout);
        options.server_selection_timeout = Some(self.server_selection_timeout);
        options.app_name.get_or_insert_with(|| self.app_name.clone());
        crate::telemetry::Telemetry::new(self.slow_operation_threshold, clock.clone()).instrument(&mut options);
        Ok((options, database))
    }
}

impl fmt::Debug for ClientConfig {
    // The URI may carry a password; Debug output ends up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("uri", &redact_uri(&self.uri))
            .field("database", &self.database)
            .field("max_pool_size", &self.max_pool_size)
            .field("min_pool_size", &self.min_pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("server_selection_timeout", &self.server_selection_timeout)
            .field("profiles", &self.profiles)
            .field("slow_operation_threshold", &self.slow_operation_threshold)
            .field("app_name", &self.app_name)
            .finish()
    }
}

fn check_database_name(name: &str) -> Result<()> {
    let bad = |reason: &str| Err(Error::Config(format!("database name {name:?} {reason}")));
    if name.is_empty() {
        return bad("is empty");
    }
    if name.len() > 63 {
        return bad("is longer than 63 bytes");
    }
    if name.chars().any(|c| "/\\. \"$*<>:|?\0".contains(c)) {
        return bad("holds a character MongoDB does not allow in database names");
    }
    Ok(())
}

/// Query options whose values are secrets.
const SECRET_OPTIONS: [&str; 4] = ["password", "authmechanismproperties", "secret", "token"];

/// `uri` with its user, password and secret options replaced by `<redacted>`:
/// `mongodb://app:s3cret@db:27017/orders` becomes `mongodb://<redacted>@db:27017/orders`. Safe to log.
pub fn redact_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        // Not a URI we understand: it may still hold a secret, so show nothing of it.
        return if uri.contains('@') { "<redacted>".to_owned() } else { uri.to_owned() };
    };
    // The last '@' ends the user information even when a password holds an unescaped '@'.
    let rest = match rest.rfind('@') {
        Some(at) => format!("<redacted>{}", &rest[at..]),
        None => rest.to_owned(),
    };
    let rest = match rest.split_once('?') {
        Some((base, query)) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if SECRET_OPTIONS.iter().any(|s| key.to_ascii_lowercase().contains(s)) => {
                        format!("{key}=<redacted>")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{base}?{}", pairs.join("&"))
        }
        None => rest,
    };
    format!("{scheme}://{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_user_password_and_secret_options() {
        let uri = "mongodb+srv://app:p@ss@cluster.example.net/orders?authMechanismProperties=AWS_SESSION_TOKEN:xyz&w=1";
        let redacted = redact_uri(uri);
        assert_eq!(
            redacted,
            "mongodb+srv://<redacted>@cluster.example.net/orders?authMechanismProperties=<redacted>&w=1"
        );
        assert_eq!(redact_uri("mongodb://localhost:27017/orders"), "mongodb://localhost:27017/orders");
    }

    #[tokio::test]
    async fn database_comes_from_config_or_uri_and_is_required() {
        let (_, db) = ClientConfig::new("mongodb://localhost/orders")
            .client_options(&crate::causal::CausalClock::default())
            .await
            .expect("valid");
        assert_eq!(db, "orders");
        let (_, db) = ClientConfig::new("mongodb://localhost/orders")
            .with_database("other")
            .client_options(&crate::causal::CausalClock::default())
            .await
            .expect("valid");
        assert_eq!(db, "other");
        let missing = ClientConfig::new("mongodb://u:secret@localhost/")
            .client_options(&crate::causal::CausalClock::default())
            .await;
        assert!(
            matches!(&missing, Err(Error::Config(m)) if m.contains("no database name") && m.contains("with_database") && !m.contains("secret"))
        );
    }
}
