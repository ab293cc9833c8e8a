//! What a history page holds: entries, the fields each change touched, sittings.

use serde::{Deserialize, Serialize};
use twinmesh_protocol::time::Timestamp;

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
    /// The commit message as the author's node wrote it (English).
    pub message: String,
    /// Sequence number of the change for its actor.
    pub seq: u64,
    /// Signature check result: of the change's own signature, or of the later change of the
    /// same author that proves it (`verified_through`).
    pub signature: SignatureStatus,
    /// The later change of the same author whose signature proves this one, when this node
    /// keeps no signature of this change itself (sync version 5: a signature vouches for its
    /// author's earlier changes).
    #[serde(default)]
    pub verified_through: Option<String>,
    /// True if the change is part of the document; false if it was refused and kept aside.
    #[serde(default = "yes")]
    pub accepted: bool,
    /// Why a refused change was refused.
    #[serde(default)]
    pub refused_because: Option<String>,
    /// What the change did, field by field, in the requested language, read from the document
    /// (empty for a refused change, which is not part of it).
    #[serde(default)]
    pub items: Vec<FieldItem>,
}

fn yes() -> bool {
    true
}

/// What happened to one field (or list item) in a change or a sitting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// The document was created (its first change).
    Created,
    /// A value was set or cleared.
    Set,
    /// A text field was edited: see the item's `words`.
    Text,
    /// A list item was added.
    Added,
    /// A list item was removed.
    Removed,
    /// A conflict was settled: the field had concurrent values, now it has one of them.
    Settled,
    /// The field now holds concurrent values (a conflict).
    Conflict,
}

/// One field item of a change or sitting, as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldItem {
    /// The field's path (`budget/lines/3/funding_source`), with list indices as they were
    /// right after the change.
    pub path: String,
    /// The field's name in the requested language: "Budget line 4 · Funding source".
    pub label: String,
    /// What happened.
    pub what: ItemKind,
    /// The value before, formatted in the requested language (`None`: empty, or a text field).
    #[serde(default)]
    pub before: Option<String>,
    /// The value after, likewise; concurrent values are joined by " | ".
    #[serde(default)]
    pub after: Option<String>,
    /// For a text field: the words deleted and inserted, with a little context, bounded by
    /// [`MAX_SHOWN_WORDS`](super::words::MAX_SHOWN_WORDS).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<WordSpan>,
    /// The whole item as one line in the requested language.
    pub text: String,
}

/// Part of a word diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanOp {
    /// Words kept (context; long runs shortened to "…").
    Same,
    /// Words deleted.
    Del,
    /// Words inserted.
    Ins,
}

/// A run of words of one kind in a word diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordSpan {
    /// Kept, deleted or inserted.
    pub op: SpanOp,
    /// The words, separated by single spaces.
    pub text: String,
}

/// Consecutive changes by one town and officer: what a person did in one go.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sitting {
    /// The town's name, if known here.
    pub town: Option<String>,
    /// The town's key (hex).
    pub author_key: Option<String>,
    /// The officer named in the changes.
    pub officer: Option<String>,
    /// Time of the first change.
    pub first: Timestamp,
    /// RFC 3339 form of `first`.
    pub first_utc: String,
    /// Time of the last change.
    pub last: Timestamp,
    /// RFC 3339 form of `last`.
    pub last_utc: String,
    /// Number of changes.
    pub changes: usize,
    /// Hashes of its changes, oldest first.
    pub hashes: Vec<String>,
    /// Each field once: its value before the sitting's first change touched it, and after its
    /// last.
    pub items: Vec<FieldItem>,
    /// A heading line in the requested language: town, officer, times, number of changes.
    pub text: String,
}
