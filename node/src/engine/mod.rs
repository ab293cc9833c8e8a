//! The document engine: one municipality's spaces and signed documents.
//!
//! The engine is synchronous and owns the store. The CLI uses it directly when no node runs;
//! a running node owns one engine on a dedicated thread and talks to it by messages.

mod admit;
mod attach_bundle;
mod attach_list;
mod attach_net;
pub mod attachments;
mod bundle;
mod edit;
pub(crate) mod handle;
mod history;
mod members;
mod plain;
pub mod progress;
mod sigs;
mod snapshot;
mod splice;
pub mod sync;
mod syncstatus;
mod transfer;
pub mod versions;
pub mod view;

use std::collections::HashMap;

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::{PublicKey, SecretKey, Signature},
    schema::{self, DocKind},
    signed::{self, ACTOR_SUFFIX_LEN},
    space::{Municipality, SignedSpace, validate_name},
    time::Timestamp,
    validity::ChangeFacts,
};

pub use attach_bundle::{BUNDLE_FILE_MAX, BUNDLE_FILES_TOTAL};
pub use attach_list::{AttachmentInfo, RemovalInfo, SpaceUsage};
pub use attach_net::{BLOB_PROTOCOL, BlobPart, BlobRequest, BlobResponse, Stored, Want};
pub use attachments::AttachOptions;
pub use bundle::{BundleExport, BundleReport};
pub use edit::{Edit, EditOutcome};
pub use handle::EngineHandle;
pub use history::{
    FieldItem, HISTORY_DESCRIBE_MAX, HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX, HistoryEntry, HistoryPage,
    HistoryQuery, ItemKind, MAX_SHOWN_WORDS, MIN_HASH_PREFIX, SITTING_GAP_MS, SignatureStatus, Sitting,
    SpanOp, WordSpan, words_text,
};
pub use members::Invite;
pub use plain::{LeftOut, MAX_PLAIN_IMPORT_BYTES, PlainImport, PlainSource};
pub use progress::{PercentGate, ProgressSink, Step, Work};
pub use snapshot::{Installed, Opening};
pub use transfer::ImportReport;
pub use twinmesh_protocol::ticket::Ticket;
pub use versions::{ApprovalInfo, Decision, VersionInfo};

use crate::{
    error::NodeError,
    i18n::{self, Lang},
    identity::{self, DataDir},
    store::{self, Batch, Storage, Table, trees},
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

/// A space as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpaceInfo {
    /// Its id.
    pub id: SpaceId,
    /// Its name.
    pub name: String,
    /// The founding municipality.
    pub founder: Municipality,
    /// When it was founded.
    pub created: Timestamp,
    /// Number of documents in it on this node.
    pub documents: usize,
}

/// The current wall-clock time.
pub fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp(ms)
}

pub(crate) fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::Rng::fill(&mut rand::rng(), &mut b[..]);
    b
}

/// A fresh list-item id: 8 random bytes, base32.
pub(crate) fn new_item_id() -> String {
    data_encoding::BASE32_NOPAD.encode(&random::<8>()).to_ascii_lowercase()
}

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    postcard::to_stdvec(v).unwrap_or_default()
}

fn decode<T: for<'de> Deserialize<'de>>(what: &str, bytes: &[u8]) -> Result<T, NodeError> {
    postcard::from_bytes(bytes).map_err(|e| NodeError::Corrupt(format!("stored {what}: {e}")))
}

/// Writes a document's metadata and its heads record (see [`trees::heads`]) into `b`. Every
/// path that writes a document's `DocMeta` goes through here, so the two never disagree.
pub(crate) fn put_doc_meta(b: &mut Batch, id: &DocId, meta: &DocMeta, doc: &Automerge) {
    let heads: Vec<[u8; 32]> = doc.get_heads().iter().map(|h| h.0).collect();
    b.put(Table::Docs, id.as_bytes().to_vec(), encode(meta));
    b.put(Table::Heads, id.as_bytes().to_vec(), trees::heads::encode(meta.changes, meta.updated.0, &heads));
}

/// What [`signed::verify_batch`] needs of each change, with the signature that came with it.
pub(crate) fn checks<'a, C: ChangeFacts>(
    changes: &'a [C],
    sigs: &HashMap<ChangeHash, Signature>,
) -> Vec<signed::ChangeToVerify<'a>> {
    changes
        .iter()
        .map(|c| signed::ChangeToVerify {
            hash: c.hash(),
            actor: c.actor(),
            signature: sigs.get(&c.hash()).copied(),
        })
        .collect()
}

/// Checks an ISO 3166-1 alpha-2 country code (an assigned one, as document fields are checked),
/// returning it upper-cased.
pub fn validate_country(code: &str) -> Result<String, NodeError> {
    twinmesh_protocol::schema::country_code(code).ok_or_else(|| {
        NodeError::InvalidInput(format!(
            "'{code}' is not a country code: use two letters (ISO 3166-1), e.g. FR, DE, GB"
        ))
    })
}

/// One municipality's document engine.
pub struct Engine {
    dir: DataDir,
    store: Box<dyn Storage>,
    key: SecretKey,
    me: Municipality,
    suffix: [u8; ACTOR_SUFFIX_LEN],
    docs: HashMap<DocId, Automerge>,
    /// Documents a member announced that this node does not hold yet: (space, kind).
    pending_docs: HashMap<DocId, (SpaceId, DocKind)>,
    /// Automerge sync state per (peer key, document) for the current connections.
    sync_states: HashMap<([u8; 32], DocId), automerge::sync::State>,
    /// Documents a partner's last hello did not list though it may read them: it holds none of
    /// them, so a session can send them whole (see `snapshot.rs`).
    peer_lacks: std::collections::HashSet<([u8; 32], DocId)>,
    /// Documents a partner fetched whole from this node: until its hello lists them, they are
    /// on their way, so neither pushed again nor synced (the partner drives its own fallback).
    served_whole: std::collections::HashSet<([u8; 32], DocId)>,
    /// Membership per space, computed from its log; dropped when the log changes.
    memberships: std::cell::RefCell<HashMap<SpaceId, twinmesh_protocol::membership::Membership>>,
    /// Heads a partner's hello or announcement showed it holds (its digest was this node's):
    /// what the sync panel counts from besides the sync states (see `syncstatus.rs`).
    partner_seen: HashMap<([u8; 32], DocId), Vec<automerge::ChangeHash>>,
    /// Attachments: the documents' records as last read, and files asked for on demand.
    attach: attachments::AttachState,
    /// Where work started without a progress callback reports its progress (see `progress.rs`).
    progress: Option<ProgressSink>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("dir", &self.dir).field("me", &self.me.name).finish()
    }
}

impl Engine {
    /// Creates a node identity and store in `dir`.
    ///
    /// # Errors
    /// [`NodeError::AlreadyInitialized`] if a key exists and `force` is false. With `force`, the
    /// old key file is renamed to `identity.key.replaced-<millis>`, never deleted.
    pub fn init(dir: &DataDir, name: &str, country: &str, force: bool) -> Result<Self, NodeError> {
        if !validate_name(name) {
            return Err(NodeError::InvalidInput(format!(
                "'{name}' is not a usable municipality name (1 to 200 characters, no control characters)"
            )));
        }
        let country = validate_country(country)?;
        let key_path = dir.key_path();
        if key_path.exists() && !force {
            return Err(NodeError::AlreadyInitialized(dir.root().to_path_buf()));
        }
        identity::create_private_dir(dir.root()).map_err(|e| NodeError::io(dir.root(), e))?;
        // Open the store first: if it is locked (a node runs), nothing is touched.
        let store = store::open(&dir.store_path())?;
        if key_path.exists() {
            let backup = dir.root().join(format!("identity.key.replaced-{}", now().as_millis()));
            std::fs::rename(&key_path, &backup).map_err(|e| NodeError::io(&key_path, e))?;
            tracing::info!(backup = %backup.display(), "replaced the node identity; old key kept");
        }
        let key = SecretKey::from_bytes(random());
        identity::write_key(&key_path, &key)?;
        let me = Municipality { key: key.public(), name: name.trim().to_string(), country };
        let suffix = random::<ACTOR_SUFFIX_LEN>();
        let mut b = Batch::default();
        b.put(Table::Meta, trees::meta::PROFILE, encode(&me));
        b.put(Table::Meta, trees::meta::ACTOR_SUFFIX, suffix.to_vec());
        store.commit(b)?;
        Ok(Self::assemble(dir, store, key, me, suffix))
    }

    /// Opens an existing node's data dir.
    ///
    /// # Errors
    /// [`NodeError::NotInitialized`] if there is no key; [`crate::store::StoreError::Locked`]
    /// if another process has the store open.
    pub fn open(dir: &DataDir) -> Result<Self, NodeError> {
        if !dir.is_initialized() {
            return Err(NodeError::NotInitialized(dir.root().to_path_buf()));
        }
        let key = identity::read_key(&dir.key_path())?;
        let store = store::open(&dir.store_path())?;
        let me: Municipality = match store.get(Table::Meta, trees::meta::PROFILE.as_bytes())? {
            Some(b) => decode("profile", &b)?,
            None => {
                return Err(NodeError::Corrupt(
                    "the store has no profile; re-run `twin init --force`".into(),
                ));
            }
        };
        if me.key != key.public() {
            return Err(NodeError::Corrupt(format!(
                "identity.key does not match the store's profile ({}); was the key file replaced by hand?",
                me.name
            )));
        }
        // A fresh actor suffix for every opening of the store. If a crash ever loses the tail
        // of what this node wrote (or a backup is restored), changes that partners already hold
        // can then never collide with new ones on the same (actor, seq): Automerge would refuse
        // the document as corrupt. We saw exactly that after SIGKILL with sled 0.34 (see
        // docs/operations.md). The cost is one more actor id in a document per run.
        let suffix = random::<ACTOR_SUFFIX_LEN>();
        let mut engine = Self::assemble(dir, store, key, me, suffix);
        engine.blobs().clean_temps();
        engine.clean_member_logs()?;
        engine.finish_revalidations()?;
        Ok(engine)
    }

    fn assemble(
        dir: &DataDir,
        store: Box<dyn Storage>,
        key: SecretKey,
        me: Municipality,
        suffix: [u8; ACTOR_SUFFIX_LEN],
    ) -> Self {
        Self {
            dir: dir.clone(),
            store,
            key,
            me,
            suffix,
            docs: HashMap::new(),
            pending_docs: HashMap::new(),
            sync_states: HashMap::new(),
            peer_lacks: Default::default(),
            served_whole: Default::default(),
            memberships: Default::default(),
            partner_seen: HashMap::new(),
            attach: Default::default(),
            progress: None,
        }
    }

    /// This municipality.
    pub fn me(&self) -> &Municipality {
        &self.me
    }

    /// The node's secret key (for the network identity).
    pub fn secret_key(&self) -> &SecretKey {
        &self.key
    }

    /// The data dir.
    pub fn data_dir(&self) -> &DataDir {
        &self.dir
    }

    /// The store's size on disk in bytes.
    pub fn store_size(&self) -> Result<u64, NodeError> {
        Ok(self.store.size_on_disk()?)
    }

    fn actor(&self) -> automerge::ActorId {
        signed::actor_id(&self.key.public(), self.suffix)
    }

    // ---- spaces ----

    /// Founds a new space with this municipality as founder.
    pub fn create_space(&mut self, name: &str) -> Result<SpaceInfo, NodeError> {
        let space = SignedSpace::create(&self.key, name, self.me.clone(), now(), random())?;
        let id = space.id();
        let mut b = Batch::default();
        b.put(Table::Spaces, id.as_bytes().to_vec(), space.to_bytes());
        self.store.commit(b)?;
        self.space_info(&id)
    }

    /// A space's signed record.
    pub fn space(&self, id: &SpaceId) -> Result<SignedSpace, NodeError> {
        let bytes = self
            .store
            .get(Table::Spaces, id.as_bytes())?
            .ok_or_else(|| NodeError::UnknownSpace(id.to_string()))?;
        Ok(SignedSpace::from_bytes(&bytes)?)
    }

    fn space_info(&self, id: &SpaceId) -> Result<SpaceInfo, NodeError> {
        let s = self.space(id)?;
        let documents = self.docs(Some(id))?.len();
        Ok(SpaceInfo {
            id: *id,
            name: s.genesis.name,
            founder: s.genesis.founder,
            created: s.genesis.created,
            documents,
        })
    }

    /// Every space this node knows.
    pub fn spaces(&self) -> Result<Vec<SpaceInfo>, NodeError> {
        let mut out = Vec::new();
        for (k, _) in self.store.scan(Table::Spaces, &[])? {
            let id = SpaceId::from_slice(&k).ok_or_else(|| NodeError::Corrupt("space key".into()))?;
            out.push(self.space_info(&id)?);
        }
        out.sort_by(|a, b| a.created.cmp(&b.created).then(a.name.cmp(&b.name)));
        Ok(out)
    }

    /// Municipalities this node can name: itself and every space's founder.
    pub fn known_municipalities(&self) -> Result<HashMap<[u8; 32], Municipality>, NodeError> {
        let mut out = HashMap::new();
        for (_, v) in self.store.scan(Table::Spaces, &[])? {
            if let Ok(s) = SignedSpace::from_bytes(&v) {
                out.insert(s.genesis.founder.key.to_bytes(), s.genesis.founder);
            }
        }
        for (key, rec) in self.peers()? {
            if let Some(p) = rec.profile {
                out.insert(key.to_bytes(), p);
            }
        }
        for (key, name) in self.member_names()? {
            out.entry(key).or_insert_with(|| Municipality {
                key: PublicKey::from_bytes(&key).unwrap_or(self.me.key),
                name,
                country: String::new(),
            });
        }
        out.insert(self.me.key.to_bytes(), self.me.clone());
        Ok(out)
    }

    // ---- documents ----

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
        self.persist_changes(&id, meta, &doc, &[(change, sig)])?;
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
    fn load_from_store(&self, id: &DocId) -> Result<(Automerge, Vec<Change>), NodeError> {
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
        changes: &[(Change, Signature)],
    ) -> Result<(), NodeError> {
        self.persist_changes_with(id, meta, doc, changes, Batch::default())
    }

    /// [`Engine::persist_changes`], committing `b`'s writes in the same batch.
    pub(crate) fn persist_changes_with(
        &mut self,
        id: &DocId,
        mut meta: DocMeta,
        doc: &Automerge,
        changes: &[(Change, Signature)],
        mut b: Batch,
    ) -> Result<(), NodeError> {
        for (change, sig) in changes {
            let key = trees::change_key(id.as_bytes(), &change.hash().0);
            b.put(Table::Changes, key.clone(), change.raw_bytes().to_vec());
            b.put(Table::Sigs, key, sig.0.to_vec());
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
    /// `doc` saved whole, and move their signatures into a block.
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
        self.fold_signatures(id, b)?;
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
        self.pending_docs.clear();
        self.sync_states.clear();
        self.memberships.borrow_mut().clear();
    }

    /// The author key of a change's actor, if it is of the Twinmesh form.
    pub fn author_of(actor: &automerge::ActorId) -> Option<PublicKey> {
        signed::author_of(actor)
    }
}

pub(crate) use twinmesh_protocol::round::parse_incoming_change;
