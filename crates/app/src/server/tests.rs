//! The server on real loopback sockets: what a client that holds a connection without asking
//! anything, or stops sending its body, gets, and that other clients are served meanwhile. Every
//! wait is bounded by [`BOUND`], far above the time-outs configured here, so a server that never
//! closes fails the test instead of hanging it.

use std::net::SocketAddr;
use std::time::Duration;

use domain::Repositories;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::{Settings, serve};
use crate::auth::Authentication;
use crate::state::{AppState, HttpSettings};

/// The longest any step may take before the test fails.
const BOUND: Duration = Duration::from_secs(10);

const SHORT: Duration = Duration::from_millis(300);

/// Starts a server with `settings` and `http` on a free loopback port.
async fn start(settings: Settings, http: HttpSettings) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
    let address = listener.local_addr().expect("read the bound address");
    let repos = Repositories::from_store(memory_store::MemoryStore::new());
    let state = AppState::new(repos, http, Authentication::anonymous());
    tokio::spawn(async move { serve(listener, state, std::future::pending(), settings).await });
    address
}

/// Settings where only the header read time-out can end a connection within the test.
fn header_timeout() -> Settings {
    Settings { header_read_timeout: SHORT, idle_timeout: BOUND * 3, ..Settings::default() }
}

/// Settings where only the idle time-out can end a connection within the test.
fn idle_timeout() -> Settings {
    Settings { header_read_timeout: BOUND * 3, idle_timeout: SHORT, ..Settings::default() }
}

/// Reads until the server closes the connection; what it sent.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(BOUND, stream.read_to_end(&mut answer)).await;
    let read = read.unwrap_or_else(|_| panic!("still open after {BOUND:?}; sent so far: {answer:?}"));
    // A reset is also a close; what matters is that the server let go.
    if let Err(error) = read {
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}");
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// A complete `GET /healthz` on a new connection answers 200.
async fn healthz(address: SocketAddr) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n").await.expect("send");
    until_closed(&mut stream).await
}

/// The status code and the problem body of a raw answer.
fn problem(answer: &str) -> (u16, Value) {
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_default();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no head in {answer:?}"));
    assert!(head.to_ascii_lowercase().contains("content-type: application/problem+json"), "{answer}");
    (status, serde_json::from_str(body).unwrap_or_else(|error| panic!("{error}: {answer:?}")))
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed_while_others_are_served() {
    let address = start(header_timeout(), HttpSettings::default()).await;
    let mut slow = TcpStream::connect(address).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\n").await.expect("send a partial head");

    let served = healthz(address).await;
    let sent = until_closed(&mut slow).await;

    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    assert_eq!(sent, "", "a request that never arrived gets no answer");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let address = start(header_timeout(), HttpSettings::default()).await;
    let mut silent = TcpStream::connect(address).await.expect("connect");

    assert_eq!(until_closed(&mut silent).await, "");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_answer() {
    let address = start(idle_timeout(), HttpSettings::default()).await;
    let mut idle = TcpStream::connect(address).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\n\r\n").await.expect("send");

    let answer = until_closed(&mut idle).await;

    assert!(answer.starts_with("HTTP/1.1 200"), "answered before being closed: {answer}");
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_the_connection_closed_while_others_are_served() {
    let http = HttpSettings { body_read_timeout: SHORT, ..HttpSettings::default() };
    let address = start(Settings::default(), http).await;
    let mut stalled = TcpStream::connect(address).await.expect("connect");
    let head = "POST /v1/products HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
                content-length: 50000\r\n\r\n{";
    stalled.write_all(head.as_bytes()).await.expect("send the head and one byte");

    let served = healthz(address).await;
    let (status, body) = problem(&until_closed(&mut stalled).await);

    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    assert_eq!(status, 408);
    assert_eq!(body["type"], "https://shop.example/problems/body-timeout");
}

#[tokio::test]
async fn a_connection_beyond_the_cap_is_answered_503_and_a_freed_slot_serves_again() {
    let settings =
        Settings { header_read_timeout: BOUND * 3, idle_timeout: BOUND * 3, max_connections: 1, ..Settings::default() };
    let address = start(settings, HttpSettings::default()).await;
    let held = TcpStream::connect(address).await.expect("connect the connection that takes the one slot");
    // The server has taken the slot once it serves this one's request.
    let mut first = TcpStream::connect(address).await.expect("connect");
    first.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\n\r\n").await.expect("send");

    let (status, body) = problem(&until_closed(&mut first).await);
    drop(held);
    let served = eventually_served(address).await;

    assert_eq!(status, 503);
    assert_eq!(body["type"], "https://shop.example/problems/too-many-connections");
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
}

/// Retries `GET /healthz` until it is served: the slot of a closed connection frees when its
/// task notices the close, a moment later.
async fn eventually_served(address: SocketAddr) -> String {
    let started = tokio::time::Instant::now();
    loop {
        let answer = healthz(address).await;
        if answer.starts_with("HTTP/1.1 200") || started.elapsed() > BOUND {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `request` on a new connection and returns all the server sent before closing.
async fn exchange(address: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(request).await.expect("send");
    until_closed(&mut stream).await
}

#[tokio::test]
async fn a_target_or_headers_past_the_service_limits_are_answered_in_the_problem_format() {
    let address = start(Settings::default(), HttpSettings::default()).await;
    let long_target =
        format!("GET /healthz?q={} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n", "a".repeat(9000));
    let large_headers =
        format!("GET /healthz HTTP/1.1\r\nhost: test\r\nx-filler: {}\r\nconnection: close\r\n\r\n", "a".repeat(40_000));

    let (target_status, target) = problem(&exchange(address, long_target.as_bytes()).await);
    let (headers_status, headers) = problem(&exchange(address, large_headers.as_bytes()).await);

    assert_eq!((target_status, target["type"].as_str()), (414, Some("https://shop.example/problems/uri-too-long")));
    assert_eq!(
        (headers_status, headers["type"].as_str()),
        (431, Some("https://shop.example/problems/headers-too-large"))
    );
}

/// What docs/http-api.md says of the requests hyper refuses while parsing: its own status, an
/// empty body. Should hyper ever give them a body, this fails and the page is due for a change.
#[tokio::test]
async fn what_the_http_server_refuses_while_parsing_gets_its_own_empty_answer() {
    let address = start(Settings::default(), HttpSettings::default()).await;
    let control_character = b"GET /healthz HTTP/1.1\r\nhost: test\r\nx-bad: a\x01b\r\n\r\n".to_vec();
    let huge_target = format!("GET /healthz?q={} HTTP/1.1\r\nhost: test\r\n\r\n", "a".repeat(70_000)).into_bytes();
    let many_headers: String = (0..101).map(|n| format!("x-h{n}: v\r\n")).collect();
    let many_headers = format!("GET /healthz HTTP/1.1\r\nhost: test\r\n{many_headers}\r\n").into_bytes();

    for (request, status) in [(control_character, "400"), (huge_target, "414"), (many_headers, "431")] {
        let answer = exchange(address, &request).await;
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no head in {answer:?}"));
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{answer}");
        assert!(head.to_ascii_lowercase().contains("content-length: 0"), "{answer}");
        assert_eq!(body, "");
    }
}
