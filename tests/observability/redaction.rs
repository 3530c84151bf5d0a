//! Every log line of a full HTTP scenario, captured at the most verbose level, holds no credential
//! and no personal value: no password from a connection string, no API key (sent, refused or
//! lacking a scope), no owner, user id, session token, actor, or free-form attribute key or value. MongoDB runs with every command in the
//! slow-operation log, so query shapes are checked too.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mongo_store::{MongoConfig, MongoStore};
use reqwest::StatusCode;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt as _;

use crate::support::app::{TestApp, expect_json, spawn_app};
use crate::support::fixture::{Fixture, MemoryFixture, store_test};

const PASSWORD: &str = "Pa55-Hunter-Secret";
const OWNER: &str = "Zelda Quixote";
const ACTOR: &str = "auditor-quinn";
const ATTRIBUTE_KEY: &str = "secret-attr-key";
const ATTRIBUTE_VALUE: &str = "ultramarine-7731";

/// Log output kept in memory.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }

    /// Installs a subscriber writing every event, JSON and pretty, for this thread (the test's
    /// runtime runs every task on it).
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let (json, pretty) = (self.clone(), self.clone());
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::filter::LevelFilter::TRACE)
            .with(tracing_subscriber::fmt::layer().json().with_current_span(true).with_writer(move || json.clone()))
            .with(tracing_subscriber::fmt::layer().with_writer(move || pretty.clone()));
        tracing::subscriber::set_default(subscriber)
    }
}

/// Every resource, with personal values in bodies, paths and headers; returns the values that
/// must not be logged.
async fn scenario(app: &TestApp) -> Vec<String> {
    let product = json!({
        "sku": "PRIV-1", "name": "Lamp", "category": "lights", "price_minor": 1200, "currency": "EUR",
        "attributes": {ATTRIBUTE_KEY: ATTRIBUTE_VALUE}, "tags": [],
    });
    let product = expect_json(app.post("/v1/products", &product).await, StatusCode::CREATED).await;
    let product_id = product["id"].as_str().expect("a product id").to_owned();
    expect_json(app.get(&format!("/v1/products/{product_id}")).await, StatusCode::OK).await;
    let wallet = json!({"owner": OWNER, "currency": "EUR", "opening_balance_minor": 500});
    let from = expect_json(app.post("/v1/wallets", &wallet).await, StatusCode::CREATED).await;
    let to = app.create_wallet("EUR", 0).await;
    let transfer = json!({"from": from["id"], "to": to, "amount_minor": 5, "currency": "EUR"});
    let request =
        app.client.post(app.url("/v1/transfers")).header("x-actor", ACTOR).header("idempotency-key", "priv-1");
    assert_eq!(request.json(&transfer).send().await.expect("sent").status(), StatusCode::CREATED);
    let user_id = uuid::Uuid::new_v4().to_string();
    let session = json!({"user_id": user_id, "ttl_seconds": 60});
    let session = expect_json(app.post("/v1/sessions", &session).await, StatusCode::CREATED).await;
    let token = session["token"].as_str().expect("a token").to_owned();
    expect_json(app.get(&format!("/v1/sessions/{token}")).await, StatusCode::OK).await;
    let feed = json!({"product_ids": [product_id]});
    let put = app.client.put(app.url(&format!("/v1/feeds/{user_id}"))).json(&feed).send().await.expect("sent");
    assert!(put.status().is_success(), "the feed is stored");
    expect_json(app.get(&format!("/v1/feeds/{user_id}")).await, StatusCode::OK).await;
    expect_json(app.get("/v1/audit").await, StatusCode::OK).await;
    let bad_wallet = json!({"owner": OWNER, "currency": "NOPE", "opening_balance_minor": 1});
    assert!(app.post("/v1/wallets", &bad_wallet).await.status().is_client_error());
    assert_eq!(app.delete(&format!("/v1/sessions/{token}")).await.status(), StatusCode::NO_CONTENT);
    let forged = format!("{}x", app.key);
    let refused = app.anonymous.get(app.url("/v1/products")).bearer_auth(&forged).send().await.expect("sent");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let lacking = app.anonymous.get(app.url("/v1/audit")).bearer_auth(app.only(app::auth::Scope::Read));
    assert_eq!(lacking.send().await.expect("sent").status(), StatusCode::FORBIDDEN);
    let mut secrets =
        vec![OWNER.to_owned(), ACTOR.to_owned(), ATTRIBUTE_KEY.to_owned(), ATTRIBUTE_VALUE.to_owned(), user_id, token];
    secrets.push(forged);
    secrets.extend(app.keys.values().cloned());
    secrets
}

fn assert_clean(logs: &str, secrets: &[String]) {
    assert!(logs.contains("/v1/wallets"), "the capture holds the request logs:\n{logs}");
    for secret in secrets {
        assert!(!logs.contains(secret.as_str()), "{secret:?} appears in the logs:\n{logs}");
    }
}

/// The service with every log line captured from before it starts: on memory-store, or on MongoDB
/// with every command in the slow-operation log, so every query shape is checked too.
struct Logged {
    capture: Capture,
    app: TestApp,
    /// The MongoDB store, to drop its database afterwards.
    mongo: Option<MongoStore>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Fixture for Logged {
    async fn mongo(test: &'static str) -> Option<Self> {
        let uri = mongo_kit_test::server::uri_or_skip(test).await?;
        let capture = Capture::default();
        let guard = capture.install();
        let mut config = MongoConfig::new(uri).with_database(mongo_kit_test::server::database_name());
        config.slow_operation_threshold = Some(Duration::ZERO);
        let store = MongoStore::connect(config).await.expect("connect to the test MongoDB");
        if !store.startup_report().uuid_lookups {
            let _ = store.drop_database().await;
            mongo_kit_test::skip::skip(test, crate::support::mongo::UUID_LOOKUPS_MISSING);
            return None;
        }
        let app = spawn_app(store.repositories()).await;
        Some(Self { capture, app, mongo: Some(store), _guard: guard })
    }

    async fn finish(self) {
        if let Some(store) = self.mongo {
            store.drop_database().await.expect("drop the test database");
        }
    }
}

impl MemoryFixture for Logged {
    async fn memory(_test: &'static str) -> Self {
        let capture = Capture::default();
        let guard = capture.install();
        let app = spawn_app(crate::support::stores::memory().repos).await;
        Self { capture, app, mongo: None, _guard: guard }
    }
}

#[store_test]
async fn logs_of_a_full_scenario_hold_no_personal_value(logged: &Logged) {
    let secrets = scenario(&logged.app).await;

    let logs = logged.capture.text();
    if logged.mongo.is_some() {
        assert!(logs.contains("slow MongoDB operation"), "the slow-operation log is on:\n{logs}");
    }
    assert_clean(&logs, &secrets);
}

#[tokio::test]
async fn a_failed_connection_never_shows_the_password_of_its_uri() {
    let capture = Capture::default();
    let _guard = capture.install();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("an address").port();
    drop(listener);
    let mut config = MongoConfig::new(format!("mongodb://shop:{PASSWORD}@127.0.0.1:{port}/shop"));
    config.server_selection_timeout = Duration::from_millis(200);

    let error = MongoStore::connect(config.clone()).await.expect_err("nothing listens there");
    tracing::error!(error = %error, debug = ?error, config = ?config, "connecting failed");

    let logs = capture.text();
    assert!(logs.contains("connecting failed"), "the capture holds the error:\n{logs}");
    assert!(!logs.contains(PASSWORD), "the password appears in the logs:\n{logs}");
}
