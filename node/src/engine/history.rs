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

use std::collections::HashMap;

use automerge::{Change, ChangeHash, ReadDoc};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::DocId,
    keys::Signature,
    locale::{format_date, read_date},
    schema::{DocKind, Path},
    signed::{self, ChangeRejection},
    time::Timestamp,
    vouch,
};

use super::{Engine, edit::parse_message, transfer::find_change};
use crate::{error::NodeError, i18n::Lang, t};

mod describe;
mod entry;
mod words;

pub(super) use describe::compare;
use describe::{Touch, describe, merge, render_all};
pub use entry::*;
pub use words::{MAX_SHOWN_WORDS, words_text};

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
        // The change graph, for changes this node keeps no signature of (below).
        let graph: Vec<(ChangeHash, Option<vouch::AuthorKey>, Vec<ChangeHash>)> = metas[..own_count]
            .iter()
            .map(|m| (m.hash, vouch::author_key(&m.actor), m.deps.clone()))
            .collect();
        drop(metas);
        // A change this node keeps no signature of is proven through a later change of its
        // author (`vouch`): find that change, and check its signature with the page's.
        let mut sigs: HashMap<ChangeHash, Signature> = own_hashes
            .iter()
            .zip(self.signatures_of(id, &own_hashes)?)
            .filter_map(|(h, s)| s.map(|s| (*h, s)))
            .collect();
        let unsigned: Vec<ChangeHash> =
            own_hashes.iter().filter(|h| !sigs.contains_key(h)).copied().collect();
        let (through, held_witnesses) = self.proven_through(id, &graph, &unsigned, &mut sigs)?;
        drop(graph);
        let doc = self.load(id)?;
        let mut witnesses: Vec<ChangeHash> = through.values().copied().collect();
        witnesses.sort();
        witnesses.dedup();
        witnesses.retain(|w| !own_hashes.contains(w) && !held_witnesses.iter().any(|c| c.hash() == *w));
        let mut own = own_hashes
            .iter()
            .chain(&witnesses)
            .map(|h| {
                doc.get_change_by_hash(h)
                    .ok_or_else(|| NodeError::Corrupt(format!("change {h} is listed but cannot be read")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        own.extend(held_witnesses);
        let to_verify = super::checks(&own, &sigs);
        let status: HashMap<ChangeHash, SignatureStatus> = own
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
                Some(c) => {
                    let status = match through.get(hash) {
                        Some(w) => status.get(w).copied().unwrap_or(SignatureStatus::Missing),
                        None => status.get(hash).copied().unwrap_or(SignatureStatus::Missing),
                    };
                    (*c, status, None)
                }
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
                verified_through: through.get(hash).map(ToString::to_string),
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
