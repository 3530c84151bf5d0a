//! The network side of the rules check: a proxy on 127.0.0.1 that reads every request, lets the
//! [`Judge`] decide, forwards what MongoDB would run and answers the rest with MongoDB's error.
//! It runs on a thread and a runtime of its own: each `#[tokio::test]` has its own runtime, and
//! a gate may serve every test of the process (and its child processes, such as PyMongo
//! readers).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use mongodb::bson::{Document, doc};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};

use super::context::CollectionFacts;
use super::judge::Judge;
use super::session::transaction_number;
use super::table::Rules;
use super::violation::{Rule, Violation};
use crate::wire::{self as frame, Frame, OP_COMPRESSED, OP_MSG, Request};

/// What the gate does with a violation besides answering it.
pub(crate) type Recorder = Arc<dyn Fn(&Violation) + Send + Sync>;

/// A compressed message: the check reads only uncompressed `OP_MSG`, so compression must stay
/// off in tests (the workspace's driver is built without compressors; PyMongo compresses only
/// when asked).
/// <https://www.mongodb.com/docs/v8.0/reference/mongodb-wire-protocol/#op_compressed>
pub static COMPRESSED: Rule = Rule {
    name: "the rules check reads uncompressed messages only: keep compression off in tests",
    manual: "https://www.mongodb.com/docs/v8.0/reference/mongodb-wire-protocol/#op_compressed",
    code: 2,
    code_name: "BadValue",
};

struct Shared {
    /// The server's `host:port`.
    upstream: String,
    /// The URI the gate asks catalog questions with (straight to the server).
    catalog_uri: String,
    judge: Mutex<Judge>,
    catalog: tokio::sync::OnceCell<Option<mongodb::Client>>,
    recorder: Recorder,
}

/// Starts a gate judging by `rules` in front of `upstream` (`host:port`), asking catalog
/// questions through `catalog_uri`; returns the address to connect to instead of the server,
/// and the sender that stops the gate when dropped.
///
/// # Errors
/// The listener, the runtime or the thread could not be set up.
pub(crate) fn start(
    upstream: &str,
    catalog_uri: &str,
    rules: Rules,
    recorder: Recorder,
) -> std::io::Result<(SocketAddr, tokio::sync::oneshot::Sender<()>)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("mongodb-rules-check")
        .enable_all()
        .build()?;
    let shared = Arc::new(Shared {
        upstream: upstream.to_owned(),
        catalog_uri: catalog_uri.to_owned(),
        judge: Mutex::new(Judge::new(rules)),
        catalog: tokio::sync::OnceCell::new(),
        recorder,
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::Builder::new().name("mongodb-rules-check".to_owned()).spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = TcpListener::from_std(listener) else { return };
            let accept = async {
                while let Ok((client, _)) = listener.accept().await {
                    tokio::spawn(Arc::clone(&shared).serve(client));
                }
            };
            // The sender dropped (or sent): the gate's runtime goes, and its connections with it.
            tokio::select! {
                () = accept => {}
                _ = stopped => {}
            }
        });
    })?;
    Ok((address, stop))
}

impl Shared {
    fn judge(&self) -> MutexGuard<'_, Judge> {
        self.judge.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forwards one client connection, request by request.
    async fn serve(self: Arc<Self>, client: TcpStream) {
        let Ok(server) = TcpStream::connect(&self.upstream).await else { return };
        let (mut client_read, client_write) = client.into_split();
        let (mut server_read, mut server_write) = server.into_split();
        let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
        // Requests whose replies may open a cursor, with the transaction each ran in.
        let opening: Arc<Mutex<HashMap<i32, Option<i64>>>> = Arc::default();
        let replies = {
            let (client_write, opening, shared) = (Arc::clone(&client_write), Arc::clone(&opening), Arc::clone(&self));
            tokio::spawn(async move {
                // Whole frames under the lock, so an answer of the gate never splits a reply.
                while let Ok(Some(reply)) = frame::read(&mut server_read).await {
                    let opened_in = opening.lock().unwrap_or_else(PoisonError::into_inner).remove(&reply.response_to());
                    // Before the client sees the reply, so its first getMore finds the cursor.
                    if let Some(opened_in) = opened_in
                        && let Some(id) = cursor_id(&reply)
                    {
                        shared.judge().cursor_opened(opened_in, id);
                    }
                    if client_write.lock().await.write_all(&reply.bytes).await.is_err() {
                        break;
                    }
                }
                let _ = client_write.lock().await.shutdown().await;
            })
        };
        while let Ok(Some(request)) = frame::read(&mut client_read).await {
            match self.verdict(&request).await {
                Ok(opens_cursor_in) => {
                    if let Some(opened_in) = opens_cursor_in {
                        opening.lock().unwrap_or_else(PoisonError::into_inner).insert(request.request_id(), opened_in);
                    }
                    if server_write.write_all(&request.bytes).await.is_err() {
                        break;
                    }
                }
                Err((violation, answer)) => {
                    (self.recorder)(&violation);
                    if let Some(answer) = answer
                        && client_write.lock().await.write_all(&answer.bytes).await.is_err()
                    {
                        break;
                    }
                }
            }
        }
        let _ = server_write.shutdown().await;
        let _ = replies.await;
    }

    /// The judge's verdict on one frame: to forward it (with, for a command that may open a
    /// cursor, the transaction it runs in), or a refusal with its answer (none when the client
    /// expects no reply).
    async fn verdict(&self, frame: &Frame) -> Result<Option<Option<i64>>, (Violation, Option<Frame>)> {
        let answer = |violation: Violation, expects_reply: bool| {
            let id = frame.request_id().wrapping_add(1 << 30);
            let answer = expects_reply.then(|| Frame::reply(frame.request_id(), id, &violation.reply()));
            Err((violation, answer))
        };
        match frame.op_code() {
            OP_MSG => {}
            OP_COMPRESSED => return answer(Violation::new("OP_COMPRESSED", &COMPRESSED, "a compressed request"), true),
            // OP_QUERY: MongoDB 6.0 and later take it for the connection handshake only
            // (`hello`/`isMaster`), which no rule concerns.
            _ => return Ok(None),
        }
        // A message the check cannot take apart goes on: the server refuses it for itself.
        let Some(request) = Request::parse(&frame.bytes) else { return Ok(None) };
        let question = self.judge().needs_catalog(&request);
        let facts = match question {
            Some((db, collection)) => self.facts(&db, &collection).await,
            None => None,
        };
        let verdict = self.judge().judge(&request, facts.as_ref());
        let opens_cursor = matches!(request.name(), "find" | "aggregate" | "listCollections" | "listIndexes");
        match verdict {
            Ok(()) => Ok(opens_cursor.then(|| transaction_number(&request.body))),
            Err(violation) => answer(violation, !request.more_to_come),
        }
    }

    /// Whether `db.collection` exists outside any transaction, and its indexes; `None` when the
    /// server cannot tell (the judge then leaves out the rules that need it).
    async fn facts(&self, db: &str, collection: &str) -> Option<CollectionFacts> {
        let init = || async { mongodb::Client::with_uri_str(&self.catalog_uri).await.ok() };
        let client = self.catalog.get_or_init(init).await.as_ref()?;
        let database = client.database(db);
        let names = database.list_collection_names().filter(doc! { "name": collection }).await.ok()?;
        if names.is_empty() {
            return Some(CollectionFacts::default());
        }
        let indexes = database.collection::<Document>(collection).list_index_names().await.ok()?;
        Some(CollectionFacts { exists: true, indexes })
    }
}

/// The cursor id a reply opens (`cursor.id`, zero when the results fit the first batch).
fn cursor_id(reply: &Frame) -> Option<i64> {
    reply.body()?.get_document("cursor").ok()?.get_i64("id").ok()
}

#[cfg(test)]
mod tests {
    use mongodb::bson::Binary;
    use mongodb::bson::spec::BinarySubtype;

    use super::*;

    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

    fn remember() -> Recorder {
        Arc::new(|violation: &Violation| SEEN.lock().unwrap_or_else(PoisonError::into_inner).push(violation.message()))
    }

    /// A stand-in server answering every request with `{ok: 1, from: "server"}`.
    async fn server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("an address");
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    while let Ok(Some(request)) = frame::read(&mut stream).await {
                        let reply = Frame::reply(request.request_id(), 1, &doc! { "ok": 1, "from": "server" });
                        if stream.write_all(&reply.bytes).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        address
    }

    async fn ask(stream: &mut TcpStream, id: i32, body: Document) -> Document {
        stream.write_all(&Frame::reply(0, id, &body).bytes).await.expect("send");
        let reply = frame::read(stream).await.expect("read").expect("a reply");
        assert_eq!(reply.response_to(), id);
        reply.body().expect("a body")
    }

    #[tokio::test]
    async fn a_refused_command_is_answered_by_the_gate_and_an_accepted_one_by_the_server() {
        let upstream = server().await.to_string();
        let (gate, _stop) =
            start(&upstream, "mongodb://127.0.0.1:1/", Rules::mongodb(), remember()).expect("the gate starts");
        let mut stream = TcpStream::connect(gate).await.expect("connect to the gate");
        let lsid = doc! { "id": Binary { subtype: BinarySubtype::Uuid, bytes: vec![3; 16] } };

        let accepted = ask(&mut stream, 1, doc! { "find": "wallets", "filter": {}, "$db": "shop" }).await;
        let refused = ask(
            &mut stream,
            2,
            doc! { "aggregate": "wallets", "cursor": {}, "lsid": lsid, "txnNumber": 1_i64,
            "startTransaction": true, "autocommit": false, "pipeline": [{ "$out": "copy" }], "$db": "shop" },
        )
        .await;

        assert_eq!(accepted.get_str("from").ok(), Some("server"));
        assert_eq!(refused.get_i32("code").ok(), Some(263));
        assert_eq!(refused.get_str("codeName").ok(), Some("OperationNotSupportedInTransaction"));
        let seen = SEEN.lock().unwrap_or_else(PoisonError::into_inner).clone();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].contains("pipeline[0] is $out"), "{seen:?}");
    }
}
