//! The fault proxy: a protocol-aware proxy between a client and the MongoDB server, standing in
//! for the server's `failCommand` fail point (which test servers other than a real `mongod`
//! lack, and which a real one only grants to a privileged user). It forwards the wire protocol
//! unchanged, counts every request by command name, and applies [`Rule`]s to chosen commands:
//! a lost reply ([`Fault::CutAfterForward`]), an error answer with labels ([`Fault::Reply`],
//! [`Fault::error`] and the named errors), a reply amended after the command ran
//! ([`Fault::Amend`], as a write-concern error is), a pause before forwarding ([`Fault::Delay`]),
//! or a reply held back ([`Fault::DelayReply`]).
//!
//! ```no_run
//! use mongo_kit_test::proxy::{self, Fault, Rule};
//!
//! # async fn example() {
//! let test = "orders::a_lost_commit_reply_is_retried";
//! // The server choice, then a proxy in front of it; `None` after a printed skip.
//! let Some((proxy, uri)) = proxy::start_or_skip(test).await else { return };
//! proxy.add(Rule::nth("commitTransaction", 1, Fault::CutAfterForward));
//! proxy.add(Rule::every("insert", Fault::Delay(std::time::Duration::from_millis(50))));
//! let client = mongodb::Client::with_uri_str(&uri).await.expect("a client");
//! // ... run the operation under test with `client` ...
//! proxy.reset_counts();
//! // ... run it again, then count its round trips:
//! assert!(proxy.seen("commitTransaction") <= 1);
//! # }
//! ```
//!
//! Hand-written: the maintained proxies for fault injection (toxiproxy and the like) work on
//! bytes, not on MongoDB commands, and no crate parses the wire protocol for this.
//!
//! # Layout
//! - `fault`: what happens to a chosen command ([`Fault`]) and which occurrences ([`Rule`]).
//! - `uri`: a single-host URI pointed at a proxy ([`through`], [`upstream`]).

mod fault;
mod uri;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mongodb::bson::Document;
use tokio::io::AsyncWriteExt as _;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};

pub use fault::{Fault, Occurrence, Rule};
pub use uri::{through, upstream};

use crate::server::uri_or_skip;
use crate::skip::skip;
use crate::wire::{self, Frame};

/// The fault proxy in front of the test server (the server choice's URI, so behind the rules
/// check) and the URI to hand a client instead; `None` after printing why `test` cannot run
/// here: no server ([`uri_or_skip`]), or a URI naming several hosts or an SRV record, which one
/// proxy cannot stand in for.
///
/// The proxy's tasks run on the caller's runtime and stop with it.
///
/// # Panics
/// As [`FaultProxy::start`].
pub async fn start_or_skip(test: &str) -> Option<(FaultProxy, String)> {
    let uri = uri_or_skip(test).await?;
    let Some(upstream) = upstream(&uri) else {
        skip(test, "the MongoDB URI names several hosts or an SRV record; the fault proxy stands in for one host");
        return None;
    };
    let proxy = FaultProxy::start(&upstream).await;
    let through = through(&uri, proxy.address)?;
    Some((proxy, through))
}

/// Where the proxy listens, its rules and what it saw. Tasks stop with the test's runtime.
#[derive(Clone)]
pub struct FaultProxy {
    /// The address to connect to instead of the server.
    pub address: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

#[derive(Default)]
struct Shared {
    rules: Vec<Rule>,
    seen: HashMap<String, usize>,
    /// The bodies of watched commands, in the order sent.
    watched: HashMap<String, Vec<Document>>,
}

impl FaultProxy {
    /// Listens on 127.0.0.1 (a free port) and forwards each connection to `upstream`
    /// (`host:port`). Its tasks run on the caller's runtime and stop with it.
    ///
    /// # Panics
    /// When `upstream` does not resolve or no loopback port can be bound: a test cannot run
    /// without its proxy.
    pub async fn start(upstream: &str) -> Self {
        let upstream = tokio::net::lookup_host(upstream)
            .await
            .expect("resolve the server's address")
            .next()
            .expect("the server's name has an address");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let address = listener.local_addr().expect("the proxy's address");
        let proxy = Self { address, shared: Arc::default() };
        let accepting = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let connection = accepting.clone();
                tokio::spawn(async move { connection.serve(client, upstream).await });
            }
        });
        proxy
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `rule`; rules count occurrences from now on.
    pub fn add(&self, rule: Rule) {
        self.shared().rules.push(rule);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.shared().rules.clear();
    }

    /// Forgets the requests seen so far (rules keep their own counts).
    pub fn reset_counts(&self) {
        self.shared().seen.clear();
    }

    /// Keeps the body of every `command` request from now on ([`FaultProxy::bodies`]).
    pub fn watch(&self, command: &str) {
        self.shared().watched.entry(command.to_owned()).or_default();
    }

    /// The bodies of the watched `command` requests sent so far.
    pub fn bodies(&self, command: &str) -> Vec<Document> {
        self.shared().watched.get(command).cloned().unwrap_or_default()
    }

    /// How many `command` requests passed through (answered by a rule or forwarded).
    pub fn seen(&self, command: &str) -> usize {
        self.shared().seen.get(command).copied().unwrap_or(0)
    }

    /// Every command seen since the proxy started or [`FaultProxy::reset_counts`], with how many
    /// times: the round trips of the operations run in between.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.shared().seen.iter().map(|(command, n)| (command.clone(), *n)).collect()
    }

    /// Counts `command` and returns the fault of the first rule that fires on it.
    fn judge(&self, command: &str) -> Option<Fault> {
        let mut shared = self.shared();
        *shared.seen.entry(command.to_owned()).or_default() += 1;
        shared.rules.iter_mut().find_map(|rule| rule.hit(command))
    }

    async fn serve(self, client: TcpStream, upstream: SocketAddr) {
        let Ok(server) = TcpStream::connect(upstream).await else { return };
        let (mut client_read, client_write) = client.into_split();
        let (mut server_read, mut server_write) = server.into_split();
        let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
        // Requests whose replies are to be dropped, with the connection.
        let lost: Arc<Mutex<HashSet<i32>>> = Arc::default();
        // Requests whose replies are to be held back, and for how long.
        let held: Arc<Mutex<HashMap<i32, Duration>>> = Arc::default();
        // Requests whose replies are to be amended, with the fields to set.
        let amended: Arc<Mutex<HashMap<i32, Document>>> = Arc::default();

        let replies = {
            let (client_write, lost, held, amended) =
                (Arc::clone(&client_write), Arc::clone(&lost), Arc::clone(&held), Arc::clone(&amended));
            tokio::spawn(async move {
                while let Ok(Some(mut reply)) = wire::read(&mut server_read).await {
                    if lost.lock().unwrap_or_else(PoisonError::into_inner).contains(&reply.response_to()) {
                        cut(&client_write).await;
                        return;
                    }
                    let pause = held.lock().unwrap_or_else(PoisonError::into_inner).remove(&reply.response_to());
                    if let Some(pause) = pause {
                        tokio::time::sleep(pause).await;
                    }
                    let amend = amended.lock().unwrap_or_else(PoisonError::into_inner).remove(&reply.response_to());
                    if let Some(fields) = amend
                        && let Some(mut body) = reply.body()
                    {
                        body.extend(fields);
                        reply = Frame::reply(reply.response_to(), reply.request_id(), &body);
                    }
                    if client_write.lock().await.write_all(&reply.bytes).await.is_err() {
                        return;
                    }
                }
                cut(&client_write).await;
            })
        };
        while let Ok(Some(request)) = wire::read(&mut client_read).await {
            let fault = request.command_name().and_then(|command| {
                if let Some(bodies) = self.shared().watched.get_mut(&command) {
                    bodies.extend(request.body());
                }
                self.judge(&command)
            });
            match fault {
                Some(Fault::Reply(document)) => {
                    let reply =
                        Frame::reply(request.request_id(), request.request_id().wrapping_add(1 << 30), &document);
                    if client_write.lock().await.write_all(&reply.bytes).await.is_err() {
                        break;
                    }
                    continue;
                }
                Some(Fault::CutAfterForward) => {
                    lost.lock().unwrap_or_else(PoisonError::into_inner).insert(request.request_id());
                }
                Some(Fault::Amend(fields)) => {
                    amended.lock().unwrap_or_else(PoisonError::into_inner).insert(request.request_id(), fields);
                }
                Some(Fault::Delay(pause)) => tokio::time::sleep(pause).await,
                Some(Fault::DelayReply(pause)) => {
                    held.lock().unwrap_or_else(PoisonError::into_inner).insert(request.request_id(), pause);
                }
                None => {}
            }
            if server_write.write_all(&request.bytes).await.is_err() {
                break;
            }
        }
        // The client left (or was cut): the server side goes too.
        let _ = server_write.shutdown().await;
        let _ = replies.await;
    }
}

/// Closes the client's side of a connection.
async fn cut(client_write: &tokio::sync::Mutex<OwnedWriteHalf>) {
    let _ = client_write.lock().await.shutdown().await;
}

#[cfg(test)]
mod tests;
