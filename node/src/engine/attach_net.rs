//! What the network asks of the engine about attachments: which files to fetch (and which
//! bytes to delete, after a removal), answering a partner's request for a chunk, and taking
//! in a chunk that arrived. The messages of `/twinmesh/blob/1` are defined here; the network
//! task (`net/blobs.rs`) only moves them.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::PublicKey,
};

use super::Engine;
use crate::{
    error::NodeError,
    identity::peer_id,
    store::blobs::{self, Hash},
};

/// The attachment transfer protocol.
pub const BLOB_PROTOCOL: &str = "/twinmesh/blob/1";

/// Which part of a file a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BlobPart {
    /// Its chunk list.
    Manifest,
    /// Chunk `n`.
    Chunk(u32),
}

/// A request for part of an attachment of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRequest {
    /// The document that carries the attachment: the asker must be a member of its space.
    pub doc: DocId,
    /// The SHA-256 of the file.
    pub file: Hash,
    /// What is asked for.
    pub part: BlobPart,
}

/// The answer to a [`BlobRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlobResponse {
    /// The chunk list.
    Manifest(Vec<u8>),
    /// The chunk.
    Chunk(Vec<u8>),
    /// This node does not hold it (yet).
    Missing,
    /// Not for the asker: not a member of the document's space, or no live attachment of the
    /// document has this hash (it was removed).
    Refused,
}

/// A file this node wants, and where to get it.
#[derive(Debug, Clone)]
pub struct Want {
    /// A document that carries it.
    pub doc: DocId,
    /// Its hash.
    pub file: Hash,
    /// Size in bytes.
    pub size: u64,
    /// Its chunk count.
    pub chunks: u32,
    /// Whether the chunk list is held.
    pub manifest: bool,
    /// The chunks not held (all of them while the chunk list is not held).
    pub missing: Vec<u32>,
    /// Bytes held.
    pub held: u64,
    /// The other members of the document's space (whom to ask).
    pub peers: Vec<libp2p::PeerId>,
}

/// What became of a part that arrived.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The chunks still missing (after a chunk list arrived).
    pub missing: Option<Vec<u32>>,
    /// Bytes held now.
    pub held: u64,
    /// True once the whole file is here and verified.
    pub complete: bool,
}

impl Engine {
    /// One step of the attachment worker: rereads changed documents (a few per call),
    /// deletes the bytes of removed attachments, and lists the files to fetch: every live
    /// attachment not held, if `eager`, else those asked for; within each space's cap.
    pub fn blob_plan(&mut self, eager: bool) -> Result<Vec<Want>, NodeError> {
        self.refresh_attach_index(16)?;
        let blobs = self.blobs();
        let mut live: HashMap<Hash, (DocId, SpaceId, &super::attachments::Entry)> = HashMap::new();
        let mut removed: HashSet<Hash> = HashSet::new();
        for (doc, (_, space, es)) in &self.attach.index {
            for e in es {
                let h = e.rec.file_hash();
                if e.removed.is_none() {
                    live.insert(h, (*doc, *space, e));
                } else {
                    removed.insert(h);
                }
            }
        }
        let gone: Vec<Hash> = removed.into_iter().filter(|h| !live.contains_key(h)).collect();
        let mut used: HashMap<SpaceId, u64> = HashMap::new();
        for (h, (_, space, _)) in &live {
            *used.entry(*space).or_default() += blobs.bytes_held(h);
        }
        let mut out = Vec::new();
        for (h, (doc, space, e)) in &live {
            if blobs.has(h) || !(eager || self.attach.wanted.contains(h)) {
                continue;
            }
            let held = blobs.bytes_held(h);
            if let Some(cap) = self.space_cap(space)?
                && used.get(space).copied().unwrap_or(0).saturating_sub(held).saturating_add(e.rec.size) > cap
            {
                continue;
            }
            let m = blobs.manifest(h, &e.rec.manifest_hash(), e.rec.size, e.rec.chunk_size);
            let chunks = blobs::chunk_count(e.rec.size, e.rec.chunk_size) as u32;
            let missing = match &m {
                Some(m) => {
                    blobs.held(h, m).iter().enumerate().filter(|(_, h)| !**h).map(|(i, _)| i as u32).collect()
                }
                None => (0..chunks).collect(),
            };
            let me = self.me.key;
            let peers = self
                .membership(space)?
                .members
                .values()
                .filter(|x| x.active && x.key != me)
                .map(|x| peer_id(&x.key))
                .collect();
            out.push(Want {
                doc: *doc,
                file: *h,
                size: e.rec.size,
                chunks,
                manifest: m.is_some(),
                missing,
                held,
                peers,
            });
        }
        for h in gone {
            if blobs.bytes_held(&h) > 0 || blobs.has(&h) || self.attach.wanted.contains(&h) {
                self.attach.wanted.remove(&h);
                if blobs.remove(&h)? {
                    tracing::info!(file = %blobs::hex(&h), "attachment removed by its record: its bytes are deleted");
                }
            }
        }
        Ok(out)
    }

    /// The live attachment record of `doc` for file `file`, if any.
    fn live_record(
        &mut self,
        doc: &DocId,
        file: &Hash,
    ) -> Result<Option<super::attachments::FileRecord>, NodeError> {
        Ok(self
            .attachment_entries(doc)?
            .into_iter()
            .find(|e| e.removed.is_none() && e.rec.file_hash() == *file)
            .map(|e| e.rec))
    }

    /// Answers a partner's request for part of an attachment.
    pub fn blob_serve(&mut self, asker: &PublicKey, req: &BlobRequest) -> Result<BlobResponse, NodeError> {
        let Some(meta) = self.stored_meta(&req.doc)? else { return Ok(BlobResponse::Refused) };
        if !self.is_member(&meta.space, asker)? {
            return Ok(BlobResponse::Refused);
        }
        let Some(rec) = self.live_record(&req.doc, &req.file)? else { return Ok(BlobResponse::Refused) };
        let blobs = self.blobs();
        let Some(m) = blobs.manifest(&req.file, &rec.manifest_hash(), rec.size, rec.chunk_size) else {
            return Ok(BlobResponse::Missing);
        };
        Ok(match req.part {
            BlobPart::Manifest => BlobResponse::Manifest(m.to_bytes()),
            BlobPart::Chunk(i) => {
                blobs.read_chunk(&req.file, &m, i).map_or(BlobResponse::Missing, BlobResponse::Chunk)
            }
        })
    }

    /// Takes in a part of an attachment from a partner, verified against the record (the
    /// chunk list against its hash, a chunk against the list, the joined file against its
    /// hash).
    ///
    /// # Errors
    /// [`NodeError::BadBlob`] if the bytes do not match (nothing is kept);
    /// [`NodeError::UnknownAttachment`] if no live attachment of `doc` has this file.
    pub fn blob_put(&mut self, req: &BlobRequest, bytes: &[u8]) -> Result<Stored, NodeError> {
        let rec = self
            .live_record(&req.doc, &req.file)?
            .ok_or_else(|| NodeError::UnknownAttachment(blobs::hex(&req.file)))?;
        let blobs = self.blobs();
        let (mh, size, cs) = (rec.manifest_hash(), rec.size, rec.chunk_size);
        match req.part {
            BlobPart::Manifest => {
                let m = blobs.put_manifest(&req.file, &mh, size, cs, bytes)?;
                let held = blobs.held(&req.file, &m);
                let missing = held.iter().enumerate().filter(|(_, h)| !**h).map(|(i, _)| i as u32).collect();
                Ok(Stored {
                    missing: Some(missing),
                    held: blobs.bytes_held(&req.file),
                    complete: blobs.has(&req.file),
                })
            }
            BlobPart::Chunk(i) => {
                let m = blobs.manifest(&req.file, &mh, size, cs).ok_or_else(|| {
                    NodeError::UnknownAttachment(format!("{}: chunk list not held", blobs::hex(&req.file)))
                })?;
                let complete = blobs.put_chunk(&req.file, &m, i, bytes)?;
                if complete {
                    self.attach.wanted.remove(&req.file);
                }
                Ok(Stored { missing: None, held: blobs.bytes_held(&req.file), complete })
            }
        }
    }
}
