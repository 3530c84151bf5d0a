//! The running service: [`spawn_app`] serves `app::router` on a free port and returns a
//! [`TestApp`] with request helpers; as a fixture (`#[store_test] async fn name(app: &TestApp)`)
//! it serves a fresh store of each kind ([`AnonymousApp`]: the same without authentication).
//!
//! The service requires API keys and accepts end users' session tokens, as `shop serve` does: the
//! app's client sends [`TestApp::key`], which holds every scope, and [`TestApp::keys`] holds one
//! key per scope alone ([`TestApp::only`]) and one per scope with every other scope
//! ([`TestApp::all_but`]), for the scope tests; [`TestApp::session_for`] starts a user's session.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use app::auth::keys::{ApiKeys, generate};
use app::auth::{Authentication, Scope, Scopes};
use app::{AppState, HttpSettings};
use domain::Repositories;
use reqwest::{Response, StatusCode};
use serde_json::Value;

use super::TestStore;
use super::fixture::{Fixture, MemoryFixture};

/// A running service and a client for it.
pub struct TestApp {
    /// Where it listens.
    pub address: SocketAddr,
    /// A client sending [`TestApp::key`] on every request, and no other default header.
    pub client: reqwest::Client,
    /// A client sending no credentials.
    pub anonymous: reqwest::Client,
    /// The ports it serves, for arranging state or checking effects behind the API.
    pub repos: Repositories,
    /// The key the client sends: every scope, named [`FULL_KEY_NAME`].
    pub key: String,
    /// Every configured key by name: [`FULL_KEY_NAME`], `only-<scope>` and `all-but-<scope>`.
    pub keys: BTreeMap<String, String>,
    /// The store it serves, when the app is a test's fixture (torn down with it).
    store: Option<TestStore>,
}

/// The name of [`TestApp::key`], the actor of every change the tests make through the API.
pub const FULL_KEY_NAME: &str = "test-suite";

/// Keys for the test service: the full key, and per scope one with it alone and one without it.
fn test_keys() -> (ApiKeys, BTreeMap<String, String>) {
    let mut wanted = vec![(FULL_KEY_NAME.to_owned(), Scopes::all())];
    for scope in Scope::ALL {
        wanted.push((format!("only-{scope}"), [scope].into_iter().collect()));
        wanted.push((format!("all-but-{scope}"), Scopes::all().iter().filter(|other| *other != scope).collect()));
    }
    let mut entries = Vec::new();
    let mut keys = BTreeMap::new();
    for (name, scopes) in wanted {
        let (secret, entry) = generate(&name, scopes).expect("a key");
        entries.push(entry.to_string());
        keys.insert(name, secret.expose().to_owned());
    }
    (ApiKeys::parse(&entries.join("\n")).expect("the entries parse"), keys)
}

/// Serves `repos` with the default settings on 127.0.0.1, on a port the system picks.
pub async fn spawn_app(repos: Repositories) -> TestApp {
    spawn_app_with(repos, HttpSettings::default()).await
}

/// Serves `repos` without authentication, as `shop serve` does on loopback without keys: every
/// call is allowed and audited under `x-actor`. Its [`TestApp::keys`] is empty.
pub async fn spawn_anonymous_app(repos: Repositories) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
    let address = listener.local_addr().expect("read the bound address");
    // Installed before the first request, as `shop serve` does, so that the recorder sees it.
    let recorder = shop::metrics::install();
    let state = AppState::new(repos.clone(), HttpSettings::default(), Authentication::anonymous())
        .with_metrics(move || recorder.render());
    tokio::spawn(async move {
        app::server::run_until(listener, state, std::future::pending()).await.expect("the test server runs");
    });
    let client = reqwest::Client::new();
    TestApp {
        address,
        client: client.clone(),
        anonymous: client,
        repos,
        key: String::new(),
        keys: BTreeMap::new(),
        store: None,
    }
}

/// Serves `repos` with `settings`.
pub async fn spawn_app_with(repos: Repositories, settings: HttpSettings) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        shop::telemetry::init_for_tests();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
    let address = listener.local_addr().expect("read the bound address");
    let (api_keys, keys) = test_keys();
    let authentication = Authentication::checked(api_keys).with_session_tokens(true);
    // Installed before the first request, as `shop serve` does, so that the recorder sees it.
    let recorder = shop::metrics::install();
    let state = AppState::new(repos.clone(), settings, authentication).with_metrics(move || recorder.render());
    // The server stops with the test's runtime; it never needs to drain.
    tokio::spawn(async move {
        app::server::run_until(listener, state, std::future::pending()).await.expect("the test server runs");
    });
    let key = keys[FULL_KEY_NAME].clone();
    let mut headers = reqwest::header::HeaderMap::new();
    let mut bearer = reqwest::header::HeaderValue::from_str(&format!("Bearer {key}")).expect("a header value");
    bearer.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, bearer);
    let client = reqwest::Client::builder().default_headers(headers).build().expect("a client");
    TestApp { address, client, anonymous: reqwest::Client::new(), repos, key, keys, store: None }
}

impl TestApp {
    /// The key holding `scope` alone.
    pub fn only(&self, scope: Scope) -> &str {
        &self.keys[&format!("only-{scope}")]
    }

    /// The key holding every scope but `scope`.
    pub fn all_but(&self, scope: Scope) -> &str {
        &self.keys[&format!("all-but-{scope}")]
    }

    /// Serves `store` with the default settings, keeping it for the teardown.
    async fn serving(store: TestStore) -> Self {
        let app = spawn_app(store.repos.clone()).await;
        Self { store: Some(store), ..app }
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET reaches the service")
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).json(body).send().await.expect("POST reaches the service")
    }

    /// `POST path` with `body` sent as is, under `content_type`.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
        let request = self.client.post(self.url(path)).header("content-type", content_type).body(body);
        request.send().await.expect("POST reaches the service")
    }

    /// `PUT path` with a JSON body and, if given, `If-Match`.
    pub async fn put(&self, path: &str, body: &Value, if_match: Option<&str>) -> Response {
        let mut request = self.client.put(self.url(path)).json(body);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        request.send().await.expect("PUT reaches the service")
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Response {
        self.client.delete(self.url(path)).send().await.expect("DELETE reaches the service")
    }

    /// `POST /v1/transfers` with `key` as `Idempotency-Key` when given.
    pub async fn transfer(&self, body: &Value, key: Option<&str>) -> Response {
        let mut request = self.client.post(self.url("/v1/transfers")).json(body);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        request.send().await.expect("POST reaches the service")
    }

    /// Creates a product and returns its body, failing the test unless it answers 201.
    pub async fn create_product(&self, sku: &str, category: &str, price_minor: i64) -> Value {
        let body = serde_json::json!({
            "sku": sku, "name": format!("Product {sku}"), "category": category,
            "price_minor": price_minor, "currency": "EUR", "attributes": {"color": "red"}, "tags": ["new"],
        });
        expect_json(self.post("/v1/products", &body).await, StatusCode::CREATED).await
    }

    /// Opens a wallet and returns its id, failing the test unless it answers 201.
    pub async fn create_wallet(&self, currency: &str, balance_minor: i64) -> String {
        let body =
            serde_json::json!({"owner": "Ada Lovelace", "currency": currency, "opening_balance_minor": balance_minor});
        let wallet = expect_json(self.post("/v1/wallets", &body).await, StatusCode::CREATED).await;
        wallet["id"].as_str().expect("the wallet has an id").to_owned()
    }

    /// Opens a wallet owned by `owner` (a user's wallet when it is the user's id) and returns
    /// its id, failing the test unless it answers 201.
    pub async fn create_wallet_of(&self, owner: &str, currency: &str, balance_minor: i64) -> String {
        let body = serde_json::json!({"owner": owner, "currency": currency, "opening_balance_minor": balance_minor});
        let wallet = expect_json(self.post("/v1/wallets", &body).await, StatusCode::CREATED).await;
        wallet["id"].as_str().expect("the wallet has an id").to_owned()
    }

    /// Starts a session for `user_id` with the full key and returns its token.
    pub async fn session_for(&self, user_id: &str) -> String {
        let body = serde_json::json!({"user_id": user_id, "ttl_seconds": 600});
        let session = expect_json(self.post("/v1/sessions", &body).await, StatusCode::CREATED).await;
        session["token"].as_str().expect("a token").to_owned()
    }

    /// A request of `method` on `path` carrying `credential` as its bearer credential.
    pub fn as_bearer(&self, credential: &str, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.anonymous.request(method, self.url(path)).bearer_auth(credential)
    }

    /// The balance of a wallet, read through the API.
    pub async fn balance(&self, wallet_id: &str) -> i64 {
        let wallet = expect_json(self.get(&format!("/v1/wallets/{wallet_id}")).await, StatusCode::OK).await;
        wallet["balance_minor"].as_i64().expect("the balance is an integer")
    }
}

/// The JSON body of `response`, after checking its status.
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("the body is readable");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).expect("the body is JSON")
}

/// The problem body of `response`, after checking its status and media type; returns it.
pub async fn expect_problem(response: Response, status: StatusCode) -> Value {
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned());
    let problem = expect_json(response, status).await;
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "problem: {problem}");
    assert_eq!(problem["status"], status.as_u16(), "problem: {problem}");
    assert!(problem["title"].is_string() && problem["detail"].is_string() && problem["type"].is_string());
    problem
}

/// The service on a fresh store: `#[store_test] async fn name(app: &TestApp)`.
impl Fixture for TestApp {
    async fn mongo(test: &'static str) -> Option<Self> {
        Some(Self::serving(TestStore::mongo(test).await?).await)
    }

    async fn finish(self) {
        if let Some(store) = self.store {
            store.finish().await;
        }
    }
}

impl MemoryFixture for TestApp {
    async fn memory(test: &'static str) -> Self {
        Self::serving(TestStore::memory(test).await).await
    }
}

/// The service on a fresh store without authentication, as `shop serve` runs on loopback without
/// keys: `#[store_test] async fn name(app: &AnonymousApp)`.
pub struct AnonymousApp(pub TestApp);

impl AnonymousApp {
    async fn serving(store: TestStore) -> Self {
        let app = spawn_anonymous_app(store.repos.clone()).await;
        Self(TestApp { store: Some(store), ..app })
    }
}

impl std::ops::Deref for AnonymousApp {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.0
    }
}

impl Fixture for AnonymousApp {
    async fn mongo(test: &'static str) -> Option<Self> {
        Some(Self::serving(TestStore::mongo(test).await?).await)
    }

    async fn finish(self) {
        self.0.finish().await;
    }
}

impl MemoryFixture for AnonymousApp {
    async fn memory(test: &'static str) -> Self {
        Self::serving(TestStore::memory(test).await).await
    }
}
