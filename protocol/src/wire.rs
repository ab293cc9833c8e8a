//! Messages between nodes on the sync protocol [`SYNC_PROTOCOL`].
//!
//! Each request and response is one frame: a 4-byte big-endian length, then the postcard
//! encoding of [`Request`] or [`Response`]. A frame larger than [`MAX_MESSAGE_BYTES`] is
//! refused before it is read. Bump the protocol name's version for any incompatible change.

use serde::{Deserialize, Serialize};

use crate::{
    ids::{DocId, SpaceId},
    keys::Signature,
    schema::DocKind,
    space::{Municipality, SignedSpace},
};

/// The libp2p protocol name of document sync, version 3 (preferred): version 2's messages, and
/// each frame's body starts with one byte that says how the rest is encoded: [`FRAME_PLAIN`]
/// (the postcard encoding) or [`FRAME_DEFLATE`] (the postcard encoding compressed with raw
/// DEFLATE, RFC 1951). A compressed body must inflate to at most [`MAX_MESSAGE_BYTES`] and to
/// at most 32 times its own size plus 1 MiB; a receiver stops inflating there and refuses the
/// frame.
pub const SYNC_PROTOCOL: &str = "/twinmesh/sync/3";

/// The libp2p protocol name of document sync, version 2, still answered: version 1's messages
/// plus whole-document transfer for a first sync ([`Request::Fetch`], [`Request::Snapshot`],
/// [`Response::Snapshot`], [`Response::Installed`]); frames are plain postcard.
pub const SYNC_PROTOCOL_V2: &str = "/twinmesh/sync/2";

/// Version 3 frame tag: the body is the postcard encoding.
pub const FRAME_PLAIN: u8 = 0;

/// Version 3 frame tag: the body is the postcard encoding compressed with raw DEFLATE.
pub const FRAME_DEFLATE: u8 = 1;

/// The libp2p protocol name of document sync, version 1, still answered. Its messages are the
/// variants of [`Request`] and [`Response`] that [`is_v1_request`] / [`is_v1_response`] accept,
/// with the same encoding (postcard numbers enum variants in order, and version 2 only appends).
pub const SYNC_PROTOCOL_V1: &str = "/twinmesh/sync/1";

/// True if `req` exists in `/twinmesh/sync/1`.
pub fn is_v1_request(req: &Request) -> bool {
    matches!(req, Request::Hello { .. } | Request::Sync(_) | Request::Join { .. })
}

/// True if `res` exists in `/twinmesh/sync/1`.
pub fn is_v1_response(res: &Response) -> bool {
    matches!(res, Response::Hello { .. } | Response::Sync(_) | Response::Joined { .. } | Response::Refused(_))
}

/// Largest frame accepted. A sync round carries the changes the other side lacks; the whole
/// automerge-paper trace (259,778 edits) is about 25 MiB of change chunks, so 64 MiB lets a
/// first sync of a very large document through in one round while bounding what a peer can
/// make us buffer.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Most documents listed in one space summary.
pub const MAX_DOCS_PER_SPACE: usize = 100_000;

/// The gossipsub topic on which new heads of a space's documents are announced.
pub fn space_topic(space: &SpaceId) -> String {
    format!("twinmesh/space/v1/{space}")
}

/// What a node holds of one space, sent to a member of that space only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpaceSummary {
    /// The space's genesis record.
    pub space: SignedSpace,
    /// The space's membership log.
    pub log: Vec<crate::membership::SignedOp>,
    /// Every document: id, kind and a digest of its heads.
    pub docs: Vec<DocSummary>,
}

/// One document in a [`SpaceSummary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSummary {
    /// The document.
    pub doc: DocId,
    /// Its kind.
    pub kind: DocKind,
    /// SHA-256 of its sorted heads: equal digests mean equal documents.
    pub heads_digest: [u8; 32],
}

/// One round of Automerge sync for one document, with a signature for every change it carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocSync {
    /// The space the document belongs to.
    pub space: SpaceId,
    /// The document.
    pub doc: DocId,
    /// Its kind (so a node that lacks the document can create it).
    pub kind: DocKind,
    /// An encoded Automerge sync message, or `None` when this side has nothing more to say.
    pub message: Option<Vec<u8>>,
    /// `(change hash, signature)` for each change in `message`.
    pub signatures: Vec<([u8; 32], Signature)>,
}

/// A whole document for a partner that holds none of it: the compact saved form and one
/// signature per change (version 2).
///
/// The change hashes are not sent: the receiver loads `saved`, lists the hashes of every change
/// it contains, sorts them, and pairs them in that order with `signatures`. A count that differs,
/// or any signature or author that does not check, refuses the whole snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocSnapshot {
    /// The space the document belongs to.
    pub space: SpaceId,
    /// The document.
    pub doc: DocId,
    /// Its kind.
    pub kind: DocKind,
    /// Automerge's saved form of the document (a document chunk, possibly followed by change
    /// chunks): what `Automerge::load` accepts.
    pub saved: Vec<u8>,
    /// One signature per change in `saved`, in ascending order of change hash.
    pub signatures: Vec<Signature>,
}

impl DocSnapshot {
    /// Encoded size of a snapshot with `saved_len` bytes of document and `changes` signatures,
    /// as an upper bound (ids, kind and the postcard length prefixes included).
    pub fn encoded_len_bound(saved_len: usize, changes: usize) -> usize {
        saved_len + changes * 64 + 128
    }
}

/// A request on the sync protocol.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// "Here is who I am and what I hold of the spaces we share."
    Hello {
        /// The sender's profile.
        from: Municipality,
        /// Spaces the receiver is a member of.
        spaces: Vec<SpaceSummary>,
    },
    /// A sync round.
    Sync(DocSync),
    /// Redeem an invitation ticket: "add me to this space".
    Join {
        /// The space.
        space: SpaceId,
        /// The ticket's one-time secret.
        secret: [u8; 16],
        /// The joiner's profile (its key must be the connection's).
        from: Municipality,
    },
    /// Version 2: "I hold none of this document: send it whole" (answered by
    /// [`Response::Snapshot`]).
    Fetch {
        /// The space.
        space: SpaceId,
        /// The document.
        doc: DocId,
    },
    /// Version 2: "you hold none of this document (your hello did not list it): here it is"
    /// (answered by [`Response::Installed`] or [`Response::Refused`]).
    Snapshot(DocSnapshot),
}

/// A response on the sync protocol.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Response {
    /// The receiver's own hello.
    Hello {
        /// The responder's profile.
        from: Municipality,
        /// Spaces the requester is a member of.
        spaces: Vec<SpaceSummary>,
    },
    /// The next sync round.
    Sync(DocSync),
    /// The joiner was added: the space record and its log, now including the joiner.
    Joined {
        /// The space.
        space: SignedSpace,
        /// Its membership log.
        log: Vec<crate::membership::SignedOp>,
    },
    /// The request was refused.
    Refused(Refusal),
    /// Version 2: the document asked for by [`Request::Fetch`].
    Snapshot(DocSnapshot),
    /// Version 2: the snapshot of [`Request::Snapshot`] was checked and stored.
    Installed {
        /// The document.
        doc: DocId,
        /// The receiver's heads digest now.
        heads_digest: [u8; 32],
    },
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    /// The requester is not a member of the space.
    #[error("not a member of this space")]
    NotAMember,
    /// The document is unknown here.
    #[error("unknown document")]
    UnknownDoc,
    /// The message could not be processed.
    #[error("bad message: {0}")]
    BadMessage(String),
    /// The invitation is unknown, used, expired or does not match.
    #[error("invitation refused: {0}")]
    Invitation(String),
}

/// A gossipsub announcement: a document of a space has new heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announce {
    /// The space.
    pub space: SpaceId,
    /// The document.
    pub doc: DocId,
    /// Its kind.
    pub kind: DocKind,
    /// SHA-256 of its sorted heads.
    pub heads_digest: [u8; 32],
}

/// Largest gossip announcement accepted, in bytes.
pub const MAX_ANNOUNCE_BYTES: usize = 1024;

/// Encodes a message body (without the length prefix).
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    postcard::to_stdvec(msg).unwrap_or_default()
}

/// Decodes a message body, refusing trailing bytes.
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, String> {
    let (v, rest) = postcard::take_from_bytes::<T>(bytes).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!("{} trailing bytes", rest.len()));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;

    #[test]
    fn decode_rejects_garbage_without_panicking() {
        assert!(decode::<Request>(&[0xff; 10]).is_err());
        assert!(decode::<Request>(&[]).is_err());
        let founder = SecretKey::from_bytes([1; 32]);
        let req = Request::Hello {
            from: Municipality { key: founder.public(), name: "A".into(), country: "FR".into() },
            spaces: vec![],
        };
        let mut bytes = encode(&req);
        assert!(decode::<Request>(&bytes).is_ok());
        bytes.push(0);
        assert!(decode::<Request>(&bytes).is_err());
    }
}
