//! MongoDB wire-protocol frames, as far as the proxies need them: the 16-byte header
//! (`messageLength`, `requestID`, `responseTo`, `opCode`, little-endian), the command name of an
//! `OP_MSG` request (the first key of its kind-0 body), and `OP_MSG` replies built from a document.

use mongodb::bson::Document;
use tokio::io::{AsyncRead, AsyncReadExt as _};

use super::OP_MSG;

/// The fixed header's length.
const HEADER_LEN: usize = 16;

/// The most a frame may hold (MongoDB's `maxMessageSizeBytes` is 48 MB).
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// One whole message, header included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The raw bytes, forwarded unchanged.
    pub bytes: Vec<u8>,
}

impl Frame {
    fn field(&self, offset: usize) -> i32 {
        let mut raw = [0_u8; 4];
        raw.copy_from_slice(&self.bytes[offset..offset + 4]);
        i32::from_le_bytes(raw)
    }

    /// `requestID`.
    pub fn request_id(&self) -> i32 {
        self.field(4)
    }

    /// `responseTo`.
    pub fn response_to(&self) -> i32 {
        self.field(8)
    }

    /// `opCode`.
    pub fn op_code(&self) -> i32 {
        self.field(12)
    }

    /// The command name of an `OP_MSG` request: the first key of its body (the kind-0 section);
    /// `None` for other opcodes or a message without a body.
    pub fn command_name(&self) -> Option<String> {
        self.body().and_then(|body| body.keys().next().cloned())
    }

    /// The kind-0 section of an `OP_MSG`, skipping kind-1 sections (size, identifier, documents).
    pub fn body(&self) -> Option<Document> {
        if self.op_code() != OP_MSG {
            return None;
        }
        // After the header come `flagBits` (4 bytes), then sections.
        let mut at = HEADER_LEN + 4;
        while at < self.bytes.len() {
            let kind = self.bytes[at];
            at += 1;
            let size = usize::try_from(self.field(at)).ok()?;
            if kind == 0 {
                return Document::from_reader(self.bytes.get(at..at + size)?).ok();
            }
            at += size;
        }
        None
    }

    /// An `OP_MSG` reply to the request `response_to` whose only section is `document`.
    pub fn reply(response_to: i32, request_id: i32, document: &Document) -> Self {
        let body = document.to_vec().expect("a reply document serializes");
        let length = HEADER_LEN + 4 + 1 + body.len();
        let mut bytes = Vec::with_capacity(length);
        for field in [i32::try_from(length).expect("a small reply"), request_id, response_to, OP_MSG, 0] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        bytes.push(0);
        bytes.extend_from_slice(&body);
        Self { bytes }
    }
}

/// Reads one frame; `Ok(None)` at a clean end of the stream.
///
/// # Errors
/// An I/O error, or `InvalidData` for a length outside 16 bytes..64 MB.
pub async fn read(stream: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Option<Frame>> {
    let mut length = [0_u8; 4];
    match stream.read_exact(&mut length).await {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    }
    let total = usize::try_from(i32::from_le_bytes(length)).unwrap_or(0);
    if !(HEADER_LEN..=MAX_FRAME).contains(&total) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("frame length {total}")));
    }
    let mut bytes = vec![0_u8; total];
    bytes[..4].copy_from_slice(&length);
    stream.read_exact(&mut bytes[4..]).await?;
    Ok(Some(Frame { bytes }))
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;

    /// An `OP_MSG` request with a kind-1 section (`documents`) before its kind-0 body.
    fn request(id: i32, body: &Document) -> Vec<u8> {
        let payload = doc! { "_id": 1 }.to_vec().expect("serializes");
        let mut sequence = Vec::new();
        let size = i32::try_from(4 + b"documents\0".len() + payload.len()).expect("small");
        sequence.extend_from_slice(&size.to_le_bytes());
        sequence.extend_from_slice(b"documents\0");
        sequence.extend_from_slice(&payload);
        let body = body.to_vec().expect("serializes");
        let length = i32::try_from(16 + 4 + 1 + sequence.len() + 1 + body.len()).expect("small");
        let mut bytes = Vec::new();
        for field in [length, id, 0, OP_MSG, 0] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        bytes.push(1);
        bytes.extend_from_slice(&sequence);
        bytes.push(0);
        bytes.extend_from_slice(&body);
        bytes
    }

    #[tokio::test]
    async fn a_request_is_read_whole_and_names_its_command_past_a_document_sequence() {
        let bytes = request(7, &doc! { "insert": "wallets", "ordered": true, "$db": "shop" });
        let mut stream = &bytes[..];

        let frame = read(&mut stream).await.expect("reads").expect("one frame");
        let end = read(&mut stream).await.expect("reads");

        assert_eq!(frame.bytes, bytes);
        assert_eq!((frame.request_id(), frame.response_to(), frame.op_code()), (7, 0, OP_MSG));
        assert_eq!(frame.command_name().as_deref(), Some("insert"));
        assert_eq!(end, None);
    }

    #[tokio::test]
    async fn a_built_reply_answers_its_request_and_reads_back() {
        let error = doc! { "ok": 0, "code": 112, "codeName": "WriteConflict" };

        let reply = Frame::reply(7, 99, &error);
        let mut stream = &reply.bytes[..];
        let again = read(&mut stream).await.expect("reads").expect("one frame");

        assert_eq!((again.request_id(), again.response_to()), (99, 7));
        assert_eq!(again.body(), Some(error));
    }

    #[tokio::test]
    async fn a_frame_with_an_impossible_length_is_refused() {
        let bytes = 8_i32.to_le_bytes();
        let mut stream = &bytes[..];

        let refused = read(&mut stream).await;

        assert_eq!(refused.expect_err("too short").kind(), std::io::ErrorKind::InvalidData);
    }
}
