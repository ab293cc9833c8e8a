//! Sneakernet bundles: a file of signed changes of a space's documents, carried by e-mail or
//! USB stick, and imported with exactly the checks a sync round applies.

use std::collections::HashSet;

use automerge::{Automerge, ChangeHash, ReadDoc, sync as am_sync};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    export::{Bundle, BundleDoc},
    ids::{DocId, SpaceId},
    keys::{PublicKey, Signature},
    signed::{self, ChangeRejection, ChangeToVerify},
    vouch,
};

use super::{DocMeta, Engine, decode, progress::Work};

/// The signature a bundle lists for a change the exporting node keeps no signature of (proven
/// there through a later change of its author, sync version 5). An all-zero `R` has small order,
/// so no check accepts it: an older node refuses such a bundle (`BadSignature`), a current one
/// proves the change through the later one in the bundle.
const NO_SIGNATURE: Signature = Signature([0; 64]);
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

/// What a bundle import did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleReport {
    /// The space.
    pub space: SpaceId,
    /// Documents in the bundle.
    pub documents: usize,
    /// Documents new to this node.
    pub new_documents: usize,
    /// Changes in the bundle.
    pub changes_in_bundle: usize,
    /// Changes this node did not have and applied.
    pub changes_added: usize,
    /// Changes that wait for earlier changes this node has not seen yet.
    pub changes_waiting: usize,
    /// Attachments whose bytes came with the bundle and were kept.
    #[serde(default)]
    pub attachments: usize,
}

/// What a bundle export wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleExport {
    /// The file content.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// Documents included.
    pub documents: usize,
    /// Changes included.
    pub changes: usize,
    /// True if only what the partner lacks (as of the last sync with it) was included.
    pub incremental: bool,
    /// Attachments whose bytes are included (see `attach_bundle.rs` for the limits).
    #[serde(default)]
    pub attachments: usize,
}

impl Engine {
    /// Writes a bundle of a space's documents. With `partner`, only the changes made since the
    /// last sync with that partner (the shared heads of the persisted sync state) are included;
    /// documents never synced with it are included whole. Progress goes to the engine's sink.
    pub fn bundle_export(
        &mut self,
        space: &SpaceId,
        partner: Option<&PublicKey>,
    ) -> Result<BundleExport, NodeError> {
        let mut r = self.reporter(Work::BundleExport, Some(*space), None);
        self.bundle_export_with(space, partner, &mut |d, t| r.report(d, t))
    }

    /// [`Engine::bundle_export`], reporting `progress(done, total)` in bytes of the changes and
    /// attachments written (the changes once every document's are gathered, then each file).
    pub fn bundle_export_with(
        &mut self,
        space: &SpaceId,
        partner: Option<&PublicKey>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<BundleExport, NodeError> {
        let s = self.space(space)?;
        if !self.is_member(space, &self.key.public())? {
            return Err(NodeError::NotAllowed("this town is not a member of this space".into()));
        }
        let log = self.member_ops(space)?;
        let mut docs = Vec::new();
        let mut total = 0;
        let mut change_bytes = 0u64;
        let mut incremental = false;
        for d in self.docs(Some(space))? {
            let sigs = self.signatures(&d.id)?;
            let since: Vec<ChangeHash> = match partner {
                Some(p) => {
                    let mut k = p.to_bytes().to_vec();
                    k.extend_from_slice(d.id.as_bytes());
                    match self.store.get(Table::SyncStates, &k)? {
                        Some(bytes) => {
                            am_sync::State::decode(&bytes).map(|st| st.shared_heads).unwrap_or_default()
                        }
                        None => Vec::new(),
                    }
                }
                None => Vec::new(),
            };
            let doc = self.load(&d.id)?;
            let since: Vec<ChangeHash> =
                since.into_iter().filter(|h| doc.get_change_by_hash(h).is_some()).collect();
            incremental |= !since.is_empty();
            let changes = doc.get_changes(&since);
            if changes.is_empty() {
                continue;
            }
            // A change this node keeps no signature of (proven through a later change of its
            // author, sync version 5) goes with the all-zero signature, which no check accepts:
            // an importer proves it through the later change (`vouch`), or refuses it.
            let out: Vec<(Vec<u8>, Signature)> = changes
                .iter()
                .map(|c| (c.raw_bytes().to_vec(), sigs.get(&c.hash()).copied().unwrap_or(NO_SIGNATURE)))
                .collect();
            total += out.len();
            change_bytes += out.iter().map(|(raw, _)| raw.len() as u64).sum::<u64>();
            docs.push(BundleDoc { doc: d.id, kind: d.meta.kind, changes: out });
        }
        let n = docs.len();
        let plan = self.bundle_file_plan(space)?;
        let all = change_bytes + plan.iter().map(|(size, _)| size).sum::<u64>();
        let mut done = change_bytes;
        progress(done, all);
        let files = self.bundle_files(&plan, &mut |read| {
            done += read;
            progress(done, all);
        })?;
        let attachments = files.len();
        let bytes = Bundle { space: s, log, docs }.to_bytes_with(&files);
        progress(all, all);
        Ok(BundleExport { bytes, documents: n, changes: total, incremental, attachments })
    }

    /// Imports a bundle. Every change is checked as a sync round checks it (signature for its
    /// document, author allowed by the membership log); if any fails, nothing is applied.
    /// Progress goes to the engine's sink.
    pub fn bundle_import(&mut self, bytes: &[u8]) -> Result<BundleReport, NodeError> {
        let mut r = self.reporter(Work::BundleImport, None, None);
        self.bundle_import_with(bytes, &mut |d, t| r.report(d, t))
    }

    /// [`Engine::bundle_import`], reporting `progress(done, total)` in bytes of the bundle's
    /// changes and attachments, each counted twice: when checked and when applied or kept.
    pub fn bundle_import_with(
        &mut self,
        bytes: &[u8],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<BundleReport, NodeError> {
        let (bundle, files) = Bundle::from_bytes_with_files(bytes)?;
        let doc_bytes = |d: &twinmesh_protocol::export::BundleDoc| -> u64 {
            d.changes.iter().map(|(raw, _)| raw.len() as u64).sum()
        };
        let content = bundle.docs.iter().map(doc_bytes).sum::<u64>()
            + files.iter().map(|f| f.bytes.len() as u64).sum::<u64>();
        let all = 2 * content;
        let mut done = 0u64;
        progress(done, all);
        Self::check_bundle_files(&files, &mut |n| {
            done += n;
            progress(done, all);
        })?;
        let space_id = bundle.space.verify()?;
        let known = self.store.get(Table::Spaces, space_id.as_bytes())?.is_some();
        // Only what merging the bundle's log would store counts, next to the whole local log.
        let membership = self.membership_with(&bundle.space, bundle.log.clone())?;
        self.check_may_hold(&membership, &bundle.space, "bundle")?;
        // Check everything before applying anything.
        let mut parsed: Vec<(DocId, twinmesh_protocol::schema::DocKind, super::members::SignedChanges, u64)> =
            Vec::new();
        let mut total = 0;
        for d in &bundle.docs {
            if let Some(v) = self.store.get(Table::Docs, d.doc.as_bytes())? {
                let meta: DocMeta = decode("document metadata", &v)?;
                if meta.space != space_id {
                    return Err(NodeError::InvalidInput(format!(
                        "cannot import: document {} belongs to another space here ({}); nothing was imported",
                        d.doc,
                        self.space(&meta.space)
                            .map(|s| format!("'{}'", s.genesis.name))
                            .unwrap_or_else(|_| meta.space.to_string())
                    )));
                }
            }
            let mut changes = Vec::with_capacity(d.changes.len());
            for (raw, sig) in &d.changes {
                let c = super::parse_incoming_change(raw.clone()).map_err(|e| {
                    NodeError::InvalidInput(format!("cannot import: a change in the bundle is corrupt: {e}"))
                })?;
                changes.push((c, (*sig != NO_SIGNATURE).then_some(*sig)));
            }
            let checks: Vec<ChangeToVerify<'_>> = changes
                .iter()
                .map(|(c, s)| ChangeToVerify { hash: c.hash(), actor: c.actor_id(), signature: *s })
                .collect();
            // A change without a signature counts when a later change of its author proves it.
            let facts: Vec<&automerge::Change> = changes.iter().map(|(c, _)| c).collect();
            let mut rejected: Vec<ChangeRejection> =
                vouch::prove_unsigned(&facts, signed::verify_batch(&d.doc, &checks))
                    .into_iter()
                    .filter_map(Result::err)
                    .collect();
            if rejected.is_empty() {
                let (_, bad) = twinmesh_protocol::validity::classify_with(
                    &membership,
                    &d.doc,
                    changes.clone(),
                    super::versions::rules(&membership),
                );
                rejected.extend(bad.into_iter().map(|(_, _, why)| why));
            }
            if let Some(first) = rejected.first() {
                let first = self.name_author(first.clone(), &membership);
                return Err(NodeError::Rejected { count: rejected.len(), first });
            }
            // The content must name the bundle's space once these changes apply: a bundle
            // cannot move a document into another space.
            let base = if self.holds(&d.doc)? { self.load(&d.doc)?.fork() } else { Automerge::new() };
            if let Err(why) = super::admit::check_space_after(base, changes.clone(), &space_id) {
                return Err(NodeError::InvalidInput(format!(
                    "cannot import: document {} in this bundle for space '{}': {}; nothing was imported",
                    d.doc,
                    bundle.space.genesis.name,
                    self.explain_space(&why)
                )));
            }
            total += changes.len();
            let size = doc_bytes(d);
            parsed.push((d.doc, d.kind, changes, size));
            done += size;
            progress(done, all);
        }
        // Apply: the log first, then each document in one batch call.
        if !known {
            let mut b = crate::store::Batch::default();
            b.put(Table::Spaces, space_id.as_bytes().to_vec(), bundle.space.to_bytes());
            self.store.commit(b)?;
        }
        self.merge_ops(&space_id, bundle.log)?;
        let mut report = BundleReport {
            space: space_id,
            documents: parsed.len(),
            new_documents: 0,
            changes_in_bundle: total,
            changes_added: 0,
            changes_waiting: 0,
            attachments: 0,
        };
        for (doc_id, kind, changes, size) in parsed {
            let existing = self.store.get(Table::Docs, doc_id.as_bytes())?;
            let is_new = existing.is_none();
            let meta = match existing {
                Some(v) => decode::<DocMeta>("document metadata", &v)?,
                None => {
                    report.new_documents += 1;
                    DocMeta::arriving(space_id, kind)
                }
            };
            if is_new {
                let doc = Automerge::new().with_actor(self.actor());
                self.docs.insert(doc_id, doc);
            } else {
                self.load(&doc_id)?;
            }
            // Changes held from earlier rounds may be completed by this bundle.
            let held = self.quarantined_proven(&doc_id)?;
            let held_hashes: HashSet<ChangeHash> = held.iter().map(|(c, _)| c.hash()).collect();
            let (mut pool, _) = self.classify(&space_id, &doc_id, held)?;
            pool.extend(changes);
            let admitted =
                self.admit(&doc_id, meta, pool, &held_hashes, Batch::default(), |doc, ready| {
                    doc.apply_changes(ready).map_err(super::edit::am)
                })?;
            report.changes_waiting += admitted.waiting;
            report.changes_added += admitted.applied;
            if is_new && admitted.applied == 0 {
                self.docs.remove(&doc_id);
                report.new_documents = report.new_documents.saturating_sub(1);
            }
            done += size;
            progress(done, all);
        }
        report.attachments = self.keep_bundle_files(&space_id, files, &mut |n| {
            done += n;
            progress(done, all);
        })?;
        progress(all, all);
        Ok(report)
    }
}
