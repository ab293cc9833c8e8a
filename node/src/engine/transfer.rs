//! History, export and import of signed documents.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    export::DocExport,
    ids::{DocId, SpaceId},
    keys::Signature,
    signed::{self, ChangeRejection},
    time::Timestamp,
};

use super::{DocMeta, Engine, edit::parse_message, encode, now, view};
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

/// Whether a change's signature checked out when the history was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureStatus {
    /// Signed by the author named in the actor id, for this document.
    Verified,
    /// No signature is stored.
    Missing,
    /// The stored signature does not verify.
    Invalid,
}

/// One change in a document's history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Change hash (hex).
    pub hash: String,
    /// The author's key (hex), if the actor id names one.
    pub author_key: Option<String>,
    /// The author's PeerId.
    pub author_id: Option<String>,
    /// The author municipality's name, if known here.
    pub author: Option<String>,
    /// The officer named in the commit message.
    pub officer: Option<String>,
    /// Commit time as the author's clock recorded it.
    pub time: Timestamp,
    /// RFC 3339 form of `time`.
    pub time_utc: String,
    /// What changed.
    pub message: String,
    /// Sequence number of the change for its actor.
    pub seq: u64,
    /// Signature check result.
    pub signature: SignatureStatus,
    /// True if the change is part of the document; false if it was refused and kept aside.
    #[serde(default = "yes")]
    pub accepted: bool,
    /// Why a refused change was refused.
    #[serde(default)]
    pub refused_because: Option<String>,
}

fn yes() -> bool {
    true
}

/// What an import added.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportReport {
    /// The document.
    pub doc: DocId,
    /// Its space.
    pub space: SpaceId,
    /// Its title.
    pub title: String,
    /// Changes in the file.
    pub changes_in_file: usize,
    /// Changes this node did not have.
    pub changes_added: usize,
    /// True if the document was new here.
    pub new_document: bool,
}

impl Engine {
    /// The change history of a document, oldest first, with every signature verified now.
    pub fn history(&mut self, id: &DocId) -> Result<Vec<HistoryEntry>, NodeError> {
        let sigs = self.signatures(id)?;
        let names = self.known_municipalities()?;
        let refused = self.rejected_changes(id)?;
        let doc = self.load(id)?;
        let changes = doc.get_changes(&[]);
        let to_verify = super::checks(&changes, &sigs);
        let results = signed::verify_batch(id, &to_verify);
        let entry = |c: &Change, signature: SignatureStatus, refused_because: Option<String>| {
            let key = signed::author_of(c.actor_id());
            let (message, officer) = parse_message(c.message().unwrap_or(""));
            HistoryEntry {
                hash: c.hash().to_string(),
                author_key: key.map(|k| k.to_string()),
                author_id: key.map(|k| crate::identity::peer_id(&k).to_string()),
                author: key.and_then(|k| names.get(&k.to_bytes()).map(|m| m.name.clone())),
                officer,
                time: Timestamp(c.timestamp()),
                time_utc: Timestamp(c.timestamp()).to_rfc3339(),
                message,
                seq: c.seq(),
                signature,
                accepted: refused_because.is_none(),
                refused_because,
            }
        };
        let mut out: Vec<HistoryEntry> = changes
            .iter()
            .zip(results)
            .map(|(c, r)| {
                let status = match r {
                    Ok(_) => SignatureStatus::Verified,
                    Err(ChangeRejection::Unsigned { .. }) => SignatureStatus::Missing,
                    Err(_) => SignatureStatus::Invalid,
                };
                entry(c, status, None)
            })
            .collect();
        // Refused changes were signature-checked on arrival; they are listed after the
        // document's own history.
        for (c, why) in refused {
            out.push(entry(&c, SignatureStatus::Verified, Some(why)));
        }
        Ok(out)
    }

    /// Writes a document with every change's signature, for `twin doc import` elsewhere.
    pub fn export(&mut self, id: &DocId) -> Result<Vec<u8>, NodeError> {
        let meta = self.doc_meta(id)?;
        let space = self.space(&meta.space)?;
        let sigs = self.signatures(id)?;
        let doc = self.load(id)?;
        let mut signatures = Vec::new();
        for c in doc.get_changes_meta(&[]) {
            let sig = sigs
                .get(&c.hash)
                .ok_or_else(|| NodeError::Corrupt(format!("no signature stored for change {}", c.hash)))?;
            signatures.push((c.hash.0, *sig));
        }
        let saved = doc.save();
        let log = self.member_ops(&meta.space)?;
        Ok(DocExport { doc_id: *id, space, saved, signatures, log }.to_bytes())
    }

    /// Imports an exported document. Every change must carry a valid signature for this
    /// document; if any does not, nothing is imported.
    pub fn import(&mut self, bytes: &[u8], into_space: Option<&SpaceId>) -> Result<ImportReport, NodeError> {
        let export = DocExport::from_bytes(bytes)?;
        let space_id = export.space.verify()?;
        if let Some(want) = into_space
            && *want != space_id
        {
            return Err(NodeError::InvalidInput(format!(
                "the file's document belongs to space {space_id} ({}), not {want}",
                export.space.genesis.name
            )));
        }
        let incoming = Automerge::load(&export.saved).map_err(|e| {
            NodeError::InvalidInput(format!("cannot import: the document inside the file is corrupt: {e}"))
        })?;
        match (view::space_of(&incoming), view::kind_of(&incoming)) {
            (Some(s), Some(_)) if s == space_id.to_string() => {}
            _ => {
                return Err(NodeError::InvalidInput(
                    "cannot import: the document does not name the file's space or has no known kind".into(),
                ));
            }
        }
        let kind = view::kind_of(&incoming).ok_or_else(|| NodeError::InvalidInput("unknown kind".into()))?;
        let sigs: HashMap<ChangeHash, Signature> =
            export.signatures.iter().map(|(h, s)| (ChangeHash(*h), *s)).collect();
        let changes = incoming.get_changes(&[]);
        // Authors are checked against the membership log: this node's and the file's.
        // Only what merging the file's log would store counts, next to the whole local log.
        let membership = self.membership_with(&export.space, export.log.clone())?;
        self.verify_all(&export.doc_id, &changes, &sigs, &membership)?;
        let id = export.doc_id;
        let existing = self.store.get(Table::Docs, id.as_bytes())?;
        if let Some(existing) = existing {
            let meta: DocMeta = super::decode("document metadata", &existing)?;
            if meta.space == space_id {
                self.merge_ops(&space_id, export.log.clone())?;
            }
            if meta.space != space_id {
                return Err(NodeError::InvalidInput(format!(
                    "document {id} exists here in another space ({})",
                    meta.space
                )));
            }
            self.load(&id)?;
            let with_sigs: Vec<(Change, Signature)> =
                changes.iter().filter_map(|c| sigs.get(&c.hash()).map(|s| (c.clone(), *s))).collect();
            let held = self.quarantined(&id)?;
            let held_hashes: HashSet<ChangeHash> = held.iter().map(|(c, _)| c.hash()).collect();
            let (mut pool, _) = self.classify(&space_id, &id, held)?;
            pool.extend(with_sigs);
            let added = self
                .admit(&id, meta, pool, &held_hashes, Batch::default(), |doc, ready| {
                    doc.apply_changes(ready).map_err(super::edit::am)
                })?
                .applied;
            let title = self.docs.get(&id).map(view::title).unwrap_or_default();
            return Ok(ImportReport {
                doc: id,
                space: space_id,
                title,
                changes_in_file: changes.len(),
                changes_added: added,
                new_document: false,
            });
        }

        // A new document: store the space (if new), the snapshot, every signature and the
        // metadata in one atomic batch.
        let created = now();
        let meta = DocMeta {
            space: space_id,
            kind,
            title: view::title(&incoming),
            created,
            updated: created,
            changes: changes.len() as u64,
            incremental: 0,
        };
        let mut b = Batch::default();
        if self.store.get(Table::Spaces, space_id.as_bytes())?.is_none() {
            b.put(Table::Spaces, space_id.as_bytes().to_vec(), export.space.to_bytes());
        }
        b.put(Table::Snapshots, id.as_bytes().to_vec(), incoming.save());
        for c in &changes {
            if let Some(sig) = sigs.get(&c.hash()) {
                b.put(
                    Table::Sigs,
                    crate::store::trees::change_key(id.as_bytes(), &c.hash().0),
                    sig.0.to_vec(),
                );
            }
        }
        b.put(Table::Docs, id.as_bytes().to_vec(), encode(&meta));
        self.store.commit(b)?;
        self.merge_ops(&space_id, export.log)?;
        Ok(ImportReport {
            doc: id,
            space: space_id,
            title: meta.title,
            changes_in_file: changes.len(),
            changes_added: changes.len(),
            new_document: true,
        })
    }

    /// Verifies a set of changes of one document, and that each author may write; fails if
    /// any change is bad.
    fn verify_all(
        &self,
        doc: &DocId,
        changes: &[Change],
        sigs: &HashMap<ChangeHash, Signature>,
        membership: &twinmesh_protocol::membership::Membership,
    ) -> Result<(), NodeError> {
        let to_verify = super::checks(changes, sigs);
        let mut rejected = Vec::new();
        let mut pool = Vec::new();
        for (r, c) in signed::verify_batch(doc, &to_verify).into_iter().zip(changes) {
            match (r, sigs.get(&c.hash())) {
                (Ok(_), Some(s)) => pool.push((c.clone(), *s)),
                (Ok(_), None) => rejected.push(ChangeRejection::Unsigned { hash: c.hash() }),
                (Err(e), _) => rejected.push(e),
            }
        }
        let (_, bad) = super::members::classify_with(membership, doc, pool);
        rejected.extend(bad.into_iter().map(|(_, _, why)| why));
        match rejected.first() {
            None => Ok(()),
            Some(first) => {
                tracing::debug!(doc = %doc, count = rejected.len(), first = %first, "refused changes");
                Err(NodeError::Rejected { count: rejected.len(), first: first.clone() })
            }
        }
    }

    /// A view of the document as it is now, or as it was at `heads`.
    pub fn view(&mut self, id: &DocId, at: Option<&[ChangeHash]>) -> Result<view::DocView, NodeError> {
        let meta = self.doc_meta(id)?;
        let names = self.known_municipalities()?;
        let doc = self.load(id)?;
        match at {
            None => Ok(view::build(doc, meta.kind, &names)),
            Some(heads) => {
                let old = doc
                    .fork_at(heads)
                    .map_err(|e| NodeError::InvalidInput(format!("no such version: {e}")))?;
                Ok(view::build(&old, meta.kind, &names))
            }
        }
    }
}
