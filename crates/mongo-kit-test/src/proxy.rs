//! A protocol-aware fault proxy between a store and the MongoDB server, standing in for the
//! server's `failCommand` fail point (which the CI server lacks). It forwards the wire protocol
//! unchanged, counts every request by command name, and applies [`Rule`]s to chosen commands: a
//! lost reply ([`Fault::CutAfterForward`]), an error answer ([`Fault::Reply`]) or a pause.
//!
//! Hand-written: the maintained proxies for fault injection (toxiproxy and the like) work on
//! bytes, not on MongoDB commands, and no crate parses the wire protocol for this.

pub mod frame;
pub mod rules;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::AsyncWriteExt as _;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};

pub use frame::Frame;
pub use rules::{Fault, Rule};

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
    watched: HashMap<String, Vec<mongodb::bson::Document>>,
}

impl FaultProxy {
    /// Listens on 127.0.0.1 (a free port) and forwards each connection to `upstream`
    /// (`host:port`).
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
    pub fn bodies(&self, command: &str) -> Vec<mongodb::bson::Document> {
        self.shared().watched.get(command).cloned().unwrap_or_default()
    }

    /// How many `command` requests passed through (answered by a rule or forwarded).
    pub fn seen(&self, command: &str) -> usize {
        self.shared().seen.get(command).copied().unwrap_or(0)
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

        let replies = {
            let (client_write, lost) = (Arc::clone(&client_write), Arc::clone(&lost));
            tokio::spawn(async move {
                while let Ok(Some(reply)) = frame::read(&mut server_read).await {
                    if lost.lock().unwrap_or_else(PoisonError::into_inner).contains(&reply.response_to()) {
                        cut(&client_write).await;
                        return;
                    }
                    if client_write.lock().await.write_all(&reply.bytes).await.is_err() {
                        return;
                    }
                }
                cut(&client_write).await;
            })
        };
        while let Ok(Some(request)) = frame::read(&mut client_read).await {
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
                Some(Fault::Delay(pause)) => tokio::time::sleep(pause).await,
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

/// `uri` with its single host replaced by `address` and a direct connection asked for; `None`
/// for a URI the proxy cannot stand in for (several hosts, or an SRV name).
pub fn through(uri: &str, address: SocketAddr) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    if scheme != "mongodb" {
        return None;
    }
    let (authority, tail) = rest.find(['/', '?']).map_or((rest, ""), |at| rest.split_at(at));
    let (credentials, hosts) = authority.rsplit_once('@').map_or(("", authority), |(c, h)| (c, h));
    if hosts.contains(',') {
        return None;
    }
    let credentials = if credentials.is_empty() { String::new() } else { format!("{credentials}@") };
    let tail = if tail.is_empty() { "/".to_owned() } else { tail.to_owned() };
    let separator = if tail.contains('?') { "&" } else { "?" };
    let direct =
        if tail.contains("directConnection") { String::new() } else { format!("{separator}directConnection=true") };
    Some(format!("mongodb://{credentials}{address}{tail}{direct}"))
}

/// The server address of a single-host `uri`.
pub fn upstream(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("mongodb://")?;
    let authority = rest.find(['/', '?']).map_or(rest, |at| &rest[..at]);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!host.contains(',')).then(|| if host.contains(':') { host.to_owned() } else { format!("{host}:27017") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_host_uri_is_pointed_at_the_proxy_with_its_credentials_and_options() {
        let proxy: SocketAddr = "127.0.0.1:4000".parse().expect("an address");

        let plain = through("mongodb://127.0.0.1:27017/?directConnection=true", proxy);
        let secret = through("mongodb://app:pw@db.internal:27017/shop?replicaSet=rs0", proxy);
        let many = through("mongodb://a:1,b:2/", proxy);

        assert_eq!(plain.as_deref(), Some("mongodb://127.0.0.1:4000/?directConnection=true"));
        assert_eq!(
            secret.as_deref(),
            Some("mongodb://app:pw@127.0.0.1:4000/shop?replicaSet=rs0&directConnection=true")
        );
        assert_eq!(many, None);
        assert_eq!(upstream("mongodb://app:pw@db.internal/shop").as_deref(), Some("db.internal:27017"));
    }
}
