//! A document's history as people read it.
//!
//! Each change is described from the document itself, never from its commit message: the
//! Automerge diff between the change's parents and the change names the fields it touched, and
//! their values before and after are read at those two points. Fields are named by their labels
//! ([`crate::labels::field_label`]) and values are formatted in the reader's language; a text
//! field is shown as a word diff, a list item added or removed by its item name ("Work package 3
//! added"), and a change that only settles a conflict as such ("conflict settled: kept X").
//!
//! Consecutive changes by the same town and officer, each within [`SITTING_GAP_MS`] of the one
//! before, form a *sitting*: what a person did in one go. A sitting lists each field once, with
//! its first value before and its last value after.

use std::collections::{HashMap, HashSet};

use automerge::{
    Automerge, Change, ChangeHash, ObjId, ObjType, PatchAction, Prop, ReadDoc, ScalarValue, Value,
};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::DocId,
    keys::Signature,
    locale::{format_amount, format_date, format_number, read_date},
    schema::{self, DocKind, FieldType, Path, Scalar, Seg},
    signed::{self, ChangeRejection},
    time::Timestamp,
};

use super::{Engine, edit::parse_message, transfer::find_change};
use crate::{error::NodeError, i18n::Lang, labels, t};

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
    /// Signature check result.
    pub signature: SignatureStatus,
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
    /// [`MAX_SHOWN_WORDS`].
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

/// Changes in a history page when the caller names no limit: a screenful, and a response of
/// tens of kilobytes rather than the whole history (100,000 changes were 42 MB).
pub const HISTORY_PAGE_DEFAULT: usize = 100;

/// Most changes in one history page: bounds the response (~0.4 kB per change) and the
/// signature checks one request costs.
pub const HISTORY_PAGE_MAX: usize = 1000;

/// Fewest hex digits accepted for a change hash prefix (`--at`, `before`).
pub const MIN_HASH_PREFIX: usize = 8;

/// Most changes one history request describes: a `field` filter describes every change it looks
/// at, and one description reads the document at two points (about 1.4 ms for a change of a
/// 1,000-change plan, release build), so a request costs at most what a full page of
/// [`HISTORY_PAGE_MAX`] described changes costs. A filtered page that stops here is shorter than
/// `limit`, and its `older` cursor continues the search.
pub const HISTORY_DESCRIBE_MAX: usize = HISTORY_PAGE_MAX;

/// Longest pause between two changes of one sitting, in milliseconds: ten minutes. An officer
/// filling in a form saves every few seconds to minutes; a pause longer than a coffee break
/// starts a new sitting. Measured from each change to the next, so a long session of steady
/// work stays one sitting.
pub const SITTING_GAP_MS: i64 = 10 * 60 * 1000;

/// Most words a word diff shows (kept, deleted and inserted together); the rest is cut with
/// "…". Bounds a history item whatever the size of the text (up to `schema::MAX_TEXT_LEN`).
pub const MAX_SHOWN_WORDS: usize = 80;

/// Kept words shown around each change in a word diff.
const CONTEXT_WORDS: usize = 3;

/// Largest word-by-word comparison table (changed words before × after, once the common start
/// and end are set aside): 4 MB of `u32`. A bigger rewrite is shown as all old words deleted
/// and all new inserted.
const MAX_DIFF_CELLS: usize = 1_000_000;

/// What a history request asks for beside the page (see [`Engine::history_page`]).
#[derive(Debug, Clone)]
pub struct HistoryQuery {
    /// Changes per page.
    pub limit: usize,
    /// Only changes before this one (a hash or a unique prefix).
    pub before: Option<String>,
    /// The language of labels and values.
    pub lang: Lang,
    /// Describe each change field by field (`items`).
    pub describe: bool,
    /// Also group the page into sittings.
    pub group: bool,
    /// Only changes by this town: its name (any case), PeerId or key (hex, or a prefix of it).
    pub town: Option<String>,
    /// Only changes by this officer (any case, a part of the name is enough).
    pub officer: Option<String>,
    /// Only changes touching this field or anything under it (a path prefix: `budget/lines`).
    pub field: Option<String>,
    /// Only changes on or after this day (as typed: `2027-04-30`, `30.04.2027`, `2027-04`).
    pub since: Option<String>,
    /// Only changes on or before this day.
    pub until: Option<String>,
}

impl Default for HistoryQuery {
    /// A default page of the newest changes, in English, unfiltered.
    fn default() -> Self {
        Self {
            limit: HISTORY_PAGE_DEFAULT,
            before: None,
            lang: Lang::En,
            describe: false,
            group: false,
            town: None,
            officer: None,
            field: None,
            since: None,
            until: None,
        }
    }
}

/// One page of a document's history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The changes of this page, oldest first: the `limit` changes (that pass the filters)
    /// just before the cursor.
    pub entries: Vec<HistoryEntry>,
    /// Changes in the whole history, refused ones included.
    pub total: usize,
    /// The cursor for the next older page (`before=`), or `None` if this page reaches the first
    /// change. It is the hash of this page's oldest change.
    pub older: Option<String>,
    /// The page's accepted changes grouped into sittings, when asked for (`group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sittings: Option<Vec<Sitting>>,
}

/// The filters of a [`HistoryQuery`], parsed.
struct Filter {
    town: Option<String>,
    officer: Option<String>,
    field: Option<Path>,
    since: Option<i64>,
    until: Option<i64>,
}

impl Filter {
    fn parse(q: &HistoryQuery) -> Result<Self, NodeError> {
        let field = match q.field.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Some(f.parse::<Path>()?),
            None => None,
        };
        let day = |s: &Option<String>, end: bool| -> Result<Option<i64>, NodeError> {
            match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(text) => day_bound(text, end).map(Some).ok_or_else(|| {
                    NodeError::InvalidInput(format!(
                        "'{text}' is not a date: give a day such as 2027-04-30 (or 30.04.2027, 30/04/2027)"
                    ))
                }),
            }
        };
        let lower =
            |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
        Ok(Self {
            town: lower(&q.town),
            officer: lower(&q.officer),
            field,
            since: day(&q.since, false)?,
            until: day(&q.until, true)?,
        })
    }

    /// The filters that need no description of the change.
    fn cheap(&self, f: &Facts, names: &HashMap<[u8; 32], twinmesh_protocol::space::Municipality>) -> bool {
        if self.since.is_some_and(|s| f.time < s) || self.until.is_some_and(|u| f.time > u) {
            return false;
        }
        if let Some(o) = &self.officer
            && !f.officer.as_deref().is_some_and(|n| n.to_lowercase().contains(o.as_str()))
        {
            return false;
        }
        if let Some(t) = &self.town {
            let Some(key) = f.key else { return false };
            let name = names.get(&key.to_bytes()).map(|m| m.name.to_lowercase());
            let hex = key.to_string();
            let peer = crate::identity::peer_id(&key).to_string().to_lowercase();
            let hit = name.as_deref() == Some(t.as_str())
                || peer == *t
                || (t.len() >= MIN_HASH_PREFIX && hex.starts_with(t.as_str()));
            if !hit {
                return false;
            }
        }
        true
    }

    fn touches(&self, touches: &[Touch]) -> bool {
        match &self.field {
            None => true,
            Some(p) => touches.iter().any(|t| t.path.0.starts_with(&p.0)),
        }
    }
}

/// What the filters read of a change without describing it.
struct Facts {
    key: Option<twinmesh_protocol::keys::PublicKey>,
    officer: Option<String>,
    time: i64,
}

impl Engine {
    /// The whole change history of a document, oldest first (tests and small documents; the
    /// API pages it with [`Engine::history_page`]).
    pub fn history(&mut self, id: &DocId) -> Result<Vec<HistoryEntry>, NodeError> {
        let q = HistoryQuery { limit: usize::MAX, ..HistoryQuery::default() };
        Ok(self.history_page(id, &q)?.entries)
    }

    /// A page of the change history: the `q.limit` changes that pass `q`'s filters just before
    /// `q.before` (a change hash or a unique prefix of at least [`MIN_HASH_PREFIX`] hex digits),
    /// or the newest ones, each described in `q.lang`. The order is the document's own: its
    /// changes as applied, then the changes it refused. New changes only ever come after the
    /// ones already there, so a cursor stays valid and pages do not shift while changes arrive.
    /// Only the page's signatures are verified. A `field` filter describes each change it looks
    /// at, back to the first that fills the page.
    pub fn history_page(&mut self, id: &DocId, q: &HistoryQuery) -> Result<HistoryPage, NodeError> {
        let filter = Filter::parse(q)?;
        let kind = self.doc_meta(id)?.kind;
        let names = self.known_municipalities()?;
        let refused = self.rejected_changes(id)?;
        let doc = self.load(id)?;
        let metas = doc.get_changes_meta(&[]);
        let own_count = metas.len();
        let total = own_count + refused.len();
        let hash_at = |i: usize| if i < own_count { metas[i].hash } else { refused[i - own_count].0.hash() };
        let end = match q.before.as_deref() {
            None => total,
            Some(text) => {
                let hash = find_change((0..total).map(hash_at), text)?;
                (0..total).position(|i| hash_at(i) == hash).unwrap_or(total)
            }
        };
        let facts = |i: usize| -> Facts {
            let (actor, time, msg) = if i < own_count {
                let m = &metas[i];
                (m.actor.as_ref().clone(), m.timestamp, m.message.as_deref().unwrap_or("").to_string())
            } else {
                let c = &refused[i - own_count].0;
                (c.actor_id().clone(), c.timestamp(), c.message().map(str::to_string).unwrap_or_default())
            };
            Facts { key: signed::author_of(&actor), officer: parse_message(&msg).1, time }
        };
        // Newest first, back from the cursor, until the page is full; `i` is the oldest change
        // looked at, where the next page starts.
        let describing = q.describe || filter.field.is_some();
        let mut picked: Vec<(usize, Vec<Touch>)> = Vec::new();
        let mut described = 0usize;
        let mut i = end;
        while i > 0 && picked.len() < q.limit {
            let j = i - 1;
            if !filter.cheap(&facts(j), &names) {
                i = j;
                continue;
            }
            let touches = if describing && j < own_count {
                if described == HISTORY_DESCRIBE_MAX {
                    break;
                }
                described += 1;
                describe(doc, metas[j].hash, &metas[j].deps)
            } else {
                Vec::new()
            };
            i = j;
            if filter.touches(&touches) {
                picked.push((j, touches));
            }
        }
        let older = (i > 0 && i < end).then(|| hash_at(i).to_string());
        picked.reverse();
        let own_hashes: Vec<ChangeHash> =
            picked.iter().filter(|(i, _)| *i < own_count).map(|(i, _)| metas[*i].hash).collect();
        let picked_hashes: Vec<ChangeHash> = picked.iter().map(|(i, _)| hash_at(*i)).collect();
        drop(metas);
        let sigs: HashMap<ChangeHash, Signature> = own_hashes
            .iter()
            .zip(self.signatures_of(id, &own_hashes)?)
            .filter_map(|(h, s)| s.map(|s| (*h, s)))
            .collect();
        let doc = self.load(id)?;
        let own = own_hashes
            .iter()
            .map(|h| {
                doc.get_change_by_hash(h)
                    .ok_or_else(|| NodeError::Corrupt(format!("change {h} is listed but cannot be read")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let to_verify = super::checks(&own, &sigs);
        let mut status: HashMap<ChangeHash, SignatureStatus> = own
            .iter()
            .zip(signed::verify_batch(id, &to_verify))
            .map(|(c, r)| {
                let s = match r {
                    Ok(_) => SignatureStatus::Verified,
                    Err(ChangeRejection::Unsigned { .. }) => SignatureStatus::Missing,
                    Err(_) => SignatureStatus::Invalid,
                };
                (c.hash(), s)
            })
            .collect();
        let own_by_hash: HashMap<ChangeHash, &Change> = own.iter().map(|c| (c.hash(), c)).collect();
        let refused_by_hash: HashMap<ChangeHash, (&Change, &String)> =
            refused.iter().map(|(c, why)| (c.hash(), (c, why))).collect();
        let lang = q.lang;
        let mut entries = Vec::with_capacity(picked.len());
        for ((_, touches), hash) in picked.iter().zip(&picked_hashes) {
            // Refused changes were signature-checked on arrival.
            let (c, signature, refused_because) = match own_by_hash.get(hash) {
                Some(c) => (*c, status.remove(hash).unwrap_or(SignatureStatus::Missing), None),
                None => match refused_by_hash.get(hash) {
                    Some((c, why)) => (*c, SignatureStatus::Verified, Some((*why).clone())),
                    None => continue,
                },
            };
            let key = signed::author_of(c.actor_id());
            let (message, officer) = parse_message(c.message().unwrap_or(""));
            entries.push(HistoryEntry {
                hash: c.hash().to_string(),
                author_key: key.map(|k| k.to_string()),
                author_id: key.map(|k| crate::identity::peer_id(&k).to_string()),
                author: key.and_then(|k| names.get(&k.to_bytes()).map(|m| m.name.clone())),
                officer,
                time: Timestamp(c.timestamp()),
                time_utc: Timestamp(c.timestamp()).to_rfc3339(),
                message,
                seq: c.seq(),
                signature,
                accepted: refused_because.is_none(),
                refused_because,
                items: if q.describe { render_all(lang, kind, touches) } else { Vec::new() },
            });
        }
        let sittings = q.group.then(|| {
            let touches: Vec<&[Touch]> = picked.iter().map(|(_, t)| t.as_slice()).collect();
            group(&entries)
                .into_iter()
                .map(|range| sitting(lang, kind, &entries[range.clone()], &touches[range]))
                .collect()
        });
        Ok(HistoryPage { entries, total, older, sittings })
    }
}

/// The sittings of `entries` (oldest first) as index ranges: consecutive accepted changes by the
/// same town and officer, each within [`SITTING_GAP_MS`] of the one before. Refused changes
/// are not part of the document and belong to no sitting.
pub(crate) fn group(entries: &[HistoryEntry]) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut prev: Option<usize> = None;
    for (i, e) in entries.iter().enumerate() {
        if !e.accepted {
            prev = None;
            continue;
        }
        let joins = prev.is_some_and(|p| {
            let a = &entries[p];
            a.author_key == e.author_key
                && a.officer == e.officer
                && (e.time.0 - a.time.0).abs() <= SITTING_GAP_MS
        });
        match out.last_mut() {
            Some(r) if joins => r.end = i + 1,
            _ => out.push(i..i + 1),
        }
        prev = Some(i);
    }
    out
}

fn sitting(lang: Lang, kind: DocKind, entries: &[HistoryEntry], touches: &[&[Touch]]) -> Sitting {
    let (first, last) = match (entries.first(), entries.last()) {
        (Some(f), Some(l)) => (f.time, l.time),
        _ => (Timestamp(0), Timestamp(0)),
    };
    let head = entries.first();
    let town = head.and_then(|e| e.author.clone());
    let officer = head.and_then(|e| e.officer.clone());
    let author_key = head.and_then(|e| e.author_key.clone());
    let merged = merge(touches.iter().flat_map(|t| t.iter()));
    let items = render_all(lang, kind, &merged);
    let style = crate::locale::style(lang);
    let when = |t: Timestamp| {
        let utc = t.to_rfc3339();
        let (day, time) = utc.split_once('T').unwrap_or((&utc, ""));
        (format_date(&style, day), time.get(..5).unwrap_or("").to_string())
    };
    let ((d1, t1), (d2, t2)) = (when(first), when(last));
    let span = match (d1 == d2, t1 == t2) {
        (true, true) => format!("{d1} {t1} UTC"),
        (true, false) => format!("{d1} {t1}–{t2} UTC"),
        _ => format!("{d1} {t1} – {d2} {t2} UTC"),
    };
    let town_text = town.clone().unwrap_or_else(|| {
        let k = author_key.as_deref().unwrap_or("");
        t!(lang, "history-unknown-town", key = k.get(..10).unwrap_or(k).to_string())
    });
    let officer_text = officer.clone().unwrap_or_else(|| t!(lang, "history-no-officer"));
    let text = t!(
        lang,
        "history-sitting",
        town = town_text,
        officer = officer_text,
        when = span,
        count = entries.len()
    );
    Sitting {
        town,
        author_key,
        officer,
        first,
        first_utc: first.to_rfc3339(),
        last,
        last_utc: last.to_rfc3339(),
        changes: entries.len(),
        hashes: entries.iter().map(|e| e.hash.clone()).collect(),
        items,
        text,
    }
}

/// A value of a field at one point in the history.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Empty,
    One(ScalarValue),
    /// Concurrent values, the visible one first.
    Many(Vec<ScalarValue>),
    Text(String),
    /// A record or list (shown by the fields inside it).
    Object,
}

impl Val {
    fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::One(ScalarValue::Null) => true,
            Self::One(ScalarValue::Str(s)) => s.is_empty(),
            Self::Text(t) => t.is_empty(),
            _ => false,
        }
    }
}

/// What a change did to one place of the document, before it is put in words.
#[derive(Debug, Clone, PartialEq)]
struct Touch {
    path: Path,
    what: Touched,
    before: Val,
    after: Val,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Touched {
    Created,
    Value,
    Added,
    Removed,
}

fn seg(p: &Prop) -> Seg {
    match p {
        Prop::Map(k) => Seg::Key(k.clone()),
        Prop::Seq(i) => Seg::Index(*i),
    }
}

/// The value at `obj`/`prop` as of `heads`: text objects as their text, concurrent scalars
/// all of them.
fn read(doc: &Automerge, obj: &ObjId, prop: &Prop, heads: &[ChangeHash]) -> Val {
    let Ok(all) = doc.get_all_at(obj, prop.clone(), heads) else { return Val::Empty };
    let mut scalars = Vec::new();
    for (v, id) in &all {
        match v {
            Value::Scalar(s) => scalars.push(s.as_ref().clone()),
            Value::Object(ObjType::Text) if all.len() == 1 => {
                return Val::Text(doc.text_at(id, heads).unwrap_or_default());
            }
            Value::Object(_) => return Val::Object,
        }
    }
    // `get_all_at` lists concurrent values oldest op first; the visible one is the last.
    scalars.reverse();
    match scalars.len() {
        0 => Val::Empty,
        1 => Val::One(scalars.remove(0)),
        _ => Val::Many(scalars),
    }
}

/// What the change `hash` (whose parents are `deps`) did, field by field, read from `doc`.
fn describe(doc: &Automerge, hash: ChangeHash, deps: &[ChangeHash]) -> Vec<Touch> {
    if deps.is_empty() {
        return vec![Touch {
            path: Path(Vec::new()),
            what: Touched::Created,
            before: Val::Empty,
            after: Val::Empty,
        }];
    }
    describe_between(doc, deps, &[hash])
}

/// What differs, field by field, between the document at `before` and at `after` (any two sets
/// of heads of `doc`), leaving out the reserved records of versions and approvals
/// ([`super::versions::is_reserved`]).
fn describe_between(doc: &Automerge, deps: &[ChangeHash], after: &[ChangeHash]) -> Vec<Touch> {
    let mut out: Vec<Touch> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut added: Vec<Vec<Seg>> = Vec::new();
    let mut value = |out: &mut Vec<Touch>, obj: &ObjId, prop: &Prop, path: Vec<Seg>| {
        if !seen.insert(Path(path.clone()).to_string()) {
            return;
        }
        let (b, a) = (read(doc, obj, prop, deps), read(doc, obj, prop, after));
        out.push(Touch { path: Path(path), what: Touched::Value, before: b, after: a });
    };
    for p in doc.diff(deps, after) {
        let base: Vec<Seg> = p.path.iter().map(|(_, prop)| seg(prop)).collect();
        let reserved = match (base.first(), &p.action) {
            (Some(Seg::Key(k)), _) => super::versions::is_reserved(k),
            (None, PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key }) => {
                super::versions::is_reserved(key)
            }
            (None, PatchAction::Conflict { prop: Prop::Map(key) }) => super::versions::is_reserved(key),
            _ => false,
        };
        if reserved {
            continue;
        }
        let with = |s: Seg| {
            let mut v = base.clone();
            v.push(s);
            v
        };
        let is_text = matches!(doc.object_type(&p.obj), Ok(ObjType::Text));
        match p.action {
            PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                let prop = Prop::Map(key.clone());
                value(&mut out, &p.obj, &prop, with(Seg::Key(key)));
            }
            PatchAction::PutSeq { index, .. } if !is_text => {
                value(&mut out, &p.obj, &Prop::Seq(index), with(Seg::Index(index)));
            }
            PatchAction::Conflict { prop } if !is_text => {
                let s = seg(&prop);
                value(&mut out, &p.obj, &prop, with(s));
            }
            PatchAction::Insert { index, values } if !is_text => {
                for n in 0..values.len() {
                    let path = with(Seg::Index(index + n));
                    added.push(path.clone());
                    out.push(Touch {
                        path: Path(path),
                        what: Touched::Added,
                        before: Val::Empty,
                        after: Val::Empty,
                    });
                }
            }
            PatchAction::DeleteSeq { index, length } if !is_text => {
                for n in 0..length {
                    let path = Path(with(Seg::Index(index + n)));
                    out.push(Touch { path, what: Touched::Removed, before: Val::Empty, after: Val::Empty });
                }
            }
            PatchAction::SpliceText { .. } | PatchAction::DeleteSeq { .. } | PatchAction::Insert { .. }
                if is_text =>
            {
                if let Some((parent, prop)) = p.path.last() {
                    value(&mut out, parent, prop, base.clone());
                }
            }
            _ => {}
        }
    }
    // The fields of a new list item are named by the item ("Work package 3 added"); a record
    // or list appearing is shown by the fields inside it; a value rewritten unchanged (and not
    // a conflict settled) is no news.
    out.retain(|t| match t.what {
        Touched::Value => {
            let under_new = added.iter().any(|a| t.path.0.len() > a.len() && t.path.0.starts_with(a));
            !under_new
                && t.before != Val::Object
                && t.after != Val::Object
                && (t.before != t.after || matches!(t.before, Val::Many(_)))
                && !(t.before.is_empty() && t.after.is_empty())
        }
        _ => true,
    });
    out
}

/// The touches of several changes, oldest first, as one: each field once, with its first
/// value before and its last value after.
fn merge<'a>(touches: impl Iterator<Item = &'a Touch>) -> Vec<Touch> {
    let mut out: Vec<Touch> = Vec::new();
    for t in touches {
        let same =
            out.iter_mut().find(|o| o.what == Touched::Value && t.what == Touched::Value && o.path == t.path);
        match same {
            Some(o) => o.after = t.after.clone(),
            None => out.push(t.clone()),
        }
    }
    out.retain(|t| t.what != Touched::Value || t.before != t.after || matches!(t.before, Val::Many(_)));
    out
}

/// What differs between `doc` at `from` and at `to`, field by field, in `lang` (the reserved
/// records of versions and approvals left out). Used to compare versions.
pub(super) fn compare(
    doc: &Automerge,
    kind: DocKind,
    lang: Lang,
    from: &[ChangeHash],
    to: &[ChangeHash],
) -> Vec<FieldItem> {
    render_all(lang, kind, &describe_between(doc, from, to))
}

fn render_all(lang: Lang, kind: DocKind, touches: &[Touch]) -> Vec<FieldItem> {
    touches.iter().map(|t| render(lang, kind, t)).collect()
}

/// A touch in words, in `lang`.
fn render(lang: Lang, kind: DocKind, t: &Touch) -> FieldItem {
    let label = labels::field_label(lang, kind, &t.path);
    let path = t.path.to_string();
    let item = |what, before, after, words, text| FieldItem {
        path: path.clone(),
        label: label.clone(),
        what,
        before,
        after,
        words,
        text,
    };
    match t.what {
        Touched::Created => {
            let k = labels::kind_label(lang, kind);
            let text = t!(lang, "history-created", kind = k.clone());
            return FieldItem { label: k, ..item(ItemKind::Created, None, None, Vec::new(), text) };
        }
        Touched::Added => {
            return item(
                ItemKind::Added,
                None,
                None,
                Vec::new(),
                t!(lang, "history-added", item = label.clone()),
            );
        }
        Touched::Removed => {
            return item(
                ItemKind::Removed,
                None,
                None,
                Vec::new(),
                t!(lang, "history-removed", item = label.clone()),
            );
        }
        Touched::Value => {}
    }
    let ty = schema::resolve(kind, &t.path).ok().map(|r| r.ty);
    let show = |v: &Val| -> Option<String> {
        match v {
            _ if v.is_empty() => None,
            Val::One(s) => Some(format_value(lang, kind, &t.path, ty.as_ref(), s)),
            Val::Many(all) => Some(
                all.iter()
                    .map(|s| format_value(lang, kind, &t.path, ty.as_ref(), s))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            Val::Text(s) => Some(s.clone()),
            Val::Empty | Val::Object => None,
        }
    };
    let empty = || t!(lang, "history-empty");
    if matches!(t.before, Val::Text(_)) || matches!(t.after, Val::Text(_)) {
        let text_of = |v: &Val| match v {
            Val::Text(s) => s.clone(),
            other => show(other).unwrap_or_default(),
        };
        let words = word_diff(&text_of(&t.before), &text_of(&t.after));
        let diff = words_text(&words);
        return item(
            ItemKind::Text,
            None,
            None,
            words,
            t!(lang, "history-text", field = label.clone(), diff = diff),
        );
    }
    let (before, after) = (show(&t.before), show(&t.after));
    if let (Val::Many(was), Val::One(now)) = (&t.before, &t.after)
        && was.contains(now)
    {
        let kept = after.clone().unwrap_or_else(empty);
        return item(
            ItemKind::Settled,
            before,
            after,
            Vec::new(),
            t!(lang, "history-settled", field = label.clone(), value = kept),
        );
    }
    if matches!(t.after, Val::Many(_)) {
        let values = after.clone().unwrap_or_else(empty);
        return item(
            ItemKind::Conflict,
            before,
            after,
            Vec::new(),
            t!(lang, "history-conflict", field = label.clone(), values = values),
        );
    }
    let text = t!(
        lang,
        "history-set",
        field = label.clone(),
        before = before.clone().unwrap_or_else(empty),
        after = after.clone().unwrap_or_else(empty)
    );
    item(ItemKind::Set, before, after, Vec::new(), text)
}

/// A stored scalar as the reader writes it: amounts and numbers in the language's format,
/// dates likewise, choices by their name, yes/no translated.
fn format_value(lang: Lang, kind: DocKind, path: &Path, ty: Option<&FieldType>, v: &ScalarValue) -> String {
    let style = crate::locale::style(lang);
    let Some(ty) = ty else { return v.to_string() };
    match (ty, Scalar::from_automerge(ty, v)) {
        (_, Some(Scalar::Money(c))) => format_amount(&style, c),
        (_, Some(Scalar::Number(n))) => format_number(&style, n),
        (_, Some(Scalar::Int(i))) => i.to_string(),
        (_, Some(Scalar::Bool(true))) => t!(lang, "print-yes"),
        (_, Some(Scalar::Bool(false))) => t!(lang, "print-no"),
        (FieldType::Date, Some(Scalar::Str(s))) => format_date(&style, &s),
        (FieldType::Enum(_), Some(Scalar::Str(s))) => labels::choice_label(lang, kind, path, &s),
        (_, Some(Scalar::Str(s))) => s,
        (_, Some(Scalar::Null)) => String::new(),
        (_, None) => v.to_string(),
    }
}

/// The words deleted and inserted between two texts, with [`CONTEXT_WORDS`] kept words around
/// each change, at most [`MAX_SHOWN_WORDS`] words in all. Whitespace is not compared.
fn word_diff(before: &str, after: &str) -> Vec<WordSpan> {
    let a: Vec<&str> = before.split_whitespace().collect();
    let b: Vec<&str> = after.split_whitespace().collect();
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..].iter().rev().zip(b[pre..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops: Vec<(SpanOp, &str)> = a[..pre].iter().map(|w| (SpanOp::Same, *w)).collect();
    if am.len().saturating_mul(bm.len()) <= MAX_DIFF_CELLS {
        ops.extend(lcs_ops(am, bm));
    } else {
        ops.extend(am.iter().map(|w| (SpanOp::Del, *w)));
        ops.extend(bm.iter().map(|w| (SpanOp::Ins, *w)));
    }
    ops.extend(a[a.len() - suf..].iter().map(|w| (SpanOp::Same, *w)));
    // Runs of one kind.
    let mut runs: Vec<(SpanOp, Vec<&str>)> = Vec::new();
    for (op, w) in ops {
        match runs.last_mut() {
            Some((o, ws)) if *o == op => ws.push(w),
            _ => runs.push((op, vec![w])),
        }
    }
    let n = runs.len();
    let mut out = Vec::new();
    let mut shown = 0usize;
    for (i, (op, words)) in runs.into_iter().enumerate() {
        let words: Vec<&str> = if op == SpanOp::Same {
            let (first, last) = (i == 0, i + 1 == n);
            let c = CONTEXT_WORDS;
            match (first, last) {
                (true, true) => continue,
                (true, false) if words.len() > c => {
                    ["…"].into_iter().chain(words[words.len() - c..].iter().copied()).collect()
                }
                (false, true) if words.len() > c => words[..c].iter().copied().chain(["…"]).collect(),
                (false, false) if words.len() > 2 * c => words[..c]
                    .iter()
                    .copied()
                    .chain(["…"])
                    .chain(words[words.len() - c..].iter().copied())
                    .collect(),
                _ => words,
            }
        } else {
            words
        };
        let room = MAX_SHOWN_WORDS.saturating_sub(shown);
        if room == 0 {
            out.push(WordSpan { op: SpanOp::Same, text: "…".into() });
            break;
        }
        let cut = words.len() > room;
        let take: Vec<&str> = words.into_iter().take(room).collect();
        shown += take.len();
        out.push(WordSpan { op, text: take.join(" ") });
        if cut {
            out.push(WordSpan { op: SpanOp::Same, text: "…".into() });
            break;
        }
    }
    out
}

/// The longest-common-subsequence edit of two word lists (each at most [`MAX_DIFF_CELLS`] in
/// product), as kept, deleted and inserted words in order.
fn lcs_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(SpanOp, &'a str)> {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: LCS length of a[i..] and b[j..].
    let w = m + 1;
    let mut table = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * w + j] = if a[i] == b[j] {
                table[(i + 1) * w + j + 1] + 1
            } else {
                table[(i + 1) * w + j].max(table[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((SpanOp::Same, a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || table[(i + 1) * w + j] >= table[i * w + j + 1]) {
            // Deleted words before inserted ones, as people read a replacement.
            out.push((SpanOp::Del, a[i]));
            i += 1;
        } else {
            out.push((SpanOp::Ins, b[j]));
            j += 1;
        }
    }
    out
}

/// A word diff on one line, as `git diff --word-diff` writes it: `[-deleted-]{+inserted+}`.
pub fn words_text(words: &[WordSpan]) -> String {
    words
        .iter()
        .map(|s| match s.op {
            SpanOp::Same => s.text.clone(),
            SpanOp::Del => format!("[-{}-]", s.text),
            SpanOp::Ins => format!("{{+{}+}}", s.text),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first millisecond of the day (or month, or year) `text` names, or with `end` the last.
fn day_bound(text: &str, end: bool) -> Option<i64> {
    let iso = read_date(text).ok()?;
    let parts: Vec<i64> = iso.split('-').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let (y, m, d) = match parts.as_slice() {
        [y] => (*y, None, None),
        [y, m] => (*y, Some(*m), None),
        [y, m, d] => (*y, Some(*m), Some(*d)),
        _ => return None,
    };
    let start = days_from_civil(y, m.unwrap_or(1), d.unwrap_or(1));
    let next = match (m, d) {
        (_, Some(_)) => start + 1,
        (Some(12), None) => days_from_civil(y + 1, 1, 1),
        (Some(m), None) => days_from_civil(y, m + 1, 1),
        (None, _) => days_from_civil(y + 1, 1, 1),
    };
    const DAY_MS: i64 = 86_400_000;
    Some(if end { next * DAY_MS - 1 } else { start * DAY_MS })
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm, the inverse of the one in
/// `twinmesh_protocol::time`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests;
