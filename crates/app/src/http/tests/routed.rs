//! Every route of [`crate::auth::ROUTES`] reaches a handler, whichever way the build registers
//! them (through the OpenAPI document, or without the `openapi` feature by hand).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use domain::Repositories;
use memory_store::MemoryStore;
use tower::ServiceExt as _;

use crate::auth::{Authentication, ROUTES};
use crate::state::{AppState, HttpSettings};

/// What the test's own fallbacks answer: no handler serves the method and path.
const UNROUTED: StatusCode = StatusCode::IM_A_TEAPOT;

#[tokio::test]
async fn every_listed_route_reaches_a_handler() {
    let state = AppState::new(
        Repositories::from_store(MemoryStore::new()),
        HttpSettings::default(),
        Authentication::anonymous(),
    );
    let routes = super::super::routes()
        .fallback(|| async { UNROUTED })
        .method_not_allowed_fallback(|| async { UNROUTED })
        .with_state(state);
    let id = uuid::Uuid::new_v4().to_string();
    let listed = ROUTES.iter().filter(|route| cfg!(feature = "openapi") || route.path != "/openapi.json");
    for route in listed {
        let path = ["{id}", "{user_id}", "{token}", "{category}"]
            .iter()
            .fold(route.path.to_owned(), |path, template| path.replace(template, &id));
        let method = Method::from_bytes(route.method.as_bytes()).expect("a method");
        let request = Request::builder()
            .method(method)
            .uri(&path)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .expect("a request");
        let answer = routes.clone().oneshot(request).await.expect("an answer");
        assert_ne!(answer.status(), UNROUTED, "{} {path} reaches no handler", route.method);
    }
    let unknown = Request::get("/v1/nothing").body(Body::empty()).expect("a request");
    assert_eq!(routes.oneshot(unknown).await.expect("an answer").status(), UNROUTED);
}
