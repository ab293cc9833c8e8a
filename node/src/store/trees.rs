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
//! | Sigs       | doc id (16) ‖ change hash (32)      | ed25519 signature (64) of a change not yet in a snapshot |
//! | SigBlocks  | doc id (16) ‖ block number u32 BE   | [`sig_block`]: signatures of changes folded into the snapshot |
//! | Snapshots  | doc id (16)                         | saved Automerge document |
//! | Peers      | peer key (32)                       | `PeerRecord` (postcard) |
//! | SyncStates | peer key (32) ‖ doc id (16)         | encoded Automerge `sync::State` (shared heads) |
//! | Heads      | doc id (16)                         | [`heads`] record: the document's heads, stamped with its `DocMeta` |
//! | AttachIndex | doc id (16)                        | the document's attachment records as last read (JSON), stamped with its `DocMeta` |
//!
//! Heads was added without a layout bump: a store written before it has no entry, and a reader
//! then loads the document (see [`heads`]). AttachIndex likewise: without an entry (or with a
//! stale or unreadable one) the document is loaded and its attachments read again.
//!
//! Below the tables, the sled backend stores a value over 4 KiB in pieces under keys of their
//! own (`sled_store.rs`, [`super::SledStore`]); callers always see whole values.
//!
//! Version 2 added SigBlocks and the pieces. A version-1 store keeps every signature in Sigs, one row per change;
//! a version-2 reader looks in both tables, so such a store needs no migration, and each
//! document's rows move into a block at its next compaction. A version-1 build would not find
//! the signatures in blocks, so opening a store raises its version to 2 and older builds refuse
//! it ([`super::StoreError::TooNew`]).

/// Name of the sled tree holding every table. The suffix is the layout version.
pub const TREE_NAME: &str = "twinmesh-v1";

/// Layout version written to [`meta::STORE_VERSION`].
pub const STORE_VERSION: u32 = 2;

/// Logical tables; the discriminant is the key prefix byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Each document's current heads, so a hello or an announcement needs no Automerge load.
    Heads = 12,
    /// Signatures of the changes folded into a document's snapshot, in a few large blocks.
    SigBlocks = 13,
    /// Each document's attachment records as last read, so a restarted node knows which
    /// attachments to fetch without loading every document.
    AttachIndex = 14,
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
    /// Prefix of `revalidate/<space id>` (empty value): the space's membership log changed and
    /// its documents have not all been checked against it yet. Written in the same batch as
    /// the log change and removed once every document is checked; an engine that opens the
    /// store finishes what a crash or an error interrupted.
    pub const REVALIDATE: &str = "revalidate/";

    /// Empty value, written once the membership logs of a store from before the door rule
    /// were cleaned of operations that can never apply (`Engine::clean_member_logs`).
    pub const MEMBER_LOGS_CLEANED: &str = "member_logs_cleaned";

    /// `i64` big-endian milliseconds since the epoch: when a partner last announced that it
    /// speaks only sync protocol versions 1 to 4. While that is recent, compaction keeps every
    /// change's signature (an older partner needs one per change; see `Engine::prune_allowed`).
    pub const OLDER_PARTNER_SEEN: &str = "older_partner_seen";

    /// The `revalidate/<space id>` entry of `space`.
    pub fn revalidate_key(space: &twinmesh_protocol::ids::SpaceId) -> Vec<u8> {
        format!("{REVALIDATE}{space}").into_bytes()
    }
}

/// `doc id ‖ change hash`, the key of Changes and Sigs.
pub fn change_key(doc: &[u8; 16], hash: &[u8; 32]) -> Vec<u8> {
    let mut k = Vec::with_capacity(48);
    k.extend_from_slice(doc);
    k.extend_from_slice(hash);
    k
}

/// `doc id ‖ block number`, the key of SigBlocks.
pub fn block_key(doc: &[u8; 16], number: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(20);
    k.extend_from_slice(doc);
    k.extend_from_slice(&number.to_be_bytes());
    k
}

/// The SigBlocks table's record: `(change hash, signature)` pairs sorted by hash.
///
/// Layout: `1u8 ‖ (hash (32) ‖ signature (64)) × n`.
///
/// One row per signature made the store grow to 80 times the saved document on the editing
/// trace: sled writes each random-key insert into a small leaf page, and its log keeps every
/// rewritten page until it reclaims the segment (docs/benchmarks.md). A block is written once
/// per compaction instead, and blocks merge like a binary counter (a new block absorbs the last
/// one while that one is less than twice its size), so a document has O(log n) blocks and each
/// signature is rewritten O(log n) times.
pub mod sig_block {
    const VERSION: u8 = 1;
    /// Bytes of one `(hash, signature)` pair.
    pub const PAIR: usize = 32 + 64;

    /// One pair.
    pub type Pair = ([u8; 32], [u8; 64]);

    /// Encodes a block; `pairs` must be sorted by hash.
    pub fn encode(pairs: &[Pair]) -> Vec<u8> {
        let mut v = Vec::with_capacity(1 + PAIR * pairs.len());
        v.push(VERSION);
        for (h, s) in pairs {
            v.extend_from_slice(h);
            v.extend_from_slice(s);
        }
        v
    }

    /// Decodes a block; `None` if it is not one (wrong version, a partial pair, or pairs out of
    /// hash order, which would break the binary search of [`find`]).
    pub fn decode(v: &[u8]) -> Option<Vec<Pair>> {
        let body = v.strip_prefix(&[VERSION])?;
        if !body.len().is_multiple_of(PAIR) {
            return None;
        }
        let mut out: Vec<Pair> = Vec::with_capacity(body.len() / PAIR);
        for c in body.chunks_exact(PAIR) {
            let pair: Pair = (c[..32].try_into().ok()?, c[32..].try_into().ok()?);
            if out.last().is_some_and(|(prev, _)| *prev >= pair.0) {
                return None;
            }
            out.push(pair);
        }
        Some(out)
    }

    /// The signature of `hash` in a decoded block.
    pub fn find(pairs: &[Pair], hash: &[u8; 32]) -> Option<[u8; 64]> {
        pairs.binary_search_by(|(h, _)| h.cmp(hash)).ok().map(|i| pairs[i].1)
    }

    /// Merges two sorted blocks into one sorted block without repeated hashes.
    pub fn merge(a: Vec<Pair>, b: Vec<Pair>) -> Vec<Pair> {
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    b.next();
                    a.next()
                }
                (Some(x), Some(y)) if x.0 < y.0 => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            out.extend(next);
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn blocks_round_trip_merge_and_refuse_garbage() {
            let a = vec![([1; 32], [10; 64]), ([3; 32], [30; 64])];
            let b = vec![([2; 32], [20; 64]), ([3; 32], [31; 64]), ([4; 32], [40; 64])];
            assert_eq!(decode(&encode(&a)), Some(a.clone()));
            let m = merge(a, b);
            let hashes: Vec<u8> = m.iter().map(|(h, _)| h[0]).collect();
            assert_eq!(hashes, vec![1, 2, 3, 4]);
            assert_eq!(find(&m, &[2; 32]), Some([20; 64]));
            assert_eq!(find(&m, &[5; 32]), None);
            let v = encode(&m);
            assert_eq!(decode(&v[..v.len() - 1]), None);
            assert_eq!(decode(&[]), None);
            assert_eq!(decode(&[VERSION]), Some(vec![]));
            let unsorted = encode(&[([2; 32], [0; 64]), ([1; 32], [0; 64])]);
            assert_eq!(decode(&unsorted), None);
            let mut bad = v.clone();
            bad[0] = 9;
            assert_eq!(decode(&bad), None);
        }
    }
}

/// The Heads table's record: a document's sorted heads, with the `(changes, updated)` of the
/// `DocMeta` written in the same batch.
///
/// Layout: `1u8 ‖ changes u64 BE ‖ updated i64 BE ‖ head (32) × n`. The stamp makes a record that
/// a build without this table could have left stale (a downgrade, then an upgrade: that build
/// writes `DocMeta` but not the heads) detectable: a reader uses a record only if its stamp equals
/// the current `DocMeta`'s, and otherwise loads the document.
pub mod heads {
    const VERSION: u8 = 1;
    const HEADER: usize = 1 + 8 + 8;

    /// Encodes a record.
    pub fn encode(changes: u64, updated: i64, heads: &[[u8; 32]]) -> Vec<u8> {
        let mut sorted = heads.to_vec();
        sorted.sort();
        let mut v = Vec::with_capacity(HEADER + 32 * sorted.len());
        v.push(VERSION);
        v.extend_from_slice(&changes.to_be_bytes());
        v.extend_from_slice(&updated.to_be_bytes());
        for h in sorted {
            v.extend_from_slice(&h);
        }
        v
    }

    /// A decoded record.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Record {
        /// `DocMeta::changes` when it was written.
        pub changes: u64,
        /// `DocMeta::updated` (milliseconds) when it was written.
        pub updated: i64,
        /// The sorted heads.
        pub heads: Vec<[u8; 32]>,
    }

    /// Decodes a record; `None` if it is not one.
    pub fn decode(v: &[u8]) -> Option<Record> {
        if v.len() < HEADER || v[0] != VERSION || !(v.len() - HEADER).is_multiple_of(32) {
            return None;
        }
        let changes = u64::from_be_bytes(v[1..9].try_into().ok()?);
        let updated = i64::from_be_bytes(v[9..17].try_into().ok()?);
        let heads = v[HEADER..].chunks_exact(32).filter_map(|c| c.try_into().ok()).collect();
        Some(Record { changes, updated, heads })
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn records_round_trip_and_garbage_is_refused() {
            let v = super::encode(7, -3, &[[2; 32], [1; 32]]);
            let want = super::Record { changes: 7, updated: -3, heads: vec![[1; 32], [2; 32]] };
            assert_eq!(super::decode(&v), Some(want));
            assert_eq!(super::decode(&v[..v.len() - 1]), None);
            assert_eq!(super::decode(&[]), None);
            let mut bad = v.clone();
            bad[0] = 9;
            assert_eq!(super::decode(&bad), None);
        }
    }
}
