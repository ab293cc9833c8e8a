//! History, export and import of signed documents.

use std::collections::HashMap;

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    export::DocExport,
    ids::{DocId, SpaceId},
    keys::Signature,
    signed::{self, ChangeRejection, ChangeToVerify},
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
        let doc = self.load(id)?;
        let changes = doc.get_changes(&[]);
        let to_verify: Vec<ChangeToVerify<'_>> = changes
            .iter()
            .map(|c| ChangeToVerify {
                hash: c.hash(),
                actor: c.actor_id(),
                signature: sigs.get(&c.hash()).copied(),
            })
            .collect();
        let results = signed::verify_batch(id, &to_verify);
        Ok(changes
            .iter()
            .zip(results)
            .map(|(c, r)| {
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
                    signature: match r {
                        Ok(_) => SignatureStatus::Verified,
                        Err(ChangeRejection::Unsigned { .. }) => SignatureStatus::Missing,
                        Err(_) => SignatureStatus::Invalid,
                    },
                }
            })
            .collect())
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
        let members = self.members(&meta.space)?;
        Ok(DocExport { doc_id: *id, space, saved, signatures, members }.to_bytes())
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
        // Writers: the founder, members this node knows, and members in the file that the
        // founder signed.
        let founder = export.space.genesis.founder.key;
        let mut writers: std::collections::HashSet<[u8; 32]> =
            std::collections::HashSet::from([founder.to_bytes()]);
        for m in &export.members {
            if m.space == space_id && m.verify(&founder) {
                writers.insert(m.member.to_bytes());
            }
        }
        if self.store.get(Table::Spaces, space_id.as_bytes())?.is_some() {
            for m in self.members(&space_id)? {
                writers.insert(m.member.to_bytes());
            }
        }
        self.verify_all(&export.doc_id, &changes, &sigs, &writers)?;

        let id = export.doc_id;
        let existing = self.store.get(Table::Docs, id.as_bytes())?;
        if let Some(existing) = existing {
            let meta: DocMeta = super::decode("document metadata", &existing)?;
            if meta.space != space_id {
                return Err(NodeError::InvalidInput(format!(
                    "document {id} exists here in another space ({})",
                    meta.space
                )));
            }
            let local = self.load(&id)?;
            let new: Vec<Change> =
                changes.iter().filter(|c| local.get_change_by_hash(&c.hash()).is_none()).cloned().collect();
            let added = new.len();
            local.apply_changes(new.clone()).map_err(super::edit::am)?;
            let with_sigs: Vec<(Change, Signature)> =
                new.into_iter().filter_map(|c| sigs.get(&c.hash()).map(|s| (c, *s))).collect();
            let snapshot = self.docs.remove(&id).ok_or_else(|| NodeError::UnknownDoc(id.to_string()))?;
            if !with_sigs.is_empty() {
                self.persist_changes(&id, meta, &snapshot, &with_sigs)?;
            }
            let title = view::title(&snapshot);
            self.docs.insert(id, snapshot);
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
        for m in export.members.iter().filter(|m| m.space == space_id && m.verify(&founder)) {
            let mut k = space_id.as_bytes().to_vec();
            k.extend_from_slice(&m.member.to_bytes());
            b.put(Table::Members, k, super::encode(m));
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
        writers: &std::collections::HashSet<[u8; 32]>,
    ) -> Result<(), NodeError> {
        let to_verify: Vec<ChangeToVerify<'_>> = changes
            .iter()
            .map(|c| ChangeToVerify {
                hash: c.hash(),
                actor: c.actor_id(),
                signature: sigs.get(&c.hash()).copied(),
            })
            .collect();
        let rejected: Vec<ChangeRejection> = signed::verify_batch(doc, &to_verify)
            .into_iter()
            .zip(changes)
            .filter_map(|(r, c)| match r {
                Ok(author) if writers.contains(&author.to_bytes()) => None,
                Ok(author) => {
                    Some(ChangeRejection::Unauthorized { hash: c.hash(), author: author.to_string() })
                }
                Err(e) => Some(e),
            })
            .collect();
        match rejected.first() {
            None => Ok(()),
            Some(first) => {
                tracing::warn!(doc = %doc, count = rejected.len(), first = %first, "refused changes");
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
