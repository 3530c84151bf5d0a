//! The request's time budget reaches the orders' database calls: the orders API runs under the
//! shop's request layer (`app::http::request::RequestLayer`), whose budget caps each command's
//! `maxTimeMS` and the client's wait, so a request gives up when its budget ends, not when the
//! operation class's (longer) time limit would.
//!
//! The book runs behind the fault proxy, which shows each command as sent and holds a reply back.

use std::sync::Arc;
use std::time::Duration;

use mongo_kit::config::ClientConfig;
use mongo_kit::profiles::OperationClass;
use mongo_kit_test::proxy::{self, Fault, FaultProxy, Rule};
use mongo_kit_test::server::database_name;
use orders::book::OrderBook as _;
use orders::model::PlaceOrder;
use orders::mongo::{MongoBook, ORDERS};

use crate::support::fixture::{TestName, store_test};

/// The orders API over a MongoDB book behind the fault proxy, served on a loopback port with a
/// request budget below the standard class's time limit (1 s), which bounds the orders' reads
/// when no budget does.
struct Served {
    proxy: FaultProxy,
    book: MongoBook,
    base: String,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Served {
    async fn start(test: &str, budget: Duration) -> Option<Self> {
        let (proxy, uri) = proxy::start_or_skip(test).await?;
        let config = ClientConfig::new(uri).with_database(database_name());
        let book = MongoBook::connect(&config).await.expect("the orders book starts behind the proxy");
        let settings = app::HttpSettings { request_timeout: budget, ..app::HttpSettings::default() };
        let routes = orders::http::router(Arc::new(book.clone()), &settings, app::auth::Authentication::anonymous());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let server = tokio::spawn(async move { axum::serve(listener, routes).await });
        Some(Self { proxy, book, base, server })
    }

    async fn list(&self, customer: &str) -> reqwest::Response {
        let url = format!("{}/orders/v1/customers/{customer}/orders", self.base);
        reqwest::Client::new().get(url).send().await.expect("the orders API answers")
    }

    async fn finish(self) {
        self.server.abort();
        let _ = self.book.database().drop().await;
    }
}

/// The `maxTimeMS` of every `find` on the orders collection the proxy saw.
fn orders_finds_max_time(proxy: &FaultProxy) -> Vec<Option<i64>> {
    let max_time = |find: &bson::Document| match find.get("maxTimeMS") {
        Some(bson::Bson::Int64(ms)) => Some(*ms),
        Some(bson::Bson::Int32(ms)) => Some(i64::from(*ms)),
        _ => None,
    };
    proxy.bodies("find").iter().filter(|find| find.get_str("find").ok() == Some(ORDERS)).map(max_time).collect()
}

#[store_test(mongo)]
async fn the_requests_budget_bounds_the_max_time_of_the_orders_reads(test: &TestName) {
    // Room for a read on a busy machine, and still well below the class's limit.
    let budget = Duration::from_millis(600);
    let Some(served) = Served::start(test, budget).await else { return };
    let customer = "budget-c-1";
    let order = PlaceOrder {
        reference: "BUD-1".to_owned(),
        customer: customer.to_owned(),
        amount_minor: 990,
        currency: "EUR".to_owned(),
    };
    served.book.place(order, "budget-test", "budget-1").await.expect("placed outside any request");
    let class_limit = served.book.profiles().get(OperationClass::Standard).time_limit();
    served.proxy.watch("find");

    let listed = served.list(customer).await;

    let status = listed.status();
    let body: serde_json::Value = listed.json().await.expect("a JSON answer");
    let max_times = orders_finds_max_time(&served.proxy);
    served.finish().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["orders"].as_array().map(Vec::len), Some(1), "{body}");
    assert!(class_limit > budget, "the class's own limit ({class_limit:?}) would not show the budget");
    assert!(!max_times.is_empty(), "the listing read the orders collection");
    let budget_ms = i64::try_from(budget.as_millis()).expect("a short budget");
    assert!(
        max_times.iter().all(|ms| ms.is_some_and(|ms| (1..=budget_ms).contains(&ms))),
        "every read carries at most what is left of the request's {budget_ms} ms: {max_times:?}"
    );
}

#[store_test(mongo)]
async fn a_read_whose_reply_outlasts_the_budget_answers_503_in_the_problem_format(test: &TestName) {
    let Some(served) = Served::start(test, Duration::from_millis(300)).await else { return };
    // Longer than the budget and its grace (250 ms), shorter than the class's time limit: only the budget
    // can end this request before the reply arrives.
    let held = Duration::from_millis(800);
    let class_limit = served.book.profiles().get(OperationClass::Standard).time_limit();
    served.proxy.add(Rule::nth("find", 1, Fault::DelayReply(held)));

    let listed = served.list("budget-c-2").await;

    let status = listed.status();
    let content_type = listed.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body: serde_json::Value = listed.json().await.expect("a problem");
    let finds = served.proxy.seen("find");
    served.finish().await;
    assert!(class_limit > held, "the class's own limit ({class_limit:?}) would end the read first");
    assert!(finds >= 1, "the read reached the server");
    assert_eq!(status, 503, "the budget ended the request, not the held reply: {body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let kind = body["type"].as_str().unwrap_or_default();
    assert!(kind.ends_with("/unavailable") || kind.ends_with("/timeout"), "{body}");
}
