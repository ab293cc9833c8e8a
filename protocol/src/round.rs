//! The checks every node makes of a received sync round before it uses any of it, and the
//! digest of a document's heads that hellos and announcements carry.
//!
//! A round is an Automerge sync message (V1) plus the signatures of the changes it carries.
//! [`open_round`] decodes it and checks it as a whole: at most one well-formed Bloom filter
//! (Automerge divides by the filter's bit count and allocates by its probe count when answering,
//! so a malformed filter could crash or exhaust a node), on version 4 exactly one signature
//! per change chunk, and on version 5 signatures named by increasing chunk index, each naming a
//! chunk of the message. A round that fails is refused whole and leaves no trace.

use automerge::{Change, ChangeHash, sync as am_sync};
use sha2::{Digest, Sha256};

use crate::{ids::DocId, wire::ChunkSignatures};

/// Most probes per entry accepted in a Bloom filter (Automerge uses 7).
pub const MAX_BLOOM_PROBES: u64 = 64;

/// Why a round was refused whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoundError {
    /// The bytes are not an Automerge sync message.
    #[error("undecodable sync message: {0}")]
    Undecodable(String),
    /// Automerge sends one filter per message; more is a peer's invention.
    #[error("more than one Bloom filter in the sync message")]
    TooManyBlooms,
    /// A filter with entries but no bits, an unreadable header, or an absurd probe count.
    #[error("malformed Bloom filter in the sync message")]
    BadBloom,
    /// A version-4 round whose signatures do not pair one to one with its change chunks.
    #[error(
        "sync round for document {doc} carries {chunks} change(s) but {signatures} signature(s) \
         (one per change, in order, is required); nothing of it was applied"
    )]
    SignatureCount {
        /// The document.
        doc: DocId,
        /// Change chunks in the message.
        chunks: usize,
        /// Signatures that came with them.
        signatures: usize,
    },
    /// A version-5 round naming a chunk it does not have, or naming chunks out of order or twice.
    #[error(
        "sync round for document {doc} carries {chunks} change(s) but names change {index} for a \
         signature (each signature names a change of the round, in increasing order); nothing of \
         it was applied"
    )]
    SignatureIndex {
        /// The document.
        doc: DocId,
        /// Change chunks in the message.
        chunks: usize,
        /// The first index out of place.
        index: u32,
    },
}

/// Refuses Bloom filters Automerge would choke on when answering: more than one, an empty bit
/// array with entries (a division by zero) or an absurd probe count (a huge allocation).
///
/// # Errors
/// [`RoundError::TooManyBlooms`] or [`RoundError::BadBloom`].
pub fn check_blooms(m: &am_sync::Message) -> Result<(), RoundError> {
    if m.have.len() > 1 {
        return Err(RoundError::TooManyBlooms);
    }
    for have in &m.have {
        if !bloom_ok(&have.bloom.to_bytes()) {
            return Err(RoundError::BadBloom);
        }
    }
    Ok(())
}

/// A Bloom filter's encoding: empty (no entries, never probed), or three LEB128 numbers
/// (entries, probes, bits per entry) followed by a non-empty bit array, with 1 to
/// [`MAX_BLOOM_PROBES`] probes.
fn bloom_ok(bytes: &[u8]) -> bool {
    fn leb(b: &[u8]) -> Option<(u64, &[u8])> {
        let mut v: u64 = 0;
        for (i, byte) in b.iter().enumerate().take(10) {
            v |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Some((v, &b[i + 1..]));
            }
        }
        None
    }
    bytes.is_empty()
        || leb(bytes)
            .and_then(|(_, r)| leb(r))
            .and_then(|(_, r)| leb(r))
            .is_some_and(|(probes, bits)| (1..=MAX_BLOOM_PROBES).contains(&probes) && !bits.is_empty())
}

/// Decodes a round's Automerge message and checks it as a whole, before anything of it is used
/// or any state changes (see the module docs).
///
/// # Errors
/// Any [`RoundError`]; nothing of a refused round may be applied.
pub fn open_round(
    doc: &DocId,
    message: Option<&[u8]>,
    signatures: &ChunkSignatures,
) -> Result<Option<am_sync::Message>, RoundError> {
    let m = message
        .map(|bytes| am_sync::Message::decode(bytes).map_err(|e| RoundError::Undecodable(e.to_string())))
        .transpose()?;
    if let Some(m) = &m {
        check_blooms(m)?;
    }
    let chunks = m.as_ref().map_or(0, |m| m.changes.len());
    match signatures {
        ChunkSignatures::InOrder(sigs) if sigs.len() != chunks => {
            return Err(RoundError::SignatureCount { doc: *doc, chunks, signatures: sigs.len() });
        }
        ChunkSignatures::Indexed(sigs) => {
            let mut next = 0u64;
            for (index, _) in sigs {
                if u64::from(*index) < next || *index as usize >= chunks {
                    return Err(RoundError::SignatureIndex { doc: *doc, chunks, index: *index });
                }
                next = u64::from(*index) + 1;
            }
        }
        _ => {}
    }
    Ok(m)
}

/// Chunk type byte of a compressed Automerge change (after 4 magic and 4 checksum bytes).
const COMPRESSED_CHANGE_CHUNK: u8 = 2;

/// Parses a change that came from a partner or a file. Compressed change chunks are refused:
/// honest nodes send raw chunks (Automerge's sync and the node's bundles do), and Automerge
/// inflates a compressed one without any size bound.
///
/// # Errors
/// Why the chunk is not a change this node takes.
pub fn parse_incoming_change(bytes: Vec<u8>) -> Result<Change, String> {
    if bytes.get(8) == Some(&COMPRESSED_CHANGE_CHUNK) {
        return Err("compressed change chunks are not accepted".into());
    }
    Change::from_bytes(bytes).map_err(|e| e.to_string())
}

/// SHA-256 over a document's heads in sorted order: what hellos and announcements carry, so a
/// partner sees whether a document differs without being sent its heads. The order the heads
/// come in does not matter.
pub fn heads_digest(heads: &[ChangeHash]) -> [u8; 32] {
    let mut sorted = heads.to_vec();
    sorted.sort();
    let mut h = Sha256::new();
    for head in sorted {
        h.update(head.0);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;

    /// A version-5 round names chunks by increasing index inside the message, or is refused
    /// whole before anything of it is used.
    #[test]
    fn a_version_5_round_names_its_chunks_in_order_or_is_refused() {
        let sig = SecretKey::from_bytes([1; 32]).sign(b"x");
        let doc = DocId::from_bytes([1; 16]);
        let m = am_sync::Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: am_sync::ChunkList::from(vec![vec![1u8], vec![2u8]]),
            flags: None,
            version: am_sync::MessageVersion::V1,
        }
        .encode();
        let open = |idx: Vec<u32>| {
            open_round(&doc, Some(&m), &ChunkSignatures::Indexed(idx.into_iter().map(|i| (i, sig)).collect()))
        };
        assert!(open(vec![]).is_ok());
        assert!(open(vec![1]).is_ok());
        assert!(open(vec![0, 1]).is_ok());
        for bad in [vec![2], vec![1, 0], vec![0, 0], vec![u32::MAX]] {
            assert!(matches!(open(bad.clone()), Err(RoundError::SignatureIndex { .. })), "{bad:?}");
        }
    }
}
