//! The proxy in front of a stand-in server on loopback: what each fault does to a request and
//! its reply, and the counts.

use mongodb::bson::{Document, doc};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};

use super::{Fault, FaultProxy, Rule};
use crate::wire::{self, Frame};

/// A stand-in server answering every request with `{ok: 1, n: 1}`.
async fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                while let Ok(Some(request)) = wire::read(&mut stream).await {
                    let reply = Frame::reply(request.request_id(), 1, &doc! { "ok": 1, "n": 1 });
                    if stream.write_all(&reply.bytes).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    address.to_string()
}

/// Sends `body` as request `id`; the reply's body, or `None` when the connection was cut.
async fn ask(stream: &mut TcpStream, id: i32, body: Document) -> Option<Document> {
    stream.write_all(&Frame::reply(0, id, &body).bytes).await.expect("send");
    let reply = wire::read(stream).await.ok()??;
    assert_eq!(reply.response_to(), id);
    reply.body()
}

#[tokio::test]
async fn an_error_answers_instead_of_the_server_and_an_amendment_adds_to_its_reply() {
    let proxy = FaultProxy::start(&server().await).await;
    proxy.add(Rule::nth("update", 1, Fault::write_conflict()));
    proxy.add(Rule::every("insert", Fault::write_concern_error()));
    let mut stream = TcpStream::connect(proxy.address).await.expect("connect");

    let conflict = ask(&mut stream, 1, doc! { "update": "w", "$db": "s" }).await.expect("a reply");
    let second = ask(&mut stream, 2, doc! { "update": "w", "$db": "s" }).await.expect("a reply");
    let amended = ask(&mut stream, 3, doc! { "insert": "w", "$db": "s" }).await.expect("a reply");

    assert_eq!((conflict.get_i32("code").ok(), conflict.get_str("codeName").ok()), (Some(112), Some("WriteConflict")));
    let labels = conflict.get_array("errorLabels").expect("labels");
    assert_eq!(labels.iter().filter_map(|label| label.as_str()).collect::<Vec<_>>(), ["TransientTransactionError"]);
    assert_eq!(second, doc! { "ok": 1, "n": 1 }, "only the first update fails");
    assert_eq!(amended.get_i32("n").ok(), Some(1), "the server's reply, amended");
    let concern = amended.get_document("writeConcernError").expect("a write-concern error");
    assert_eq!(concern.get_i32("code").ok(), Some(64));
    assert_eq!(proxy.counts(), [("insert".to_owned(), 1), ("update".to_owned(), 2)].into_iter().collect());
}

#[tokio::test]
async fn a_cut_after_forward_loses_the_reply_and_the_counts_start_again_after_a_reset() {
    let proxy = FaultProxy::start(&server().await).await;
    proxy.add(Rule::nth("commitTransaction", 1, Fault::CutAfterForward));
    let mut stream = TcpStream::connect(proxy.address).await.expect("connect");
    ask(&mut stream, 1, doc! { "find": "w", "$db": "s" }).await.expect("a reply");
    proxy.reset_counts();

    let lost = ask(&mut stream, 2, doc! { "commitTransaction": 1, "$db": "admin" }).await;

    assert_eq!(lost, None, "the reply never arrives: the connection is cut");
    assert_eq!((proxy.seen("commitTransaction"), proxy.seen("find")), (1, 0));
}
