//! The router with mocked ports: how each failure a port can report reaches the client, and what
//! the middleware adds. End-to-end behaviour on a real store lives in the integration suite.

use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::ports::{
    MockAuditLog, MockFeedRepository, MockProductRepository, MockReadiness, MockSessionRepository, MockWalletRepository,
};
use domain::{Currency, Error, Readiness, Repositories, TransferError, WalletId};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::auth::Authentication;
use crate::http::router;
use crate::state::{AppState, HttpSettings};

mod keyed;
mod own_routes;
mod routed;

#[derive(Default)]
struct Mocks {
    products: MockProductRepository,
    wallets: MockWalletRepository,
    readiness: MockReadiness,
}

impl Mocks {
    fn into_state(self, settings: HttpSettings) -> AppState {
        let repos = Repositories {
            products: Arc::new(self.products),
            wallets: Arc::new(self.wallets),
            audit: Arc::new(MockAuditLog::new()),
            sessions: Arc::new(MockSessionRepository::new()),
            feeds: Arc::new(MockFeedRepository::new()),
            readiness: Arc::new(self.readiness),
        };
        AppState::new(repos, settings, Authentication::anonymous())
    }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).expect("the body is JSON")
    }

    fn assert_problem(&self, status: StatusCode) {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(self.headers.get(header::CONTENT_TYPE).expect("a content type"), "application/problem+json");
        let body = self.json();
        assert_eq!(body["status"], status.as_u16());
        for member in ["type", "title", "detail"] {
            assert!(body[member].is_string(), "problem without {member}: {body}");
        }
    }
}

async fn send_with(state: AppState, request: Request<Body>) -> Answer {
    answer(router(state), request).await
}

async fn answer(router: axum::Router, request: Request<Body>) -> Answer {
    let response = router.oneshot(request).await.expect("the router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("the body is readable").to_bytes();
    Answer { status, headers, text: String::from_utf8(bytes.to_vec()).expect("the body is UTF-8") }
}

async fn send(mocks: Mocks, request: Request<Body>) -> Answer {
    send_with(mocks.into_state(HttpSettings::default()), request).await
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("valid request")
}

fn post_json(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", "key-1")
        .body(Body::from(body.to_string()))
        .expect("valid request")
}

fn transfer_body() -> Value {
    json!({"from": WalletId::new().to_string(), "to": WalletId::new().to_string(), "amount_minor": 5, "currency": "EUR"})
}

#[tokio::test]
async fn internal_errors_answer_500_without_their_internal_text() {
    let mut mocks = Mocks::default();
    mocks.products.expect_get().returning(|_| Err(Error::Internal(anyhow!("secret detail"))));

    let answer = send(mocks, get(&format!("/v1/products/{}", uuid::Uuid::now_v7()))).await;

    answer.assert_problem(StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!answer.text.contains("secret detail"), "leaked: {}", answer.text);
}

#[tokio::test]
async fn an_unavailable_store_answers_503_without_its_message() {
    let mut mocks = Mocks::default();
    mocks.wallets.expect_get().returning(|_| Err(Error::Unavailable("db-7.internal:27017 refused".into())));

    let answer = send(mocks, get(&format!("/v1/wallets/{}", WalletId::new()))).await;

    answer.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert!(!answer.text.contains("db-7"), "leaked: {}", answer.text);
}

#[tokio::test]
async fn each_transfer_error_answers_its_status() {
    let eur = Currency::parse("EUR").expect("valid currency");
    let usd = Currency::parse("USD").expect("valid currency");
    let wallet = WalletId::new();
    let cases: Vec<(TransferError, StatusCode)> = vec![
        (TransferError::InsufficientFunds { wallet }, StatusCode::UNPROCESSABLE_ENTITY),
        (
            TransferError::CurrencyMismatch { wallet, wallet_currency: usd, transfer_currency: eur },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (TransferError::SameWallet, StatusCode::UNPROCESSABLE_ENTITY),
        (TransferError::UnknownWallet(wallet), StatusCode::NOT_FOUND),
        (TransferError::KeyReused, StatusCode::UNPROCESSABLE_ENTITY),
        (TransferError::KeyInFlight, StatusCode::CONFLICT),
        (TransferError::InvalidAmount, StatusCode::UNPROCESSABLE_ENTITY),
        (TransferError::Store(Error::Unavailable("gone".into())), StatusCode::SERVICE_UNAVAILABLE),
        (TransferError::Store(Error::Internal(anyhow!("secret detail"))), StatusCode::INTERNAL_SERVER_ERROR),
    ];
    for (error, status) in cases {
        let mut mocks = Mocks::default();
        let error = std::sync::Mutex::new(Some(error));
        mocks
            .wallets
            .expect_transfer()
            .times(1)
            .returning(move |_, _, _| Err(error.lock().expect("not poisoned").take().expect("called once")));

        let answer = send(mocks, post_json("/v1/transfers", &transfer_body())).await;

        answer.assert_problem(status);
        assert!(!answer.text.contains("secret detail"));
    }
}

#[tokio::test]
async fn conflicts_and_version_mismatches_answer_409_and_412() {
    let mut mocks = Mocks::default();
    mocks.products.expect_create_keyed().returning(|_, _, _| Err(Error::Conflict("sku A-1 exists".into())));
    let body = json!({"sku": "A-1", "name": "A", "category": "c", "price_minor": 1, "currency": "EUR"});
    send(mocks, post_json("/v1/products", &body)).await.assert_problem(StatusCode::CONFLICT);

    let mut mocks = Mocks::default();
    mocks.products.expect_update().returning(|id, expected, _, _| {
        Err(Error::VersionMismatch { entity: "product", id: id.to_string(), expected, actual: expected + 1 })
    });
    let request = Request::put(format!("/v1/products/{}", uuid::Uuid::now_v7()))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::IF_MATCH, "\"1\"")
        .body(Body::from(body.to_string()))
        .expect("valid request");
    send(mocks, request).await.assert_problem(StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn readyz_answers_503_when_the_store_is_not_ready() {
    let mut mocks = Mocks::default();
    mocks.readiness.expect_check().returning(|| Err(Error::Internal(anyhow!("secret detail"))));

    let answer = send(mocks, get("/readyz")).await;

    answer.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert!(!answer.text.contains("secret detail"));
}

#[tokio::test]
async fn readyz_answers_200_when_the_store_is_ready() {
    let mut mocks = Mocks::default();
    mocks.readiness.expect_check().returning(|| Ok(()));

    let answer = send(mocks, get("/readyz")).await;

    assert_eq!(answer.status, StatusCode::OK);
}

struct NeverReady;

#[async_trait]
impl Readiness for NeverReady {
    async fn check(&self) -> domain::Result<()> {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(())
    }
}

#[tokio::test]
async fn a_request_over_its_time_budget_answers_503() {
    let mut state = Mocks::default()
        .into_state(HttpSettings { request_timeout: Duration::from_millis(20), ..HttpSettings::default() });
    state.repos.readiness = Arc::new(NeverReady);

    let answer = send_with(state, get("/readyz")).await;

    answer.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.json()["type"], "https://shop.example/problems/timeout");
}

#[tokio::test]
async fn bodies_over_the_limit_answer_413_before_any_port_is_called() {
    let state = Mocks::default().into_state(HttpSettings { body_limit_bytes: 64, ..HttpSettings::default() });
    let body = json!({"sku": "A", "name": "x".repeat(100), "category": "c", "price_minor": 1, "currency": "EUR"});

    send_with(state, post_json("/v1/products", &body)).await.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn bodies_that_are_not_json_answer_415() {
    let request = Request::post("/v1/products").header(header::CONTENT_TYPE, "text/plain").body(Body::from("{}"));

    let answer = send(Mocks::default(), request.expect("valid request")).await;

    answer.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_problem_format() {
    send(Mocks::default(), get("/v2/nothing")).await.assert_problem(StatusCode::NOT_FOUND);
    let patch = Request::patch("/v1/products").body(Body::empty()).expect("valid request");
    send(Mocks::default(), patch).await.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_usable_request_id_is_echoed_and_an_unusable_one_replaced() {
    let mut mocks = Mocks::default();
    mocks.readiness.expect_check().returning(|| Ok(()));
    let request = Request::get("/healthz").header("x-request-id", "abc-123").body(Body::empty());
    let answer = send(mocks, request.expect("valid request")).await;
    assert_eq!(answer.headers.get("x-request-id").expect("echoed"), "abc-123");

    let request = Request::get("/healthz").header("x-request-id", "has spaces").body(Body::empty());
    let answer = send(Mocks::default(), request.expect("valid request")).await;
    let id = answer.headers.get("x-request-id").expect("generated").to_str().expect("ASCII");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id} is not a UUID");
}

#[tokio::test]
async fn session_errors_never_echo_the_token() {
    let token = "A".repeat(43);
    let mut sessions = MockSessionRepository::new();
    sessions.expect_find().returning(|hash| Err(Error::not_found("session", hash.as_str())));
    let mut state = Mocks::default().into_state(HttpSettings::default());
    state.repos.sessions = Arc::new(sessions);

    let answer = send_with(state, get(&format!("/v1/sessions/{token}"))).await;

    answer.assert_problem(StatusCode::NOT_FOUND);
    let hash = domain::session::SessionToken::parse(&token).expect("token shape").hash();
    assert!(!answer.text.contains(&token) && !answer.text.contains(hash.as_str()), "leaked: {}", answer.text);
}
