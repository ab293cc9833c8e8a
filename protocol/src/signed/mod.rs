//! Signed Automerge changes.
//!
//! Every change a node makes is signed by the municipality's key over
//! `"twinmesh/change/v1" ‖ doc_id (16 bytes) ‖ change_hash (32 bytes)`.
//! The change hash covers the change's bytes (actor, seq, deps, ops, time, message), so the
//! signature covers all of them; the doc id stops a change being replayed into another document.
//!
//! The author of a change is read from its Automerge actor id, which is the author's 32-byte
//! public key followed by a [`ACTOR_SUFFIX_LEN`]-byte per-installation suffix.

//!
//! One file per part: the signed payload, actor ids and signing are here; verification, one
//! change or a batch, in `verify.rs`; the batch's coefficients in `coefficients.rs`; the
//! small-order `R` check in `small_order.rs`.

mod coefficients;
mod small_order;
mod verify;

use automerge::{ActorId, ChangeHash};

use crate::{
    ids::DocId,
    keys::{PublicKey, SecretKey, Signature},
};

pub use verify::{ChangeToVerify, verify_batch, verify_change};

/// The domain-separation prefix of every change signature. Bump the version to change the
/// signed payload; never reuse a prefix for another payload.
pub const CHANGE_DOMAIN: &[u8] = b"twinmesh/change/v1";

/// Length of the random per-installation suffix of an actor id.
pub const ACTOR_SUFFIX_LEN: usize = 16;

/// Length of a town's actor id: its 32-byte public key and the suffix.
pub const ACTOR_LEN: usize = 32 + ACTOR_SUFFIX_LEN;

/// Why a change was rejected. Every node gives the same answer for the same change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeRejection {
    /// No signature came with the change.
    #[error("change {hash} is unsigned")]
    Unsigned {
        /// The change's hash.
        hash: ChangeHash,
    },
    /// The actor id does not carry a valid public key, so nobody can be its author.
    #[error("change {hash} has actor id {actor}, which names no municipality key")]
    NoAuthor {
        /// The change's hash.
        hash: ChangeHash,
        /// The actor id found.
        actor: String,
    },
    /// The signature does not verify against the author's key for this document. This is the
    /// answer for forged and tampered changes and for changes replayed from another document.
    #[error("change {hash} has a bad signature (forged, tampered, or from another document)")]
    BadSignature {
        /// The change's hash.
        hash: ChangeHash,
    },
    /// The signature is good, but its author may not write to the document's space.
    #[error("change {hash} is by {author}, who is not a member allowed to write to this space")]
    Unauthorized {
        /// The change's hash.
        hash: ChangeHash,
        /// The author's key (hex).
        author: String,
    },
    /// The change bytes could not be parsed.
    #[error("malformed change: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
}

impl ChangeRejection {
    /// The hash of the rejected change, if it could be parsed.
    pub fn hash(&self) -> Option<ChangeHash> {
        match self {
            Self::Unsigned { hash }
            | Self::NoAuthor { hash, .. }
            | Self::BadSignature { hash }
            | Self::Unauthorized { hash, .. } => Some(*hash),
            Self::Malformed { .. } => None,
        }
    }
}

/// Builds the actor id for a municipality key and an installation suffix.
pub fn actor_id(key: &PublicKey, suffix: [u8; ACTOR_SUFFIX_LEN]) -> ActorId {
    let mut bytes = Vec::with_capacity(32 + ACTOR_SUFFIX_LEN);
    bytes.extend_from_slice(&key.to_bytes());
    bytes.extend_from_slice(&suffix);
    ActorId::from(bytes)
}

/// Reads the author's public key out of an actor id, or `None` if the actor id is not of the
/// Twinmesh form (wrong length, or not a valid, non-weak curve point).
pub fn author_of(actor: &ActorId) -> Option<PublicKey> {
    let bytes = actor.to_bytes();
    if bytes.len() != 32 + ACTOR_SUFFIX_LEN {
        return None;
    }
    let key = PublicKey::from_bytes(&bytes[..32]).ok()?;
    if key.inner().is_weak() {
        return None;
    }
    Some(key)
}

/// The exact bytes that are signed for a change.
pub fn signing_payload(doc: &DocId, hash: &ChangeHash) -> [u8; CHANGE_DOMAIN.len() + 16 + 32] {
    let mut out = [0u8; CHANGE_DOMAIN.len() + 16 + 32];
    out[..CHANGE_DOMAIN.len()].copy_from_slice(CHANGE_DOMAIN);
    out[CHANGE_DOMAIN.len()..CHANGE_DOMAIN.len() + 16].copy_from_slice(doc.as_bytes());
    out[CHANGE_DOMAIN.len() + 16..].copy_from_slice(&hash.0);
    out
}

/// Signs a change of `doc`.
pub fn sign_change(key: &SecretKey, doc: &DocId, hash: &ChangeHash) -> Signature {
    key.sign(&signing_payload(doc, hash))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
