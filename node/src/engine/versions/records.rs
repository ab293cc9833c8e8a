//! The version and approval records as stored under reserved root keys, and the rules every
//! node checks on receipt ([`check_change`]).

use automerge::{
    Change, ChangeHash, ScalarValue,
    legacy::{Key, ObjectId, OpType},
};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{membership::Membership, signed};

use crate::identity::peer_id;

/// Root key prefix of a version record.
pub const VERSION_PREFIX: &str = "_version/";
/// Root key prefix of an approval request.
pub const REQUEST_PREFIX: &str = "_request/";
/// Root key prefix of an approval decision.
pub const APPROVAL_PREFIX: &str = "_approval/";
/// Longest record value accepted, in bytes.
pub const MAX_RECORD_LEN: usize = 4096;
/// Most heads a version may name.
const MAX_HEADS: usize = 64;
/// Longest version name, council reference or officer name, in characters.
pub const MAX_NAME_LEN: usize = 200;

/// True for a root key that holds a version or approval record, which the schema, the editors,
/// the views and the history's field descriptions leave alone.
pub fn is_reserved(key: &str) -> bool {
    [VERSION_PREFIX, REQUEST_PREFIX, APPROVAL_PREFIX].iter().any(|p| key.starts_with(p))
        || crate::engine::attachments::is_reserved(key)
}

/// A version record, as stored (JSON) under `_version/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VersionRecord {
    pub(super) name: String,
    /// The document's heads, hex.
    pub(super) heads: Vec<String>,
    /// The naming town's PeerId; must be the change's author.
    pub(super) by: String,
    #[serde(default)]
    pub(super) officer: Option<String>,
    /// Milliseconds since the epoch.
    pub(super) at: i64,
}

/// An approval request, as stored under `_request/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RequestRecord {
    /// The requesting town's PeerId; must be the change's author, an admin.
    pub(super) by: String,
    #[serde(default)]
    pub(super) officer: Option<String>,
    pub(super) at: i64,
}

/// A town's decision on a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The council approved the version.
    Approved,
    /// The council rejected it.
    Rejected,
}

/// A decision, as stored under `_approval/{id}/{town PeerId}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApprovalRecord {
    pub(super) decision: Decision,
    /// The council decision's reference ("Délibération 2027-014").
    pub(super) reference: String,
    /// The council decision's date, ISO (`2027-02-10`).
    pub(super) date: String,
    /// The version's heads, hex: what the town decided on.
    pub(super) heads: Vec<String>,
    #[serde(default)]
    pub(super) officer: Option<String>,
    pub(super) at: i64,
}

/// What the rules on reserved records say of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reserved {
    /// It writes no reserved record, or only well-formed ones it may write.
    Fine,
    /// It writes an approval request but its author is not an admin: not valid on its own.
    AdminOnly(String),
    /// It breaks a rule no author may break: never valid.
    Forged(String),
}

/// Checks the reserved records a change writes (ops on the root map under a reserved key):
///
/// - each must be the put of a string of at most [`MAX_RECORD_LEN`] bytes that reads as the
///   record of its kind (no object, no deletion, no counter);
/// - a version's `by` is the change's author;
/// - an approval request's `by` is the author, and the author is an admin (else
///   [`Reserved::AdminOnly`]);
/// - `_approval/{id}/{town}`: `town` is the author's PeerId — nobody writes another town's
///   decision.
pub(crate) fn check_change(c: &Change, m: &Membership) -> Reserved {
    // Decoding a change costs; a change that names no reserved key cannot write one.
    let raw = c.raw_bytes();
    let names = |p: &str| raw.windows(p.len()).any(|w| w == p.as_bytes());
    if !(names(VERSION_PREFIX) || names(REQUEST_PREFIX) || names(APPROVAL_PREFIX) || names("_file")) {
        return Reserved::Fine;
    }
    let author = signed::author_of(c.actor_id());
    let author_id = author.map(|k| peer_id(&k).to_string()).unwrap_or_default();
    let mut admin_only = None;
    for op in c.decode().operations {
        let (ObjectId::Root, Key::Map(key)) = (&op.obj, &op.key) else { continue };
        let key = key.as_str();
        if !is_reserved(key) {
            continue;
        }
        let text = match &op.action {
            OpType::Put(ScalarValue::Str(s)) if s.len() <= MAX_RECORD_LEN => s.to_string(),
            _ => {
                return Reserved::Forged(format!(
                    "'{key}' may only hold a record (a string of at most {MAX_RECORD_LEN} bytes), never be replaced by another value or deleted"
                ));
            }
        };
        let admin = || author.is_some_and(|k| m.is_admin(&k));
        if let Some(rule) = crate::engine::attachments::check_op(key, &text, &author_id, admin()) {
            match rule {
                Reserved::Fine => {}
                Reserved::AdminOnly(why) => admin_only = Some(why),
                forged @ Reserved::Forged(_) => return forged,
            }
        } else if let Some(rest) = key.strip_prefix(VERSION_PREFIX) {
            let Some(r) = parse::<VersionRecord>(&text).filter(|r| valid_id(rest) && heads_ok(&r.heads))
            else {
                return Reserved::Forged(format!("'{key}' is not a well-formed version record"));
            };
            if r.by != author_id {
                return Reserved::Forged(format!(
                    "the version record '{key}' names {} as its author, but {author_id} signed it",
                    r.by
                ));
            }
        } else if let Some(rest) = key.strip_prefix(REQUEST_PREFIX) {
            let Some(r) = parse::<RequestRecord>(&text).filter(|_| valid_id(rest)) else {
                return Reserved::Forged(format!("'{key}' is not a well-formed approval request"));
            };
            if r.by != author_id {
                return Reserved::Forged(format!(
                    "the approval request '{key}' names {} as its author, but {author_id} signed it",
                    r.by
                ));
            }
            if !author.is_some_and(|k| m.is_admin(&k)) {
                admin_only = Some(format!(
                    "only an admin of the space may ask for approval ('{key}' is by {author_id})"
                ));
            }
        } else if let Some(rest) = key.strip_prefix(APPROVAL_PREFIX) {
            let Some((version, town)) = rest.split_once('/') else {
                return Reserved::Forged(format!("'{key}' names no town"));
            };
            if town != author_id {
                return Reserved::Forged(format!(
                    "forged approval: '{key}' is town {town}'s decision, but {author_id} signed it; only a town may record its own decision"
                ));
            }
            if parse::<ApprovalRecord>(&text).filter(|r| valid_id(version) && heads_ok(&r.heads)).is_none() {
                return Reserved::Forged(format!("'{key}' is not a well-formed approval record"));
            }
        }
    }
    match admin_only {
        Some(why) => Reserved::AdminOnly(why),
        None => Reserved::Fine,
    }
}

pub(super) fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
    serde_json::from_str(text).ok()
}

/// A version id: 1 to 64 lower-case letters and digits.
pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

pub(super) fn heads_ok(heads: &[String]) -> bool {
    !heads.is_empty() && heads.len() <= MAX_HEADS && heads.iter().all(|h| h.parse::<ChangeHash>().is_ok())
}

pub(super) fn hex_heads(heads: &[ChangeHash]) -> Vec<String> {
    let mut v: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    v.sort();
    v
}
