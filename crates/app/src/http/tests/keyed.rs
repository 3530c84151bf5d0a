//! The keyed creates with mocked ports: each idempotency failure a create can report, and the
//! unknown outcome told apart from plain unavailability.

use super::*;

fn wallet_body() -> Value {
    json!({"owner": "alice", "currency": "EUR", "opening_balance_minor": 100})
}

fn product_body() -> Value {
    json!({"sku": "A-1", "name": "A", "category": "c", "price_minor": 1, "currency": "EUR"})
}

fn failing(error: fn() -> Error) -> Mocks {
    let mut mocks = Mocks::default();
    mocks.wallets.expect_create_keyed().returning(move |_, _, _| Err(error()));
    mocks.products.expect_create_keyed().returning(move |_, _, _| Err(error()));
    mocks
}

/// A port failure, the status it answers and its problem slug.
type Case = (fn() -> Error, StatusCode, &'static str);

#[tokio::test]
async fn keyed_creates_answer_each_idempotency_failure_with_its_own_problem() {
    let cases: [Case; 4] = [
        (|| Error::KeyReused, StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused"),
        (|| Error::KeyInFlight, StatusCode::CONFLICT, "idempotency-key-in-flight"),
        (|| Error::OutcomeUnknown("commit reply lost".into()), StatusCode::SERVICE_UNAVAILABLE, "outcome-unknown"),
        (|| Error::Unavailable("no server".into()), StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    ];
    for (error, status, slug) in cases {
        for (uri, body) in [("/v1/wallets", wallet_body()), ("/v1/products", product_body())] {
            let answer = send(failing(error), post_json(uri, &body)).await;

            answer.assert_problem(status);
            assert_eq!(answer.json()["type"], format!("https://shop.example/problems/{slug}"), "{uri}");
            assert!(!answer.text.contains("commit reply lost"), "internal text leaked: {}", answer.text);
        }
    }
}

#[tokio::test]
async fn an_unknown_outcome_tells_the_client_to_retry_with_the_same_key() {
    let answer =
        send(failing(|| Error::OutcomeUnknown("wtimeout".into())), post_json("/v1/wallets", &wallet_body())).await;

    answer.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.json()["detail"], "the write may have been applied; retry with the same Idempotency-Key");
}

#[tokio::test]
async fn a_malformed_key_is_refused_before_any_port_is_called() {
    for uri in ["/v1/wallets", "/v1/products", "/v1/sessions"] {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", "has space")
            .body(Body::from(wallet_body().to_string()))
            .expect("valid request");

        let answer = send(Mocks::default(), request).await;

        answer.assert_problem(StatusCode::BAD_REQUEST);
        assert_eq!(answer.json()["field"], "idempotency-key", "{uri}");
    }
}

#[tokio::test]
async fn a_create_without_a_key_takes_the_unkeyed_path() {
    let mut mocks = Mocks::default();
    mocks.products.expect_create().times(1).returning(|_, _| Err(Error::OutcomeUnknown("reply lost".into())));
    let request = Request::post("/v1/products")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(product_body().to_string()))
        .expect("valid request");

    send(mocks, request).await.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
}
