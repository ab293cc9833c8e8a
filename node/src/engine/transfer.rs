//! History, export and import of signed documents.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, ChangeHash, ReadDoc};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    export::DocExport,
    ids::{DocId, SpaceId},
    keys::Signature,
    signed::{self, ChangeRejection},
    validity::{self, ChangeFacts},
    vouch,
};

use super::{DocMeta, Engine, MIN_HASH_PREFIX, now, progress::Work, versions, view};
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

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
    /// The change of this document that `text` names: its full hash or a unique prefix of at
    /// least [`MIN_HASH_PREFIX`] hex digits (what `doc history` prints).
    pub fn find_change(&mut self, id: &DocId, text: &str) -> Result<ChangeHash, NodeError> {
        let doc = self.load(id)?;
        find_change(doc.get_changes(&[]).iter().map(|c| c.hash()), text)
    }

    /// Writes a document with every change's signature, for `twin doc import` elsewhere.
    /// Progress goes to the engine's sink.
    pub fn export(&mut self, id: &DocId) -> Result<Vec<u8>, NodeError> {
        let mut r = self.reporter(Work::DocExport, None, Some(*id));
        self.export_with(id, &mut |d, t| r.report(d, t))
    }

    /// [`Engine::export`], reporting `progress(done, total)` in changes: each change once its
    /// signature is gathered, and all of them again once the document is saved.
    pub fn export_with(
        &mut self,
        id: &DocId,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<u8>, NodeError> {
        let meta = self.doc_meta(id)?;
        let space = self.space(&meta.space)?;
        let sigs = self.signatures(id)?;
        let doc = self.load(id)?;
        let metas = doc.get_changes_meta(&[]);
        let n = metas.len() as u64;
        let all = 2 * n;
        progress(0, all);
        // Every signature this node keeps; a change it keeps none of (proven through a later
        // change of its author, sync version 5) is proven the same way on import.
        let mut signatures = Vec::with_capacity(metas.len());
        for (i, c) in metas.iter().enumerate() {
            if let Some(sig) = sigs.get(&c.hash) {
                signatures.push((c.hash.0, *sig));
            }
            progress(i as u64 + 1, all);
        }
        let saved = doc.save();
        let log = self.member_ops(&meta.space)?;
        progress(all, all);
        Ok(DocExport { doc_id: *id, space, saved, signatures, log }.to_bytes())
    }

    /// Imports an exported document. Every change must carry a valid signature for this
    /// document; if any does not, nothing is imported. Progress goes to the engine's sink.
    pub fn import(&mut self, bytes: &[u8], into_space: Option<&SpaceId>) -> Result<ImportReport, NodeError> {
        let mut r = self.reporter(Work::DocImport, into_space.copied(), None);
        self.import_with(bytes, into_space, &mut |d, t| r.report(d, t))
    }

    /// [`Engine::import`], reporting `progress(done, total)` in the file's changes: once
    /// loaded, once verified, once stored.
    pub fn import_with(
        &mut self,
        bytes: &[u8],
        into_space: Option<&SpaceId>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportReport, NodeError> {
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
        super::snapshot::no_orphans(&incoming)
            .map_err(|e| NodeError::InvalidInput(format!("cannot import: {e}")))?;
        let kind = names_space(&incoming, &space_id)
            .map_err(|e| NodeError::InvalidInput(format!("cannot import: {}", self.explain_space(&e))))?;
        let sigs: HashMap<ChangeHash, Signature> =
            export.signatures.iter().map(|(h, s)| (ChangeHash(*h), *s)).collect();
        let changes = incoming.get_changes(&[]);
        let n = changes.len() as u64;
        let all = 3 * n;
        progress(n, all);
        // Authors are checked against the membership log: this node's and the file's.
        // Only what merging the file's log would store counts, next to the whole local log.
        let membership = self.membership_with(&export.space, export.log.clone())?;
        self.check_may_hold(&membership, &export.space, "file")?;
        self.verify_all(&export.doc_id, &changes, &sigs, &membership).map_err(|e| match e {
            NodeError::Rejected { count, first } => {
                NodeError::Rejected { count, first: self.name_author(first, &membership) }
            }
            other => other,
        })?;
        progress(2 * n, all);
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
            // Every change was proven above, with its own signature or through a later one.
            let with_sigs: super::members::SignedChanges =
                changes.iter().map(|c| (c.clone(), sigs.get(&c.hash()).copied())).collect();
            let held = self.quarantined_proven(&id)?;
            let held_hashes: HashSet<ChangeHash> = held.iter().map(|(c, _)| c.hash()).collect();
            let (mut pool, _) = self.classify(&space_id, &id, held)?;
            pool.extend(with_sigs);
            let added = self
                .admit(&id, meta, pool, &held_hashes, Batch::default(), |doc, ready| {
                    doc.apply_changes(ready).map_err(super::edit::am)
                })?
                .applied;
            progress(all, all);
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

        // A new document: stored like a snapshot received by sync (`store_new_doc`).
        let mut b = Batch::default();
        if self.store.get(Table::Spaces, space_id.as_bytes())?.is_none() {
            b.put(Table::Spaces, space_id.as_bytes().to_vec(), export.space.to_bytes());
        }
        let signatures: Vec<(ChangeHash, Signature)> =
            changes.iter().filter_map(|c| sigs.get(&c.hash()).map(|s| (c.hash(), *s))).collect();
        let new =
            NewDoc { id, space: space_id, kind, doc: incoming, saved: export.saved, signatures: &signatures };
        let meta = self.store_new_doc(new, b)?;
        self.merge_ops(&space_id, export.log)?;
        progress(all, all);
        Ok(ImportReport {
            doc: id,
            space: space_id,
            title: meta.title,
            changes_in_file: changes.len(),
            changes_added: changes.len(),
            new_document: true,
        })
    }

    /// Stores a document that is new here, whose every change was verified: its saved form
    /// (as received: `Automerge::load` accepted it), the signature of every change, its
    /// metadata and heads, and `b`'s writes, in one flushed batch; then keeps it in memory.
    /// Shared by import and by the first sync of a document (`snapshot.rs`).
    pub(crate) fn store_new_doc(&mut self, new: NewDoc<'_>, mut b: Batch) -> Result<DocMeta, NodeError> {
        let NewDoc { id, space, kind, doc, saved, signatures } = new;
        let id = &id;
        // A change whose dependencies are missing would sit in Automerge's queue, which the
        // engine keeps empty (see `admit.rs`).
        if !doc.get_missing_deps(&[]).is_empty() {
            return Err(NodeError::InvalidInput(
                "the document holds changes whose dependencies are missing".into(),
            ));
        }
        let created = now();
        let meta = DocMeta {
            space,
            kind,
            title: view::title(&doc),
            created,
            updated: created,
            changes: doc.get_changes_meta(&[]).len() as u64,
            incremental: 0,
        };
        b.put(Table::Snapshots, id.as_bytes().to_vec(), saved);
        self.replace_signatures(id, signatures, &mut b)?;
        super::put_doc_meta(&mut b, id, &meta, &doc);
        self.store.commit(b)?;
        self.docs.insert(*id, doc.with_actor(self.actor()));
        self.partners.arrived(id);
        Ok(meta)
    }

    /// Refuses an import (`what`: a file or a bundle) of a space's documents unless this town
    /// is a member of the space, in any role, under `membership` (the local log merged with
    /// the one the import carries). A read-only copy is what the viewer role is for: an admin
    /// adds the town as a viewer, and the file's log carries that addition.
    pub(crate) fn check_may_hold(
        &self,
        membership: &twinmesh_protocol::membership::Membership,
        space: &twinmesh_protocol::space::SignedSpace,
        what: &str,
    ) -> Result<(), NodeError> {
        if membership.can_read(&self.key.public()) {
            return Ok(());
        }
        Err(NodeError::NotAllowed(format!(
            "cannot import: this {what} is for space '{}', of which this town is not a member; \
             nothing was imported. For a read-only copy, an admin of the space adds this town \
             (twin space add {} {} --role viewer) and exports again",
            space.genesis.name,
            space.id(),
            crate::identity::peer_id(&self.key.public())
        )))
    }

    /// `r` with an unauthorized author named by town and short key, as this node or
    /// `membership` (which may hold a file's log) knows it, instead of by its hex key.
    pub(crate) fn name_author(
        &self,
        r: ChangeRejection,
        membership: &twinmesh_protocol::membership::Membership,
    ) -> ChangeRejection {
        let ChangeRejection::Unauthorized { hash, author } = r else { return r };
        let Ok(key) = author.parse::<twinmesh_protocol::keys::PublicKey>() else {
            return ChangeRejection::Unauthorized { hash, author };
        };
        let name = membership
            .members
            .get(&key.to_bytes())
            .map(|m| m.name.clone())
            .or_else(|| self.known_municipalities().ok()?.remove(&key.to_bytes()).map(|m| m.name));
        let author = match name {
            Some(n) => format!("{n} (key {})", key.fmt_short()),
            None => format!("a town unknown here (key {})", key.fmt_short()),
        };
        ChangeRejection::Unauthorized { hash, author }
    }

    /// `why` in words, with the spaces named as this node knows them.
    pub(crate) fn explain_space(&self, why: &SpaceMismatch) -> String {
        let label = |id: &str| match id.parse::<SpaceId>().ok().and_then(|s| self.space(&s).ok()) {
            Some(s) => format!("'{}' ({id})", s.genesis.name),
            None => id.to_string(),
        };
        match why {
            SpaceMismatch::Other { named, expected, .. } => format!(
                "the document's content names space {}, not {}",
                label(named),
                label(&expected.to_string())
            ),
            other => other.to_string(),
        }
    }

    /// Verifies a set of changes of one document, and that each author may write; fails if
    /// any change is bad.
    pub(crate) fn verify_all<C: ChangeFacts>(
        &self,
        doc: &DocId,
        changes: &[C],
        sigs: &HashMap<ChangeHash, Signature>,
        membership: &twinmesh_protocol::membership::Membership,
    ) -> Result<(), NodeError> {
        let to_verify = super::checks(changes, sigs);
        let mut rejected = Vec::new();
        let mut signed_ok = Vec::new();
        // A change without a signature counts when a later change of its author proves it.
        let results = vouch::prove_unsigned(changes, signed::verify_batch(doc, &to_verify));
        for (r, c) in results.into_iter().zip(changes) {
            match r {
                Ok(()) => signed_ok.push(c),
                Err(e) => rejected.push(e),
            }
        }
        let valid = validity::valid_mask(membership, doc, &signed_ok, versions::rules(membership));
        rejected.extend(
            signed_ok
                .iter()
                .zip(valid)
                .filter(|(_, v)| !v)
                .map(|(c, _)| validity::unauthorized(c, versions::rules(membership))),
        );
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

/// Finds the change `text` names among `hashes`: a full hash, or a unique prefix of at least
/// [`MIN_HASH_PREFIX`] hex digits.
pub(super) fn find_change(
    hashes: impl Iterator<Item = ChangeHash>,
    text: &str,
) -> Result<ChangeHash, NodeError> {
    let t = text.trim().to_ascii_lowercase();
    if t.len() < MIN_HASH_PREFIX || t.len() > 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NodeError::InvalidInput(format!(
            "'{text}' is not a change hash: give the hash `twin doc history` prints (at least \
             {MIN_HASH_PREFIX} hex digits)"
        )));
    }
    let mut found = hashes.filter(|h| h.to_string().starts_with(&t));
    match (found.next(), found.next()) {
        (Some(h), None) => Ok(h),
        (None, _) => Err(NodeError::InvalidInput(format!("no change '{text}' in this document's history"))),
        (Some(a), Some(b)) => Err(NodeError::InvalidInput(format!(
            "'{text}' names more than one change ({a}, {b}, ...): give more digits"
        ))),
    }
}

/// A document arriving whole (import, first sync), verified, for [`Engine::store_new_doc`].
pub(crate) struct NewDoc<'a> {
    /// Its id.
    pub id: DocId,
    /// Its space.
    pub space: SpaceId,
    /// Its kind.
    pub kind: twinmesh_protocol::schema::DocKind,
    /// The loaded document.
    pub doc: Automerge,
    /// The bytes it was loaded from.
    pub saved: Vec<u8>,
    /// The signature of each of its changes.
    pub signatures: &'a [(ChangeHash, Signature)],
}

/// Checks that a document arriving whole (import, first sync) names `space` (see
/// [`check_space`]) and a known kind, and returns the kind.
pub(crate) fn names_space(
    doc: &Automerge,
    space: &SpaceId,
) -> Result<twinmesh_protocol::schema::DocKind, SpaceMismatch> {
    check_space(doc, space)?;
    view::kind_of(doc).ok_or(SpaceMismatch::NoKind)
}

/// Why a document's content does not agree with the space it is, or would be, held under.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SpaceMismatch {
    /// The envelope names no space (never written, or deleted).
    #[error("the document does not name its space")]
    Missing,
    /// The document was created in (or a second creation names) another space.
    #[error("the document's content names space {named}, not {expected}")]
    Other {
        /// The space the content names, as written.
        named: String,
        /// The space it is held under.
        expected: SpaceId,
        /// The change that wrote it.
        by: ChangeHash,
    },
    /// A change after the creation wrote the envelope's `space`.
    #[error("change {by} rewrites the document's space, which is set once, when the document is created")]
    Rewritten {
        /// That change.
        by: ChangeHash,
    },
    /// The envelope names no known kind.
    #[error("the document has no known kind")]
    NoKind,
}

/// The one check that a document's content agrees with the space it is held under, called on
/// every path that brings a document or changes in: a document arriving whole (export file,
/// whole-document snapshot) before anything is stored, a bundle's documents before anything
/// of the bundle is applied, and every document after incoming changes were applied
/// ([`Engine::admit`]: sync rounds, bundles, imports into a held document, changes released
/// by a membership change). The space recorded here (the `Docs` row) is authoritative; the
/// content must agree with it.
///
/// The envelope's `space` is written once, by the change that creates the document (a change
/// with no dependencies), and never again (it is read-only in every schema). So the check
/// holds when the field has a value and every value (concurrent writes leave several) is
/// `space`, written by a change with no dependencies. A later change that wrote, overwrote or
/// deleted the field leaves a value written by a change with dependencies, or none; a second
/// creation naming another space leaves a second value. Reading one field costs next to
/// nothing, so it runs on every round.
pub(crate) fn check_space(doc: &Automerge, space: &SpaceId) -> Result<(), SpaceMismatch> {
    let values = doc.get_all(automerge::ROOT, "space").unwrap_or_default();
    if values.is_empty() {
        return Err(SpaceMismatch::Missing);
    }
    let expected = space.to_string();
    for (value, op) in values {
        let by = doc.hash_for_opid(&op).ok_or(SpaceMismatch::Missing)?;
        let created = doc.get_change_meta_by_hash(&by).is_some_and(|c| c.deps.is_empty());
        if !created {
            return Err(SpaceMismatch::Rewritten { by });
        }
        let named = match &value {
            automerge::Value::Scalar(s) => s.as_str().map(str::to_string),
            automerge::Value::Object(_) => None,
        };
        match named {
            Some(n) if n == expected => {}
            other => {
                return Err(SpaceMismatch::Other {
                    named: other.unwrap_or_else(|| "(not a text)".into()),
                    expected: *space,
                    by,
                });
            }
        }
    }
    Ok(())
}
