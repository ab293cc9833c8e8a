//! The storage schema, in one place.
//!
//! All tables live in one sled tree named [`TREE_NAME`] (so that a batch touching several
//! tables is one atomic `apply_batch`); a key's first byte names its table. Bump the version in
//! the tree name and add a numbered migration when a layout changes.
//!
//! | table      | key (after the table byte)          | value |
//! |------------|-------------------------------------|-------|
//! | Meta       | utf-8 name                          | depends on the name, see [`meta`] |
//! | Spaces     | space id (32)                       | `SignedSpace` (postcard) |
//! | MemberOps  | space id (32) ‖ op hash (32)        | `SignedOp` (postcard): the membership log |
//! | Quarantine | doc id (16) ‖ change hash (32)      | signature (64) ‖ change bytes: signed changes not (yet) valid |
//! | Invites    | sha256(secret) (32)                 | `Invite` (postcard) |
//! | Docs       | doc id (16)                         | `DocMeta` (postcard) |
//! | Changes    | doc id (16) ‖ change hash (32)      | raw Automerge change bytes not yet in a snapshot |
//! | Sigs       | doc id (16) ‖ change hash (32)      | ed25519 signature (64) |
//! | Snapshots  | doc id (16)                         | saved Automerge document |
//! | Peers      | peer key (32)                       | `PeerRecord` (postcard) |
//! | SyncStates | peer key (32) ‖ doc id (16)         | encoded Automerge `sync::State` (shared heads) |

/// Name of the sled tree holding every table. The suffix is the layout version.
pub const TREE_NAME: &str = "twinmesh-v1";

/// Layout version written to [`meta::STORE_VERSION`].
pub const STORE_VERSION: u32 = 1;

/// Logical tables; the discriminant is the key prefix byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Table {
    /// Node metadata.
    Meta = 1,
    /// Spaces this node belongs to.
    Spaces = 2,
    /// Documents.
    Docs = 3,
    /// Incremental changes.
    Changes = 4,
    /// Change signatures.
    Sigs = 5,
    /// Compacted documents.
    Snapshots = 6,
    /// Known partner nodes.
    Peers = 7,
    /// Membership log operations.
    MemberOps = 8,
    /// Persisted Automerge sync state per (peer, document).
    SyncStates = 9,
    /// Signed changes whose author may not write (kept in case a valid change comes to
    /// depend on them, and for the history view).
    Quarantine = 10,
    /// Invitations this node issued.
    Invites = 11,
}

/// Names of entries in the Meta table.
pub mod meta {
    /// `u32` big-endian layout version.
    pub const STORE_VERSION: &str = "store_version";
    /// `Municipality` (postcard): this node's key, name and country.
    pub const PROFILE: &str = "profile";
    /// 16 random bytes written at init. No longer read: every opening of the store picks a
    /// fresh actor suffix (see `Engine::open`). Kept so older stores stay readable.
    pub const ACTOR_SUFFIX: &str = "actor_suffix";
}

/// `doc id ‖ change hash`, the key of Changes and Sigs.
pub fn change_key(doc: &[u8; 16], hash: &[u8; 32]) -> Vec<u8> {
    let mut k = Vec::with_capacity(48);
    k.extend_from_slice(doc);
    k.extend_from_slice(hash);
    k
}
