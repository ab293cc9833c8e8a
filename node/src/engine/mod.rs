//! The document engine: one municipality's spaces and signed documents.
//!
//! The engine is synchronous and owns the store. The CLI uses it directly when no node runs;
//! a running node owns one engine on a dedicated thread and talks to it by messages.
//!
//! This file holds the [`Engine`] struct, its opening (`init`, `open`) and the small helpers
//! every part uses. The rest, one concept per file:
//! - `docstore.rs`: the document store: documents' metadata, listing and creating documents,
//!   loading (snapshot plus changes, cached), persisting, compacting;
//! - `spaces.rs`: founding, listing and looking up spaces, and the municipalities this node can
//!   name;
//! - `members.rs`: membership of spaces (the log, invitations, the quarantine);
//! - `sync.rs`: sync with partners; `snapshot.rs`: documents sent whole; `admit.rs`: taking in
//!   received changes; `sigs.rs`: stored signatures; `syncstatus.rs`: the sync panel's counts;
//! - `edit.rs`, `splice.rs`: edits; `view.rs`: views; `history.rs`: history; `versions.rs`:
//!   named versions and approvals;
//! - `transfer.rs`, `bundle.rs`, `plain.rs`: export and import; `attachments.rs`,
//!   `attach_*.rs`: attachments; `progress.rs`: progress of long work; `handle.rs`: the handle
//!   a running node uses.

mod admit;
mod attach_bundle;
mod attach_list;
mod attach_net;
pub mod attachments;
mod bundle;
mod docstore;
mod edit;
pub(crate) mod handle;
mod history;
mod members;
mod plain;
pub mod progress;
mod sigs;
mod snapshot;
mod spaces;
mod splice;
pub mod sync;
mod syncstatus;
mod transfer;
pub mod versions;
pub mod view;

use std::collections::HashMap;

use automerge::{Automerge, ChangeHash};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::{PublicKey, SecretKey, Signature},
    signed::{self, ACTOR_SUFFIX_LEN},
    space::{Municipality, validate_name},
    time::Timestamp,
    validity::ChangeFacts,
};

pub use attach_bundle::{BUNDLE_FILE_MAX, BUNDLE_FILES_TOTAL};
pub use attach_list::{AttachmentInfo, RemovalInfo, SpaceUsage};
pub use attach_net::{BLOB_PROTOCOL, BlobPart, BlobRequest, BlobResponse, Stored, Want};
pub use attachments::AttachOptions;
pub use bundle::{BundleExport, BundleReport};
pub(crate) use docstore::put_doc_meta;
pub use docstore::{COMPACT_AFTER, DocInfo, DocMeta};
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
pub use spaces::SpaceInfo;
pub use transfer::ImportReport;
pub use twinmesh_protocol::ticket::Ticket;
pub use versions::{ApprovalInfo, Decision, VersionInfo};

use crate::{
    error::NodeError,
    identity::{self, DataDir},
    store::{self, Batch, Storage, Table, trees},
};

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
    /// The partners' sync kept in memory: session states, what a partner lacks or was sent
    /// whole, what it was seen to hold, documents listed but not held yet.
    partners: sync::PartnerSync,
    /// Membership per space, computed from its log; dropped when the log changes.
    memberships: std::cell::RefCell<HashMap<SpaceId, twinmesh_protocol::membership::Membership>>,
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

    /// A node whose store lives in memory (nothing of it on disk but what `dir` is given
    /// for attachments), with the given key and actor suffix: for the simulator.
    #[cfg(test)]
    pub(crate) fn in_memory(
        dir: &DataDir,
        name: &str,
        key: SecretKey,
        suffix: [u8; ACTOR_SUFFIX_LEN],
    ) -> Result<Self, NodeError> {
        let store: Box<dyn Storage> = Box::new(store::mem::MemStore::default());
        let me = Municipality { key: key.public(), name: name.to_string(), country: validate_country("FR")? };
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
            partners: sync::PartnerSync::default(),
            memberships: Default::default(),
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

    /// The author key of a change's actor, if it is of the Twinmesh form.
    pub fn author_of(actor: &automerge::ActorId) -> Option<PublicKey> {
        signed::author_of(actor)
    }
}

pub(crate) use twinmesh_protocol::round::parse_incoming_change;
