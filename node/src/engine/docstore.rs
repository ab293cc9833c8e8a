//! The document store: each document's metadata, listing and creating documents, loading a
//! document from its snapshot plus incremental changes (cached in memory), persisting accepted
//! changes with their signatures, and compacting a document into a snapshot.

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::Signature,
    schema::{self, DocKind},
    signed,
    time::Timestamp,
};

use super::{Engine, admit, decode, edit, encode, new_item_id, now, random, view};
use crate::{
    error::NodeError,
    i18n::{self, Lang},
    store::{self, Batch, Table, trees},
};

/// Incremental changes kept per document before they are folded into a snapshot.
pub const COMPACT_AFTER: u32 = 256;

/// Metadata the store keeps per document, so listing documents needs no Automerge load.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocMeta {
    /// The space the document belongs to.
    pub space: SpaceId,
    /// Its kind.
    pub kind: DocKind,
    /// Current title (cached from the document).
    pub title: String,
    /// When it was created here.
    pub created: Timestamp,
    /// When it last changed here.
    pub updated: Timestamp,
    /// Number of changes in its history.
    pub changes: u64,
    /// Changes stored incrementally since the last snapshot.
    pub incremental: u32,
}

impl DocMeta {
    /// Metadata for a document that arrives from a partner (by sync or bundle) and is new here.
    pub(crate) fn arriving(space: SpaceId, kind: DocKind) -> Self {
        let t = now();
        Self { space, kind, title: String::new(), created: t, updated: t, changes: 0, incremental: 0 }
    }
}

/// A document as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocInfo {
    /// Its id.
    pub id: DocId,
    /// Its metadata.
    #[serde(flatten)]
    pub meta: DocMeta,
}

/// Writes a document's metadata and its heads record (see [`trees::heads`]) into `b`. Every
/// path that writes a document's `DocMeta` goes through here, so the two never disagree.
pub(crate) fn put_doc_meta(b: &mut Batch, id: &DocId, meta: &DocMeta, doc: &Automerge) {
    let heads: Vec<[u8; 32]> = doc.get_heads().iter().map(|h| h.0).collect();
    b.put(Table::Docs, id.as_bytes().to_vec(), encode(meta));
    b.put(Table::Heads, id.as_bytes().to_vec(), trees::heads::encode(meta.changes, meta.updated.0, &heads));
}

impl Engine {
    /// Lists documents, optionally of one space, oldest first.
    pub fn docs(&self, space: Option<&SpaceId>) -> Result<Vec<DocInfo>, NodeError> {
        let mut out = Vec::new();
        for (k, v) in self.store.scan(Table::Docs, &[])? {
            let id = DocId::from_slice(&k).ok_or_else(|| NodeError::Corrupt("doc key".into()))?;
            let meta: DocMeta = decode("document metadata", &v)?;
            if space.is_none_or(|s| *s == meta.space) {
                out.push(DocInfo { id, meta });
            }
        }
        out.sort_by(|a, b| a.meta.created.cmp(&b.meta.created).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// One document's metadata.
    pub fn doc_meta(&self, id: &DocId) -> Result<DocMeta, NodeError> {
        self.stored_meta(id)?.ok_or_else(|| NodeError::UnknownDoc(id.to_string()))
    }

    /// The metadata of `id` if this node stores the document (one read of its row).
    pub(crate) fn stored_meta(&self, id: &DocId) -> Result<Option<DocMeta>, NodeError> {
        match self.store.get(Table::Docs, id.as_bytes())? {
            Some(bytes) => Ok(Some(decode("document metadata", &bytes)?)),
            None => Ok(None),
        }
    }

    /// Creates a document of `kind` in `space` from the kind's English template, as one signed
    /// change (see [`Engine::create_doc_in`]).
    pub fn create_doc(
        &mut self,
        space: &SpaceId,
        kind: DocKind,
        title: &str,
        officer: Option<&str>,
    ) -> Result<DocInfo, NodeError> {
        self.create_doc_in(space, kind, title, Lang::En, officer)
    }

    /// Creates a document of `kind` in `space` in language `lang`, as one signed change: the
    /// kind's template with its texts from `templates.ftl` in `lang`, and `lang` recorded in the
    /// document's `lang` field.
    pub fn create_doc_in(
        &mut self,
        space: &SpaceId,
        kind: DocKind,
        title: &str,
        lang: Lang,
        officer: Option<&str>,
    ) -> Result<DocInfo, NodeError> {
        self.space(space)?;
        self.check_can_write(space)?;
        if title.trim().is_empty() || title.len() > schema::MAX_SCALAR_LEN {
            return Err(NodeError::InvalidInput("a document title must be 1 to 1000 characters".into()));
        }
        let template = {
            let text = |key: &str| i18n::tr(lang, key, &[]);
            let space = space.to_string();
            let start = schema::Start { title: title.trim(), space: &space, lang: lang.code(), text: &text };
            schema::template(kind, &start, &mut new_item_id)
        };
        let message = edit::message(&format!("created {} '{}'", kind.label(), title.trim()), officer);
        self.commit_new_doc(space, kind, title, &template, message)
    }

    /// Stores a new document whose content is `root`, written as one change signed by this
    /// town with `message`. The caller has checked the space and this town's right to write.
    pub(crate) fn commit_new_doc(
        &mut self,
        space: &SpaceId,
        kind: DocKind,
        title: &str,
        root: &schema::TemplateValue,
        message: String,
    ) -> Result<DocInfo, NodeError> {
        let id = DocId::from_bytes(random());
        let mut doc = Automerge::new().with_actor(self.actor());
        let mut tx = doc.transaction();
        edit::write_template_root(&mut tx, root)?;
        let (hash, _) = tx.commit_with(
            automerge::transaction::CommitOptions::default()
                .with_message(message)
                .with_time(now().as_millis()),
        );
        let hash = hash.ok_or_else(|| NodeError::Corrupt("template produced no change".into()))?;
        let created = now();
        let meta = DocMeta {
            space: *space,
            kind,
            title: title.trim().to_string(),
            created,
            updated: created,
            changes: 0,
            incremental: 0,
        };
        let change =
            doc.get_change_by_hash(&hash).ok_or_else(|| NodeError::Corrupt("new change missing".into()))?;
        let sig = signed::sign_change(&self.key, &id, &hash);
        self.persist_changes(&id, meta, &doc, &[(change, Some(sig))])?;
        self.docs.insert(id, doc);
        Ok(DocInfo { id, meta: self.doc_meta(&id)? })
    }

    /// Loads a document from the store (or the cache).
    pub(crate) fn load(&mut self, id: &DocId) -> Result<&mut Automerge, NodeError> {
        if !self.docs.contains_key(id) {
            self.doc_meta(id)?;
            let (doc, stranded) = self.load_from_store(id)?;
            if !stranded.is_empty() {
                self.strand(id, stranded)?;
            }
            self.docs.insert(*id, doc);
        }
        self.docs.get_mut(id).ok_or_else(|| NodeError::UnknownDoc(id.to_string()))
    }

    /// The document from its snapshot and incremental changes, and the stored changes that
    /// cannot apply because a change they depend on is not stored (see [`Engine::strand`]).
    pub(super) fn load_from_store(&self, id: &DocId) -> Result<(Automerge, Vec<Change>), NodeError> {
        let snapshot = self.store.get(Table::Snapshots, id.as_bytes())?;
        let base = || match &snapshot {
            Some(bytes) => {
                Automerge::load(bytes).map_err(|e| NodeError::Corrupt(format!("snapshot of {id}: {e}")))
            }
            None => Ok(Automerge::new()),
        };
        let mut changes = Vec::new();
        for (_, bytes) in self.store.scan(Table::Changes, id.as_bytes())? {
            changes.push(
                Change::from_bytes(bytes).map_err(|e| NodeError::Corrupt(format!("change of {id}: {e}")))?,
            );
        }
        let mut doc = base()?;
        doc.apply_changes(changes.clone())
            .map_err(|e| NodeError::Corrupt(format!("changes of {id}: {e}")))?;
        if doc.get_missing_deps(&[]).is_empty() {
            return Ok((doc.with_actor(self.actor()), Vec::new()));
        }
        // Some stored change waits for one that is not stored: apply only what can apply.
        let mut doc = base()?;
        let (ready, stranded) = admit::split_ready(&doc, changes.into_iter().map(|c| (c, ())).collect());
        doc.apply_changes(ready.into_iter().map(|(c, _)| c))
            .map_err(|e| NodeError::Corrupt(format!("changes of {id}: {e}")))?;
        Ok((doc.with_actor(self.actor()), stranded.into_iter().map(|(c, _)| c).collect()))
    }

    /// A document's heads, sorted, without loading it when possible: from the in-memory copy,
    /// else from the Heads table (if its stamp matches `meta`), else by loading the document
    /// (a store written before the Heads table existed).
    pub(crate) fn heads_of(&mut self, id: &DocId, meta: &DocMeta) -> Result<Vec<ChangeHash>, NodeError> {
        if let Some(doc) = self.docs.get(id) {
            let mut h = doc.get_heads();
            h.sort();
            return Ok(h);
        }
        if let Some(v) = self.store.get(Table::Heads, id.as_bytes())?
            && let Some(rec) = trees::heads::decode(&v)
            && (rec.changes, rec.updated) == (meta.changes, meta.updated.0)
        {
            return Ok(rec.heads.into_iter().map(ChangeHash).collect());
        }
        let mut h = self.load(id)?.get_heads();
        h.sort();
        Ok(h)
    }

    /// Writes accepted changes and their signatures, updates the metadata, and flushes: the
    /// caller may acknowledge once this returns. Folds the document into a snapshot every
    /// [`COMPACT_AFTER`] changes.
    pub(crate) fn persist_changes(
        &mut self,
        id: &DocId,
        meta: DocMeta,
        doc: &Automerge,
        changes: &[(Change, Option<Signature>)],
    ) -> Result<(), NodeError> {
        self.persist_changes_with(id, meta, doc, changes, Batch::default())
    }

    /// [`Engine::persist_changes`], committing `b`'s writes in the same batch.
    pub(crate) fn persist_changes_with(
        &mut self,
        id: &DocId,
        mut meta: DocMeta,
        doc: &Automerge,
        changes: &[(Change, Option<Signature>)],
        mut b: Batch,
    ) -> Result<(), NodeError> {
        for (change, sig) in changes {
            let key = trees::change_key(id.as_bytes(), &change.hash().0);
            b.put(Table::Changes, key.clone(), change.raw_bytes().to_vec());
            // A change proven through a later change of its author has no signature here.
            if let Some(sig) = sig {
                b.put(Table::Sigs, key, sig.0.to_vec());
            }
        }
        meta.changes += changes.len() as u64;
        meta.incremental += changes.len() as u32;
        meta.updated = now();
        meta.title = view::title(doc);
        if meta.incremental >= COMPACT_AFTER {
            // Changes added by this very batch are covered by the snapshot too.
            b.0.retain(|w| !matches!(w, store::Write::Put(Table::Changes, ..)));
            self.compaction(id, &mut meta, doc, &mut b)?;
        }
        put_doc_meta(&mut b, id, &meta, doc);
        if let Err(e) = self.store.commit(b) {
            // The in-memory copy may hold changes the store does not: drop it.
            self.docs.remove(id);
            return Err(e.into());
        }
        Ok(())
    }

    /// Adds to `b` the writes that replace `id`'s stored snapshot and incremental changes by
    /// `doc` saved whole, and either keep only the signatures still needed to prove the
    /// document (see `sigs.rs`) or, while an older partner needs them all, move the incremental
    /// changes' signatures into a block.
    fn compaction(
        &self,
        id: &DocId,
        meta: &mut DocMeta,
        doc: &Automerge,
        b: &mut Batch,
    ) -> Result<(), NodeError> {
        b.put(Table::Snapshots, id.as_bytes().to_vec(), doc.save());
        for (k, _) in self.store.scan(Table::Changes, id.as_bytes())? {
            b.remove(Table::Changes, k);
        }
        if self.prune_allowed()? {
            let (kept, dropped) = self.prune_signatures(id, doc, b)?;
            tracing::debug!(doc = %id, kept, dropped, "signatures pruned at compaction");
        } else {
            self.fold_signatures(id, b)?;
        }
        meta.incremental = 0;
        Ok(())
    }

    /// Saves whole each document held in memory whose store still has incremental changes and
    /// that has not changed for `quiet` (any, with `None`), at most `max` of them, and returns
    /// how many it saved.
    ///
    /// Loading a snapshot followed by incremental changes costs Automerge one application of
    /// all those changes, and that cost grows with the document's history (the trace document:
    /// 157 ms from a fresh snapshot, 297 ms with 39 changes after it; docs/benchmarks.md). So
    /// the node compacts when it is idle and when it closes, not only every
    /// [`COMPACT_AFTER`] changes; a partner fetching the document whole then gets the fast form.
    pub fn compact_loaded(
        &mut self,
        quiet: Option<std::time::Duration>,
        max: usize,
    ) -> Result<usize, NodeError> {
        let before = quiet.map(|q| now().0.saturating_sub(q.as_millis() as i64));
        let ids: Vec<DocId> = self.docs.keys().copied().collect();
        let mut done = 0;
        for id in ids {
            if done >= max {
                break;
            }
            // A document being received for the first time is in memory before it is stored.
            let mut meta = match self.doc_meta(&id) {
                Ok(m) => m,
                Err(NodeError::UnknownDoc(_)) => continue,
                Err(e) => return Err(e),
            };
            if meta.incremental == 0 || before.is_some_and(|t| meta.updated.0 > t) {
                continue;
            }
            let Some(doc) = self.docs.get(&id) else { continue };
            let mut b = Batch::default();
            self.compaction(&id, &mut meta, doc, &mut b)?;
            b.put(Table::Docs, id.as_bytes().to_vec(), encode(&meta));
            self.store.commit(b)?;
            done += 1;
        }
        Ok(done)
    }

    /// Compacts the documents held in memory (see [`Engine::compact_loaded`]) and closes the
    /// store. Dropping an engine also closes it, without compacting.
    pub fn close(mut self) {
        if let Err(e) = self.compact_loaded(None, usize::MAX) {
            tracing::warn!(error = %e, "could not compact documents on close");
        }
    }

    /// Forgets every in-memory copy (documents, sync states, membership caches); the next
    /// request reloads them from the store. Used after a request failed half-way.
    pub(crate) fn drop_caches(&mut self) {
        self.docs.clear();
        self.partners.clear();
        self.memberships.borrow_mut().clear();
    }
}
