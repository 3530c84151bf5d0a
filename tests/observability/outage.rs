//! A database outage: a private MongoDB-compatible server (the binary named by
//! `SHOP_TEST_NX_BIN`) is stopped while requests run and started again on the same port and data.
//! While it is down, requests answer 503 (never 500, never hanging) and `/readyz` says 503; once
//! it is back, the same service answers again without a restart.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::HttpSettings;
use mongo_kit_test::skip::skip;
use mongo_store::{MongoConfig, MongoStore};
use reqwest::StatusCode;

use crate::support::app::{expect_json, expect_problem, spawn_app_with};
use crate::support::fixture::{TestName, store_test};

/// A private server on `port` keeping its data in `dir`; killed when dropped.
struct Server {
    child: Child,
}

impl Server {
    fn start(binary: &str, port: u16, dir: &std::path::Path) -> Self {
        let child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--data-dir"])
            .arg(dir)
            .arg("--log-file")
            .arg(dir.join("server.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the MongoDB-compatible server");
        let server = Self { child };
        // Polling, bounded: the server is ready once it accepts connections.
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the MongoDB-compatible server did not listen on port {port} within 10 s");
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("an address").port()
}

/// A private server of its own: the test arranges it, and skips by name without its binary.
#[store_test(mongo, worker_threads = 2)]
async fn requests_fail_fast_while_the_database_is_down_and_resume_after(test: &TestName) {
    let Ok(binary) = std::env::var("SHOP_TEST_NX_BIN") else {
        skip(test, "SHOP_TEST_NX_BIN names no MongoDB-compatible server binary");
        return;
    };
    let port = free_port();
    let dir: PathBuf = std::env::temp_dir().join(format!("shop-outage-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("create the data directory");
    let server = Server::start(&binary, port, &dir);
    // The private server's traffic goes through the rules check too.
    let uri = mongo_kit_test::rules::front(&format!("mongodb://127.0.0.1:{port}/?directConnection=true"));
    let mut config = MongoConfig::new(uri).with_database("outage");
    config.server_selection_timeout = Duration::from_secs(2);
    config.connect_timeout = Duration::from_secs(1);
    let store = MongoStore::connect(config).await.expect("connect to the private server");
    let settings = HttpSettings { request_timeout: Duration::from_secs(3), ..HttpSettings::default() };
    let app = spawn_app_with(store.repositories(), settings).await;
    let product = app.create_product("OUT-1", "books", 100).await;
    let path = format!("/v1/products/{}", product["id"].as_str().expect("an id"));
    expect_json(app.get("/readyz").await, StatusCode::OK).await;

    // Requests in flight while the server goes away: each answers 200 or 503, never 500.
    let client = app.client.clone();
    let url = app.url(&path);
    let during = tokio::spawn(async move {
        let mut statuses = Vec::new();
        for _ in 0..8 {
            statuses.push(client.get(&url).send().await.expect("the service answers").status());
        }
        statuses
    });
    server.stop();
    let statuses = during.await.expect("the requests ran");
    assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE), "{statuses:?}");

    expect_problem(app.get(&path).await, StatusCode::SERVICE_UNAVAILABLE).await;
    expect_problem(app.get("/readyz").await, StatusCode::SERVICE_UNAVAILABLE).await;

    let server = Server::start(&binary, port, &dir);
    let mut ready = false;
    for _ in 0..60 {
        if app.get("/readyz").await.status() == StatusCode::OK {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "/readyz did not turn ready again within 15 s of the server's return");
    let again = expect_json(app.get(&path).await, StatusCode::OK).await;
    assert_eq!(again["sku"], "OUT-1");
    app.create_product("OUT-2", "books", 200).await;

    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
