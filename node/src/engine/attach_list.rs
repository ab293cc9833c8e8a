//! Attachments as listed, and what a space's attachments take on this node (its cap).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use twinmesh_protocol::ids::{DocId, SpaceId};

use super::{
    Engine,
    attachments::{CAP_PREFIX, Entry},
};
use crate::{
    error::NodeError,
    store::{
        Batch, Table,
        blobs::{self},
    },
};

/// An attachment as listed (`twin doc attachments`, `GET /api/v1/docs/{id}/attachments`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttachmentInfo {
    /// Its id.
    pub id: String,
    /// The file name.
    pub name: String,
    /// The media type (`application/pdf`).
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the file, hex.
    pub hash: String,
    /// Chunk size in bytes.
    pub chunk_size: u32,
    /// The attaching town (PeerId) and its name.
    pub by: String,
    /// Likewise, the name.
    pub by_name: String,
    /// The officer who attached it.
    pub officer: Option<String>,
    /// When (milliseconds since the epoch).
    pub at: i64,
    /// Likewise, RFC 3339.
    pub at_utc: String,
    /// Its caption.
    pub caption: Option<String>,
    /// `downloaded`, `downloading`, `not-downloaded` or `removed`.
    pub state: String,
    /// Bytes of it on this node.
    pub held: u64,
    /// Its removal, if removed.
    pub removed: Option<RemovalInfo>,
}

/// A removal as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemovalInfo {
    /// The removing town (PeerId) and its name.
    pub by: String,
    /// Likewise, the name.
    pub by_name: String,
    /// The officer.
    pub officer: Option<String>,
    /// When (milliseconds since the epoch).
    pub at: i64,
    /// Why.
    pub reason: String,
}

/// What a space's attachments take on this node.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpaceUsage {
    /// The space.
    pub space: SpaceId,
    /// Bytes of attachments held (each file counted once).
    pub used: u64,
    /// The cap, if one is set.
    pub cap: Option<u64>,
}

impl Engine {
    /// Attachment `which` of `id`, as listed.
    pub fn attachment(&mut self, id: &DocId, which: &str) -> Result<AttachmentInfo, NodeError> {
        let e = self.attachment_entry(id, which)?;
        let names = self.known_municipalities()?;
        Ok(self.info(&names, e))
    }

    /// Every attachment of `id`, oldest first.
    pub fn attachments(&mut self, id: &DocId) -> Result<Vec<AttachmentInfo>, NodeError> {
        let es = self.attachment_entries(id)?;
        let names = self.known_municipalities()?;
        Ok(es.into_iter().map(|e| self.info(&names, e)).collect())
    }

    fn info(
        &self,
        names: &HashMap<[u8; 32], twinmesh_protocol::space::Municipality>,
        e: Entry,
    ) -> AttachmentInfo {
        let name_of = |town: &str| {
            town.parse::<libp2p::PeerId>()
                .ok()
                .and_then(|p| crate::identity::key_of_peer(&p))
                .and_then(|k| names.get(&k.to_bytes()))
                .map(|m| m.name.clone())
                .unwrap_or_else(|| town.to_string())
        };
        let blobs = self.blobs();
        let hash = e.rec.file_hash();
        let held = if e.removed.is_some() { 0 } else { blobs.bytes_held(&hash) };
        let state = match (&e.removed, blobs.has(&hash)) {
            (Some(_), _) => "removed",
            (None, true) => "downloaded",
            (None, false) if held > 0 => "downloading",
            (None, false) => "not-downloaded",
        };
        AttachmentInfo {
            id: e.id,
            by_name: name_of(&e.rec.by),
            name: e.rec.name,
            media_type: e.rec.media_type,
            size: e.rec.size,
            hash: e.rec.hash,
            chunk_size: e.rec.chunk_size,
            by: e.rec.by,
            officer: e.rec.officer,
            at: e.rec.at,
            at_utc: twinmesh_protocol::time::Timestamp(e.rec.at).to_rfc3339(),
            caption: e.rec.caption,
            state: state.into(),
            held,
            removed: e.removed.map(|r| RemovalInfo {
                by_name: name_of(&r.by),
                by: r.by,
                officer: r.officer,
                at: r.at,
                reason: r.reason,
            }),
        }
    }

    /// The path of attachment `which`'s complete file on this node.
    ///
    /// # Errors
    /// [`NodeError::UnknownAttachment`] if it was removed or is not (yet) here.
    pub fn attachment_file(
        &mut self,
        id: &DocId,
        which: &str,
    ) -> Result<(AttachmentInfo, std::path::PathBuf), NodeError> {
        let info = self.attachment(id, which)?;
        let hash = blobs::parse_hash(&info.hash).unwrap_or_default();
        if info.removed.is_some() || !self.blobs().has(&hash) {
            return Err(NodeError::UnknownAttachment(format!(
                "{which} ({}: {})",
                info.name,
                if info.removed.is_some() { "removed" } else { "not downloaded yet" }
            )));
        }
        Ok((info, self.blobs().path(&hash)))
    }

    /// Asks for attachment `which` to be fetched from partners (an on-demand node fetches
    /// only these).
    pub fn want_attachment(&mut self, id: &DocId, which: &str) -> Result<AttachmentInfo, NodeError> {
        let e = self.attachment_entry(id, which)?;
        if e.removed.is_some() {
            return Err(NodeError::UnknownAttachment(format!("{which} ({}: removed)", e.rec.name)));
        }
        self.attach.wanted.insert(e.rec.file_hash());
        self.attachment(id, which)
    }

    /// What `space`'s attachments take on this node, and its cap.
    pub fn space_usage(&mut self, space: &SpaceId) -> Result<SpaceUsage, NodeError> {
        self.space(space)?;
        let mut hashes = HashSet::new();
        for d in self.docs(Some(space))? {
            for e in self.attachment_entries(&d.id)? {
                if e.removed.is_none() {
                    hashes.insert(e.rec.file_hash());
                }
            }
        }
        let blobs = self.blobs();
        let used = hashes.iter().map(|h| blobs.bytes_held(h)).sum();
        Ok(SpaceUsage { space: *space, used, cap: self.space_cap(space)? })
    }

    /// The disk cap of `space`'s attachments on this node, if set.
    pub fn space_cap(&self, space: &SpaceId) -> Result<Option<u64>, NodeError> {
        let key = format!("{CAP_PREFIX}{space}");
        Ok(self
            .store
            .get(Table::Meta, key.as_bytes())?
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map(u64::from_be_bytes))
    }

    /// Sets (or with `None`, lifts) the disk cap of `space`'s attachments on this node. Files
    /// already held stay; adding or fetching beyond the cap is refused.
    pub fn set_space_cap(&mut self, space: &SpaceId, cap: Option<u64>) -> Result<SpaceUsage, NodeError> {
        self.space(space)?;
        let key = format!("{CAP_PREFIX}{space}");
        let mut b = Batch::default();
        match cap {
            Some(c) => b.put(Table::Meta, key.into_bytes(), c.to_be_bytes().to_vec()),
            None => b.remove(Table::Meta, key.into_bytes()),
        };
        self.store.commit(b)?;
        self.space_usage(space)
    }
}
