//! Attachments: files a document carries (an evidence register: signed attendance lists, the
//! partnership agreement, photos).
//!
//! The bytes live outside Automerge, content-addressed in the blob directory
//! ([`crate::store::blobs`]); the document holds signed records, reserved root keys like the
//! versions' (see `versions.rs`), one key per record so two towns attaching at once never
//! write the same key:
//!
//! - `_file/{town PeerId}/{id}`: the attachment: file name, media type, size, the SHA-256 of
//!   the file and of its chunk list, the chunk size, who attached it and when, a caption.
//!   Only the town named in the key may write it (it is the change's author).
//! - `_file_removed/{town PeerId}/{id}`: its removal (who, when, why). Written by the town
//!   that attached the file or by an admin of the space; the attachment's record stays, so the
//!   history keeps a signed record that the file existed and was removed. Every node that
//!   sees a removal deletes the bytes and never serves or fetches them again.
//!
//! The rules every node enforces on receipt are in `check_op` (called by
//! `versions::check_change`). Fetching and serving the bytes is in `attach_net.rs`.

use std::collections::{HashMap, HashSet};

use automerge::{ReadDoc, Value};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    validity::Reserved,
};

use super::{AttachmentInfo, Engine, new_item_id, now};
use crate::{
    error::NodeError,
    identity::peer_id,
    store::{
        Batch, Table,
        blobs::{self, Blobs, Hash, MAX_CHUNK_SIZE, MAX_FILE_SIZE, MIN_CHUNK_SIZE},
    },
};

/// Root key prefix of an attachment record: `_file/{town}/{id}`.
pub const FILE_PREFIX: &str = "_file/";
/// Root key prefix of a removal record: `_file_removed/{town}/{id}`.
pub const REMOVED_PREFIX: &str = "_file_removed/";
/// Longest file name, media type or caption, in characters.
pub const MAX_NAME_LEN: usize = 255;
/// Longest caption or removal reason, in characters.
pub const MAX_CAPTION_LEN: usize = 1000;
/// Meta key prefix of a space's disk cap (`u64` big-endian bytes).
pub(crate) const CAP_PREFIX: &str = "attach_cap/";

/// An attachment record, as stored (JSON) under `_file/{town}/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileRecord {
    pub(crate) name: String,
    pub(crate) media_type: String,
    pub(crate) size: u64,
    /// SHA-256 of the whole file, hex.
    pub(crate) hash: String,
    pub(crate) chunk_size: u32,
    /// SHA-256 of the chunk list, hex.
    pub(crate) manifest: String,
    /// The attaching town's PeerId; must be the change's author.
    pub(crate) by: String,
    #[serde(default)]
    pub(crate) officer: Option<String>,
    /// Milliseconds since the epoch.
    pub(crate) at: i64,
    #[serde(default)]
    pub(crate) caption: Option<String>,
}

/// A removal record, as stored under `_file_removed/{town}/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemovalRecord {
    /// The removing town's PeerId; must be the change's author.
    pub(crate) by: String,
    #[serde(default)]
    pub(crate) officer: Option<String>,
    pub(crate) at: i64,
    pub(crate) reason: String,
}

fn text_ok(s: &str, max: usize) -> bool {
    s.chars().count() <= max && !s.chars().any(char::is_control)
}

fn id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl FileRecord {
    fn well_formed(&self) -> bool {
        !self.name.is_empty()
            && text_ok(&self.name, MAX_NAME_LEN)
            && !self.name.contains(['/', '\\'])
            && text_ok(&self.media_type, MAX_NAME_LEN)
            && self.size <= MAX_FILE_SIZE
            && (MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&self.chunk_size)
            && self.chunk_size.is_power_of_two()
            && blobs::parse_hash(&self.hash).is_some()
            && blobs::parse_hash(&self.manifest).is_some()
            && self.caption.as_deref().is_none_or(|c| text_ok(c, MAX_CAPTION_LEN))
    }

    pub(crate) fn file_hash(&self) -> Hash {
        blobs::parse_hash(&self.hash).unwrap_or_default()
    }

    pub(crate) fn manifest_hash(&self) -> Hash {
        blobs::parse_hash(&self.manifest).unwrap_or_default()
    }
}

/// True for a root key under which attachments keep their records.
pub(crate) fn is_reserved(key: &str) -> bool {
    key.starts_with(FILE_PREFIX) || key.starts_with(REMOVED_PREFIX)
}

/// The rule for one reserved attachment record `text` written under root `key` by the town
/// `author` (`admin`: the author is an admin of the space). `None` if `key` is not an
/// attachment key.
pub(crate) fn check_op(key: &str, text: &str, author: &str, admin: bool) -> Option<Reserved> {
    if let Some(rest) = key.strip_prefix(FILE_PREFIX) {
        let ok = rest.split_once('/').is_some_and(|(town, id)| town == author && id_ok(id));
        let rec = serde_json::from_str::<FileRecord>(text).ok().filter(|r| r.well_formed() && r.by == author);
        return Some(match (ok, rec) {
            (true, Some(_)) => Reserved::Fine,
            (false, _) => Reserved::Forged(format!(
                "'{key}' is an attachment record of another town, but {author} signed it; only a town may record its own attachments"
            )),
            (true, None) => Reserved::Forged(format!("'{key}' is not a well-formed attachment record")),
        });
    }
    let rest = key.strip_prefix(REMOVED_PREFIX)?;
    let Some((town, id)) = rest.split_once('/').filter(|(_, id)| id_ok(id)) else {
        return Some(Reserved::Forged(format!("'{key}' names no attachment")));
    };
    let Some(rec) = serde_json::from_str::<RemovalRecord>(text)
        .ok()
        .filter(|r| r.by == author && text_ok(&r.reason, MAX_CAPTION_LEN))
    else {
        return Some(Reserved::Forged(format!("'{key}' is not a well-formed removal record by its signer")));
    };
    let _ = (rec, id);
    Some(if town == author || admin {
        Reserved::Fine
    } else {
        Reserved::AdminOnly(format!(
            "only the town that attached a file or an admin may remove it ('{key}' is by {author})"
        ))
    })
}

/// One attachment of a document as read from it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// The attachment's id (the last part of its key).
    pub(crate) id: String,
    /// The attaching town (the key's middle part).
    pub(crate) town: String,
    pub(crate) rec: FileRecord,
    pub(crate) removed: Option<RemovalRecord>,
}

/// Every attachment record of `doc` (with its removal, if any), oldest first. A record whose
/// key does not name its writer never reaches a document (refused on receipt), and is
/// skipped here too.
pub(crate) fn entries(doc: &automerge::Automerge) -> Vec<Entry> {
    let get = |key: &str| -> Option<String> {
        match doc.get(automerge::ROOT, key).ok()?? {
            (Value::Scalar(s), _) => s.as_str().map(str::to_string),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for key in doc.keys(automerge::ROOT) {
        let Some(rest) = key.strip_prefix(FILE_PREFIX) else { continue };
        let Some((town, id)) = rest.split_once('/') else { continue };
        let Some(rec) = get(&key).and_then(|t| serde_json::from_str::<FileRecord>(&t).ok()) else { continue };
        if rec.by != town || !rec.well_formed() {
            continue;
        }
        let removed = get(&format!("{REMOVED_PREFIX}{rest}")).and_then(|t| serde_json::from_str(&t).ok());
        out.push(Entry { id: id.to_string(), town: town.to_string(), rec, removed });
    }
    out.sort_by(|a, b| a.rec.at.cmp(&b.rec.at).then(a.id.cmp(&b.id)));
    out
}

/// Options of a new attachment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AttachOptions {
    /// The name to record (default: the file's own name).
    pub name: Option<String>,
    /// The media type (default: guessed from the name's extension).
    pub media_type: Option<String>,
    /// A caption.
    pub caption: Option<String>,
}

/// A document's attachments as last read: the (changes, updated) stamp of its metadata then,
/// its space, and its records.
pub(crate) type Indexed = ((u64, i64), SpaceId, Vec<Entry>);

/// A document's attachments as the AttachIndex table keeps them: read at `stamp` (the
/// document's `(changes, updated)`). JSON, so a record written by another build that does not
/// read is only a stale entry: the document is read again.
#[derive(Debug, Serialize, Deserialize)]
struct StoredIndex {
    stamp: (u64, i64),
    entries: Vec<Entry>,
}

/// The engine's attachment state that is not in the store (the AttachIndex table keeps a copy
/// of `index` across restarts).
#[derive(Debug, Default)]
pub(crate) struct AttachState {
    /// Per document: the (changes, updated) stamp its attachments were read at, and them.
    pub(crate) index: HashMap<DocId, Indexed>,
    /// Attachments asked for on demand (`twin doc attachment fetch`), by file hash.
    pub(crate) wanted: HashSet<Hash>,
}

/// A media type guessed from a file name's extension.
fn guess_media_type(name: &str) -> String {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "mp4" => "video/mp4",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
    .to_string()
}

fn clean(s: Option<&str>, max: usize) -> Option<String> {
    s.map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| o.chars().filter(|c| !c.is_control()).take(max).collect())
}

impl Engine {
    /// The blob directory.
    pub(crate) fn blobs(&self) -> Blobs {
        Blobs::at(&self.dir.root().join("blobs"))
    }

    /// The attachments of `id`, read from the document.
    pub(crate) fn attachment_entries(&mut self, id: &DocId) -> Result<Vec<Entry>, NodeError> {
        Ok(entries(self.load(id)?))
    }

    /// One attachment of `id` by its id.
    pub(crate) fn attachment_entry(&mut self, id: &DocId, which: &str) -> Result<Entry, NodeError> {
        self.attachment_entries(id)?
            .into_iter()
            .find(|e| e.id == which.trim())
            .ok_or_else(|| NodeError::UnknownAttachment(which.to_string()))
    }

    /// Attaches the file at `src` to `id`: its bytes go into the blob directory (cut into
    /// chunks, hashed), its record into the document as one signed change. `progress(done,
    /// total)` follows the reading of the file.
    ///
    /// # Errors
    /// [`NodeError::OverCap`] if the file would take the space over its cap; an error for a
    /// file over [`MAX_FILE_SIZE`] or that cannot be read.
    pub fn attach(
        &mut self,
        id: &DocId,
        src: &std::path::Path,
        opts: &AttachOptions,
        officer: Option<&str>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<AttachmentInfo, NodeError> {
        let meta = self.doc_meta(id)?;
        self.check_can_write(&meta.space)?;
        let file_name = src.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = clean(opts.name.as_deref(), MAX_NAME_LEN).unwrap_or(file_name).replace(['/', '\\'], "_");
        if name.is_empty() {
            return Err(NodeError::InvalidInput("an attachment needs a file name".into()));
        }
        let size = std::fs::metadata(src).map_err(|e| NodeError::io(src, e))?.len();
        if size > MAX_FILE_SIZE {
            return Err(NodeError::InvalidInput(format!(
                "{} is {size} bytes; an attachment may be at most {MAX_FILE_SIZE} bytes (512 MiB)",
                src.display()
            )));
        }
        let usage = self.space_usage(&meta.space)?;
        if let Some(cap) = usage.cap
            && usage.used.saturating_add(size) > cap
        {
            return Err(NodeError::OverCap { used: usage.used, size, cap });
        }
        let imported = self.blobs().import_file(src, blobs::DEFAULT_CHUNK_SIZE, progress)?;
        self.record_attachment(id, &name, opts, imported, officer)
    }

    /// Writes the record of a file already in the blob directory (see [`Engine::attach`]).
    pub(crate) fn record_attachment(
        &mut self,
        id: &DocId,
        name: &str,
        opts: &AttachOptions,
        imported: blobs::Imported,
        officer: Option<&str>,
    ) -> Result<AttachmentInfo, NodeError> {
        let me = peer_id(&self.me.key).to_string();
        let rec = FileRecord {
            name: name.to_string(),
            media_type: clean(opts.media_type.as_deref(), MAX_NAME_LEN)
                .unwrap_or_else(|| guess_media_type(name)),
            size: imported.manifest.size,
            hash: blobs::hex(&imported.hash),
            chunk_size: imported.manifest.chunk_size,
            manifest: blobs::hex(&imported.manifest.hash()),
            by: me.clone(),
            officer: clean(officer, MAX_NAME_LEN),
            at: now().as_millis(),
            caption: clean(opts.caption.as_deref(), MAX_CAPTION_LEN),
        };
        if !rec.well_formed() {
            return Err(NodeError::InvalidInput(format!(
                "'{name}' cannot be recorded as an attachment name"
            )));
        }
        let aid = new_item_id();
        let summary = format!("attached '{}' ({} bytes, sha256 {})", rec.name, rec.size, rec.hash);
        self.write_record(id, &format!("{FILE_PREFIX}{me}/{aid}"), &rec, summary, officer)?;
        self.attachment(id, &aid)
    }

    /// Records the removal of attachment `which` of `id` (by the town that attached it or an
    /// admin) and deletes its bytes here; partners delete theirs when the removal reaches them.
    pub fn remove_attachment(
        &mut self,
        id: &DocId,
        which: &str,
        reason: &str,
        officer: Option<&str>,
    ) -> Result<AttachmentInfo, NodeError> {
        let meta = self.doc_meta(id)?;
        let e = self.attachment_entry(id, which)?;
        let me = peer_id(&self.me.key).to_string();
        if e.town != me && !self.membership(&meta.space)?.is_admin(&self.me.key) {
            return Err(NodeError::NotAllowed(
                "only the town that attached a file or an admin of the space can remove it".into(),
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() || !text_ok(reason, MAX_CAPTION_LEN) {
            return Err(NodeError::InvalidInput(format!(
                "give the reason for the removal (1 to {MAX_CAPTION_LEN} characters)"
            )));
        }
        if e.removed.is_none() {
            let rec = RemovalRecord {
                by: me,
                officer: clean(officer, MAX_NAME_LEN),
                at: now().as_millis(),
                reason: reason.to_string(),
            };
            let summary = format!("removed attachment '{}' (sha256 {}): {reason}", e.rec.name, e.rec.hash);
            let key = format!("{REMOVED_PREFIX}{}/{}", e.town, e.id);
            self.write_record(id, &key, &rec, summary, officer)?;
        }
        self.delete_unless_live(&e.rec.file_hash())?;
        self.attachment(id, which)
    }

    /// Deletes the bytes of `hash` unless a live (not removed) attachment of a document held
    /// here still names it. True if bytes were deleted.
    pub(crate) fn delete_unless_live(&mut self, hash: &Hash) -> Result<bool, NodeError> {
        self.refresh_attach_index(usize::MAX)?;
        let live = self
            .attach
            .index
            .values()
            .flat_map(|(_, _, es)| es)
            .any(|e| e.removed.is_none() && e.rec.file_hash() == *hash);
        if live {
            return Ok(false);
        }
        self.attach.wanted.remove(hash);
        self.blobs().remove(hash)
    }

    /// Rereads the attachments of documents that changed since they were last read (at most
    /// `max` of them; the rest wait for the next call), forgetting deleted documents.
    pub(crate) fn refresh_attach_index(&mut self, max: usize) -> Result<(), NodeError> {
        let mut seen = HashSet::new();
        let mut stale = Vec::new();
        for (k, v) in self.store.scan(Table::Docs, &[])? {
            let Some(id) = DocId::from_slice(&k) else { continue };
            let meta: super::DocMeta = super::decode("document metadata", &v)?;
            seen.insert(id);
            let stamp = (meta.changes, meta.updated.0);
            if self.attach.index.get(&id).is_none_or(|(s, _, _)| *s != stamp) {
                stale.push((id, stamp, meta.space));
            }
        }
        self.attach.index.retain(|id, _| seen.contains(id));
        // What the store remembers at the same stamp needs no load; documents read now are
        // remembered, in one batch.
        let mut remember = Batch::default();
        for (id, stamp, space) in stale.into_iter().take(max) {
            let stored = self.store.get(Table::AttachIndex, id.as_bytes())?;
            let es = match stored.and_then(|v| serde_json::from_slice::<StoredIndex>(&v).ok()) {
                Some(r) if r.stamp == stamp => r.entries,
                _ => {
                    let es = entries(self.load(&id)?);
                    let record = StoredIndex { stamp, entries: es };
                    if let Ok(v) = serde_json::to_vec(&record) {
                        remember.put(Table::AttachIndex, id.as_bytes().to_vec(), v);
                    }
                    record.entries
                }
            };
            self.attach.index.insert(id, (stamp, space, es));
        }
        if !remember.is_empty() {
            self.store.commit(remember)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
