//! The messages of the sync protocol: [`Request`] and [`Response`], a round ([`DocSync`]), a
//! whole document ([`DocSnapshot`]), what a hello lists ([`SpaceSummary`]), refusals, and the
//! gossip announcement ([`Announce`]).

use serde::{Deserialize, Serialize};

use super::{ChunkSignatures, SnapshotSignatures};
use crate::{
    ids::{DocId, SpaceId},
    schema::DocKind,
    space::{Municipality, SignedSpace},
};

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

/// One round of Automerge sync for one document, with the signatures of the changes it carries.
///
/// `S` is how the signatures are held: [`ChunkSignatures`] in memory; on the wire,
/// `Vec<`[`HashedSignature`](super::HashedSignature)`>` on versions 1 to 3,
/// `Vec<`[`Signature`](crate::keys::Signature)`>` on version 4 and
/// `Vec<`[`IndexedSignature`](super::IndexedSignature)`>` on version 5 (the only difference
/// between their encodings).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocSync<S = ChunkSignatures> {
    /// The space the document belongs to.
    pub space: SpaceId,
    /// The document.
    pub doc: DocId,
    /// Its kind (so a node that lacks the document can create it).
    pub kind: DocKind,
    /// An encoded Automerge sync message, or `None` when this side has nothing more to say.
    pub message: Option<Vec<u8>>,
    /// The signature of each change in `message`.
    pub signatures: S,
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
    /// Signatures in ascending order of change hash: one per change in `saved` (versions 2 to
    /// 4), or one per latest change of each author (version 5), see [`SnapshotSignatures`].
    pub signatures: SnapshotSignatures,
}

impl DocSnapshot {
    /// The same snapshot with its signatures as `version` sends them.
    pub(super) fn for_version(self, version: super::Version) -> Result<Self, super::NotSendable> {
        let DocSnapshot { space, doc, kind, saved, signatures } = self;
        Ok(DocSnapshot { space, doc, kind, saved, signatures: signatures.for_version(version)? })
    }

    /// Encoded size of a snapshot with `saved_len` bytes of document and `changes` signatures,
    /// as an upper bound (ids, kind and the postcard length prefixes included).
    pub fn encoded_len_bound(saved_len: usize, changes: usize) -> usize {
        saved_len + changes * 64 + 128
    }
}

/// A request on the sync protocol. `S` is how a [`DocSync`] holds its signatures (see there).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request<S = ChunkSignatures> {
    /// "Here is who I am and what I hold of the spaces we share."
    Hello {
        /// The sender's profile.
        from: Municipality,
        /// Spaces the receiver is a member of.
        spaces: Vec<SpaceSummary>,
    },
    /// A sync round.
    Sync(DocSync<S>),
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

/// A response on the sync protocol. `S` is how a [`DocSync`] holds its signatures (see there).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Response<S = ChunkSignatures> {
    /// The receiver's own hello.
    Hello {
        /// The responder's profile.
        from: Municipality,
        /// Spaces the requester is a member of.
        spaces: Vec<SpaceSummary>,
    },
    /// The next sync round.
    Sync(DocSync<S>),
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
