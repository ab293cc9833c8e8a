//! Messages between nodes on the sync protocol [`SYNC_PROTOCOL`].
//!
//! Each request and response is one frame: a 4-byte big-endian length, then the body: the
//! postcard encoding of [`Request`] or [`Response`] as the negotiated [`Version`] carries it
//! ([`Request::to_wire`], [`Request::from_wire`]), preceded on version 3 and later by a tag byte
//! that says whether it is compressed. A frame larger than [`MAX_MESSAGE_BYTES`] is refused
//! before it is read. Bump the protocol name's version for any incompatible change.
//!
//! The versions differ, besides framing, only in which signatures travel and how they are
//! paired with changes: versions 1 to 3 carry a `(change hash, signature)` pair per change of a
//! round, version 4 one signature per change chunk in chunk order, version 5
//! `(chunk index, signature)` for each author's latest changes only (the others are proven
//! through them, see [`crate::vouch`]); a snapshot lists every change's signature up to version
//! 4 and each author's latest on version 5. In memory a [`DocSync`] holds any of these forms
//! ([`ChunkSignatures`]); a node builds [`ChunkSignatures::Outgoing`] (hash, signature if kept,
//! latest or not, per chunk), from which the codec writes the form of the negotiated version.

//!
//! One file per part: the protocol names and [`Version`]s in `version.rs`; the messages in
//! `messages.rs`; the two forms of a round's signatures and the conversion of a message to and
//! from a version's wire form in `forms.rs`; the limits, the gossip topic and the encoding here.

mod forms;
mod messages;
mod version;

use serde::{Deserialize, Serialize};

use crate::ids::SpaceId;

pub use forms::{
    ChunkSignatures, HashedSignature, IndexedSignature, NotSendable, OutgoingSignature, SnapshotSignatures,
};
pub use messages::{Announce, DocSnapshot, DocSummary, DocSync, Refusal, Request, Response, SpaceSummary};
pub use version::{
    FRAME_DEFLATE, FRAME_PLAIN, SYNC_PROTOCOL, SYNC_PROTOCOL_V1, SYNC_PROTOCOL_V2, SYNC_PROTOCOL_V3,
    SYNC_PROTOCOL_V4, Version, is_v1_request, is_v1_response,
};

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
mod tests;
