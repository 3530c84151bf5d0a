//! The MongoDB wire protocol, as far as the rules check and the fault proxy need it: whole
//! frames read off a stream and replies built from a document ([`Frame`]), and `OP_MSG` requests
//! taken apart the way the server takes them apart ([`Request`]).
//!
//! Wire format: <https://www.mongodb.com/docs/v8.0/reference/mongodb-wire-protocol/>.
//!
//! ```
//! use mongo_kit_test::wire::{Frame, Request};
//! use mongodb::bson::doc;
//!
//! // A frame holding `{ find: "orders" }`, as a proxy answering request 7 would build it.
//! let frame = Frame::reply(7, 8, &doc! { "find": "orders", "filter": {}, "$db": "shop" });
//! let request = Request::parse(&frame.bytes).expect("an OP_MSG");
//!
//! assert_eq!((frame.response_to(), request.name()), (7, "find"));
//! ```
//!
//! # Layout
//! - `frame`: the 16-byte header, whole frames, replies.
//! - `request`: an `OP_MSG` request's body, document sequences and sizes.

mod frame;
mod request;

pub use frame::{Frame, read};
pub use request::{Request, Sequence};

/// The opcode of `OP_MSG`, the only one drivers send commands with.
pub const OP_MSG: i32 = 2013;

/// The opcode of `OP_COMPRESSED`, which wraps another message compressed.
pub const OP_COMPRESSED: i32 = 2012;
