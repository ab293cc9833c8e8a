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

/// The libp2p protocol name of document sync.
pub const SYNC_PROTOCOL: &str = "/twinmesh/sync/1";

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
