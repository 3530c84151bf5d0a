//! What the rules check reads from a request: an `OP_MSG` taken apart the way the server takes it
//! apart. The body (the kind-0 section) holds the command; kind-1 sections carry document
//! sequences (`documents` of `insert`, `updates`, `deletes`, `ops` and `nsInfo` of `bulkWrite`)
//! that the server reads as if they were arrays in the body. The sizes of the message and of each
//! document are kept too, for the size limits.
//!
//! Wire format: <https://www.mongodb.com/docs/v8.0/reference/mongodb-wire-protocol/#op_msg>.

use mongodb::bson::{Bson, Document};

use super::OP_MSG;

/// `flagBits`: a CRC-32C checksum ends the message.
const CHECKSUM_PRESENT: u32 = 1;

/// `flagBits`: the sender expects no reply.
const MORE_TO_COME: u32 = 1 << 1;

/// One `OP_MSG` request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The command: the kind-0 section.
    pub body: Document,
    /// The body's size in bytes.
    pub body_len: usize,
    /// The kind-1 sections, in order.
    pub sequences: Vec<Sequence>,
    /// The whole message's size in bytes, header included.
    pub message_len: usize,
    /// Whether the client expects no reply (`moreToCome`, as for `w: 0` writes).
    pub more_to_come: bool,
}

/// A kind-1 section: documents the server reads as the array field `identifier`.
#[derive(Debug, Clone)]
pub struct Sequence {
    /// The field the documents belong to (`documents`, `updates`, `ops`, ...).
    pub identifier: String,
    /// Each document, with its size in bytes.
    pub documents: Vec<(Document, usize)>,
}

impl Request {
    /// Takes a whole `OP_MSG` (header included) apart; `None` for another opcode or a message
    /// the server would refuse to parse as well (the server then answers for itself).
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        if bytes.len() < 20 || i32_at(bytes, 12)? != OP_MSG {
            return None;
        }
        let flags = u32::from_le_bytes(bytes.get(16..20)?.try_into().ok()?);
        let end = if flags & CHECKSUM_PRESENT != 0 { bytes.len().checked_sub(4)? } else { bytes.len() };
        let (mut body, mut body_len, mut sequences) = (None, 0, Vec::new());
        let mut at = 20;
        while at < end {
            let kind = bytes[at];
            at += 1;
            let size = usize::try_from(i32_at(bytes, at)?).ok()?;
            let section = bytes.get(at..at.checked_add(size)?)?;
            match kind {
                0 => {
                    body = Some(Document::from_reader(section).ok()?);
                    body_len = size;
                }
                1 => sequences.push(Sequence::parse(section)?),
                _ => return None,
            }
            at += size;
        }
        Some(Self {
            body: body?,
            body_len,
            sequences,
            message_len: bytes.len(),
            more_to_come: flags & MORE_TO_COME != 0,
        })
    }

    /// A request whose body is `body` and that has no document sequences: what a driver sends
    /// when it puts every array in the body.
    pub fn from_body(body: Document) -> Self {
        let body_len = body.to_vec().map_or(0, |bytes| bytes.len());
        Self { body, body_len, sequences: Vec::new(), message_len: 21 + body_len, more_to_come: false }
    }

    /// Adds a document sequence (as a driver does for the arrays of write commands).
    pub fn with_sequence(mut self, identifier: &str, documents: Vec<Document>) -> Self {
        let documents: Vec<(Document, usize)> = documents
            .into_iter()
            .map(|document| {
                let size = document.to_vec().map_or(0, |bytes| bytes.len());
                (document, size)
            })
            .collect();
        self.message_len += 5 + identifier.len() + documents.iter().map(|(_, n)| n).sum::<usize>();
        self.sequences.push(Sequence { identifier: identifier.to_owned(), documents });
        self
    }

    /// The command's name: the body's first key.
    pub fn name(&self) -> &str {
        self.body.keys().next().map_or("", String::as_str)
    }

    /// The documents of the array field `field`, wherever the driver put them: a document
    /// sequence of that name, or an array in the body.
    pub fn documents(&self, field: &str) -> Vec<&Document> {
        if let Some(sequence) = self.sequences.iter().find(|s| s.identifier == field) {
            return sequence.documents.iter().map(|(d, _)| d).collect();
        }
        match self.body.get(field) {
            Some(Bson::Array(items)) => items.iter().filter_map(Bson::as_document).collect(),
            _ => Vec::new(),
        }
    }

    /// How many entries the array field `field` has, wherever the driver put it.
    pub fn count(&self, field: &str) -> Option<usize> {
        if let Some(sequence) = self.sequences.iter().find(|s| s.identifier == field) {
            return Some(sequence.documents.len());
        }
        self.body.get_array(field).ok().map(Vec::len)
    }
}

impl Sequence {
    /// A kind-1 section: its size (`i32`), the identifier (a C string), then documents.
    fn parse(section: &[u8]) -> Option<Self> {
        let name_end = 4 + section.get(4..)?.iter().position(|&b| b == 0)?;
        let identifier = String::from_utf8(section[4..name_end].to_vec()).ok()?;
        let mut at = name_end + 1;
        let mut documents = Vec::new();
        while at < section.len() {
            let size = usize::try_from(i32_at(section, at)?).ok()?;
            let raw = section.get(at..at.checked_add(size)?)?;
            documents.push((Document::from_reader(raw).ok()?, size));
            at += size;
        }
        Some(Self { identifier, documents })
    }
}

/// The little-endian `i32` at `offset`.
fn i32_at(bytes: &[u8], offset: usize) -> Option<i32> {
    Some(i32::from_le_bytes(bytes.get(offset..offset.checked_add(4)?)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;
    use crate::wire::OP_COMPRESSED;

    /// An `OP_MSG` with `flags`, a `documents` sequence first and then the body.
    fn message(flags: u32, body: &Document, documents: &[Document]) -> Vec<u8> {
        let mut sequence = b"documents\0".to_vec();
        for document in documents {
            sequence.extend(document.to_vec().expect("serializes"));
        }
        let size = i32::try_from(4 + sequence.len()).expect("small");
        let mut sections = vec![1];
        sections.extend(size.to_le_bytes());
        sections.extend(sequence);
        sections.push(0);
        sections.extend(body.to_vec().expect("serializes"));
        let checksum = if flags & CHECKSUM_PRESENT != 0 { 4 } else { 0 };
        let length = i32::try_from(20 + sections.len() + checksum).expect("small");
        let mut bytes = Vec::new();
        for field in [length, 7, 0, OP_MSG] {
            bytes.extend(field.to_le_bytes());
        }
        bytes.extend(flags.to_le_bytes());
        bytes.extend(sections);
        bytes.extend(vec![0; checksum]);
        bytes
    }

    #[test]
    fn a_request_yields_its_body_and_its_document_sequences() {
        let body = doc! { "insert": "wallets", "ordered": true, "$db": "shop" };
        let documents = [doc! { "_id": 1 }, doc! { "_id": 2, "owner": "Ada" }];

        let request = Request::parse(&message(0, &body, &documents)).expect("parses");

        assert_eq!((request.name(), &request.body), ("insert", &body));
        assert_eq!(request.documents("documents"), documents.iter().collect::<Vec<_>>());
        assert_eq!(request.count("documents"), Some(2));
        assert_eq!(request.sequences[0].documents[1].1, documents[1].to_vec().expect("serializes").len());
        assert!(!request.more_to_come);
    }

    #[test]
    fn a_checksum_is_not_read_as_a_section_and_more_to_come_is_seen() {
        let body = doc! { "insert": "wallets", "writeConcern": { "w": 0 }, "$db": "shop" };

        let request = Request::parse(&message(CHECKSUM_PRESENT | MORE_TO_COME, &body, &[])).expect("parses");

        assert!(request.more_to_come);
        assert_eq!(request.count("documents"), Some(0));
    }

    #[test]
    fn arrays_in_the_body_count_like_sequences_and_other_opcodes_are_not_requests() {
        let request = Request::from_body(doc! { "delete": "w", "deletes": [{ "q": {}, "limit": 1 }], "$db": "s" });
        let mut compressed = message(0, &doc! { "ping": 1 }, &[]);
        compressed[12..16].copy_from_slice(&OP_COMPRESSED.to_le_bytes());

        assert_eq!(request.documents("deletes").len(), 1);
        assert!(Request::parse(&compressed).is_none());
    }
}
