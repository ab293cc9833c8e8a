//! Named versions of a document, restoring them, and the partner towns' approvals of them.
//!
//! Each record is a change in the document itself, so it is signed by the town that made it,
//! bound to the document, verified on receipt, synced, bundled and exported like any other
//! change, and kept after its author's revocation exactly as the author's other changes are.
//! The records are scalar strings (JSON) under reserved keys of the document's root, one key
//! per record, so two towns writing at once never write the same key:
//!
//! - `_version/{id}`: a version: its name, the document's exact heads, the town (`by`), the
//!   officer and the time.
//! - `_request/{id}`: an admin's request that every partner town decide on version `id`.
//! - `_approval/{id}/{town PeerId}`: that town's decision on version `id`: approved or
//!   rejected, the council decision's reference and date, the officer, and the version's heads.
//!   The signature of the change that writes it is the town's signature over the document id
//!   and those exact heads.
//!
//! The rules every node enforces on receipt are in `check_change`; the schema, the editors
//! and the views leave the reserved keys alone ([`is_reserved`]).

use std::collections::HashSet;

use automerge::{
    Automerge, ChangeHash, ReadDoc, Value,
    transaction::{CommitOptions, Transactable},
};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::DocId,
    schema::{self, FieldType},
    signed,
};

use super::{Engine, FieldItem, edit::am, edit::message, new_item_id, now};
use crate::{error::NodeError, i18n::Lang, identity::peer_id};

mod records;
mod restore;

pub use records::{
    APPROVAL_PREFIX, Decision, MAX_NAME_LEN, MAX_RECORD_LEN, REQUEST_PREFIX, VERSION_PREFIX, is_reserved,
};
use records::{ApprovalRecord, RequestRecord, VersionRecord, hex_heads, parse};
pub(crate) use records::{Reserved, check_change};
use restore::restore_map;

/// One town's decision on a version, as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApprovalInfo {
    /// The town's PeerId.
    pub town: String,
    /// Its name.
    pub town_name: String,
    /// Approved or rejected.
    pub decision: Decision,
    /// The council decision's reference.
    pub reference: String,
    /// The council decision's date (ISO).
    pub date: String,
    /// The officer who recorded it.
    pub officer: Option<String>,
    /// When it was recorded (milliseconds since the epoch), and in UTC.
    pub at: i64,
    /// Likewise, RFC 3339.
    pub at_utc: String,
    /// The hash of the signed change that records it.
    pub change: String,
}

/// A named version, with its approval status, as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The document's heads it names.
    pub heads: Vec<String>,
    /// The town that named it (PeerId) and its name.
    pub by: String,
    /// Likewise, the name.
    pub by_name: String,
    /// The officer who named it.
    pub officer: Option<String>,
    /// When it was named (milliseconds since the epoch).
    pub at: i64,
    /// Likewise, RFC 3339.
    pub at_utc: String,
    /// Whether an admin asked for approval, and who.
    pub requested: Option<String>,
    /// Every valid decision on it.
    pub decisions: Vec<ApprovalInfo>,
    /// Towns that approved it.
    pub approved: usize,
    /// Towns that rejected it.
    pub rejected: usize,
    /// The towns whose decision counts: the space's active members with write rights, and
    /// every town that recorded a valid decision (a town revoked after deciding still counts).
    pub towns: usize,
    /// Active members with write rights that have not decided yet (names).
    pub pending: Vec<String>,
    /// True when every town counted in `towns` approved.
    pub approved_by_all: bool,
    /// True when the document's content (without these records) differs from the version's.
    pub changed_since: bool,
    /// What differs from the version to the current content, field by field.
    pub changes_since: Vec<FieldItem>,
}

/// A version record with where it stands in the document.
struct Found {
    id: String,
    rec: VersionRecord,
    heads: Vec<ChangeHash>,
}

/// The version records of `doc` whose heads the document holds, oldest first.
fn versions_of(doc: &Automerge) -> Vec<Found> {
    let mut out = Vec::new();
    for key in doc.keys(automerge::ROOT) {
        let Some(id) = key.strip_prefix(VERSION_PREFIX) else { continue };
        let Some(rec) = record_of::<VersionRecord>(doc, &key) else { continue };
        let heads: Option<Vec<ChangeHash>> = rec.heads.iter().map(|h| h.parse().ok()).collect();
        let Some(heads) = heads.filter(|h| super::admit::present(doc, h).len() == h.len()) else {
            continue;
        };
        out.push(Found { id: id.to_string(), rec, heads });
    }
    out.sort_by(|a, b| a.rec.at.cmp(&b.rec.at).then(a.id.cmp(&b.id)));
    out
}

/// The record under root `key` and the author of the change that wrote it.
fn record_with_author<T: for<'de> Deserialize<'de>>(
    doc: &Automerge,
    key: &str,
) -> Option<(T, twinmesh_protocol::keys::PublicKey, ChangeHash)> {
    let (Value::Scalar(s), id) = doc.get(automerge::ROOT, key).ok()?? else { return None };
    let automerge::ObjId::Id(counter, actor, _) = &id else { return None };
    let author = signed::author_of(actor)?;
    let hash = doc
        .get_changes_meta(&[])
        .into_iter()
        .find(|c| *c.actor == *actor && (c.start_op..=c.max_op).contains(counter))
        .map(|c| c.hash)?;
    let rec = parse(s.as_str()?)?;
    Some((rec, author, hash))
}

fn record_of<T: for<'de> Deserialize<'de>>(doc: &Automerge, key: &str) -> Option<T> {
    let (Value::Scalar(s), _) = doc.get(automerge::ROOT, key).ok()?? else { return None };
    parse(s.as_str()?)
}

impl Engine {
    /// Finds a version of `doc` by id or by name (a name must be unique).
    fn find_version(&mut self, id: &DocId, which: &str) -> Result<Found, NodeError> {
        let doc = self.load(id)?;
        let mut all = versions_of(doc);
        if let Some(i) = all.iter().position(|v| v.id == which) {
            return Ok(all.swap_remove(i));
        }
        let named: Vec<usize> = (0..all.len()).filter(|&i| all[i].rec.name == which.trim()).collect();
        match named[..] {
            [i] => Ok(all.swap_remove(i)),
            [] => Err(NodeError::InvalidInput(format!("this document has no version '{which}'"))),
            _ => Err(NodeError::InvalidInput(format!(
                "several versions are named '{which}': give the version's id"
            ))),
        }
    }

    /// Writes one reserved record as a signed change of `id`, through the same steps as an edit.
    pub(super) fn write_record(
        &mut self,
        id: &DocId,
        key: &str,
        rec: &impl Serialize,
        summary: String,
        officer: Option<&str>,
    ) -> Result<String, NodeError> {
        let meta = self.doc_meta(id)?;
        self.check_can_write(&meta.space)?;
        let value = serde_json::to_string(rec).map_err(|e| NodeError::Corrupt(e.to_string()))?;
        let doc = self.load(id)?;
        let mut tx = doc.transaction();
        if let Err(e) = tx.put(automerge::ROOT, key, value) {
            tx.rollback();
            return Err(am(e));
        }
        let msg = message(&summary, officer);
        let (hash, _) =
            tx.commit_with(CommitOptions::default().with_message(msg).with_time(now().as_millis()));
        let out = self.sign_and_persist(id, meta, hash, summary, None)?;
        out.change.ok_or_else(|| NodeError::Corrupt("a record produced no change".into()))
    }

    /// Names the document's current state: a signed record of its exact heads. Returns the
    /// version's id.
    pub fn name_version(
        &mut self,
        id: &DocId,
        name: &str,
        officer: Option<&str>,
    ) -> Result<String, NodeError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
            return Err(NodeError::InvalidInput(format!(
                "a version name must be 1 to {MAX_NAME_LEN} characters, without control characters"
            )));
        }
        let heads = hex_heads(&self.load(id)?.get_heads());
        let vid = new_item_id();
        let rec = VersionRecord {
            name: name.to_string(),
            heads,
            by: peer_id(&self.me.key).to_string(),
            officer: clean(officer),
            at: now().as_millis(),
        };
        self.write_record(
            id,
            &format!("{VERSION_PREFIX}{vid}"),
            &rec,
            format!("named version '{name}'"),
            officer,
        )?;
        Ok(vid)
    }

    /// An admin asks every partner town to decide on a version.
    pub fn request_approval(
        &mut self,
        id: &DocId,
        which: &str,
        officer: Option<&str>,
    ) -> Result<String, NodeError> {
        let meta = self.doc_meta(id)?;
        if !self.membership(&meta.space)?.is_admin(&self.me.key) {
            return Err(NodeError::NotAllowed("only an admin of the space can ask for approval".into()));
        }
        let v = self.find_version(id, which)?;
        let rec = RequestRecord {
            by: peer_id(&self.me.key).to_string(),
            officer: clean(officer),
            at: now().as_millis(),
        };
        let summary = format!("asked for approval of version '{}'", v.rec.name);
        self.write_record(id, &format!("{REQUEST_PREFIX}{}", v.id), &rec, summary, officer)?;
        Ok(v.id)
    }

    /// Records this town's decision on a version, signed by this town over the document and
    /// the version's exact heads.
    pub fn decide(
        &mut self,
        id: &DocId,
        which: &str,
        decision: Decision,
        reference: &str,
        date: &str,
        officer: Option<&str>,
    ) -> Result<String, NodeError> {
        let reference = reference.trim();
        if reference.is_empty()
            || reference.chars().count() > MAX_NAME_LEN
            || reference.chars().any(char::is_control)
        {
            return Err(NodeError::InvalidInput(format!(
                "give the council decision's reference (1 to {MAX_NAME_LEN} characters)"
            )));
        }
        let date = match schema::parse_for_type(&FieldType::Date, "date", date.trim())? {
            schema::TypedValue::Scalar(schema::Scalar::Str(d)) => d,
            _ => return Err(NodeError::InvalidInput(format!("'{date}' is not a date (e.g. 2027-02-10)"))),
        };
        let v = self.find_version(id, which)?;
        let me = peer_id(&self.me.key).to_string();
        let rec = ApprovalRecord {
            decision,
            reference: reference.to_string(),
            date,
            heads: v.rec.heads.clone(),
            officer: clean(officer),
            at: now().as_millis(),
        };
        let what = match decision {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
        };
        let summary = format!("{what} version '{}' ({reference})", v.rec.name);
        self.write_record(id, &format!("{APPROVAL_PREFIX}{}/{me}", v.id), &rec, summary, officer)?;
        Ok(v.id)
    }

    /// Every version of `id`, oldest first, with its approvals and what changed since, in `lang`.
    pub fn versions(&mut self, id: &DocId, lang: Lang) -> Result<Vec<VersionInfo>, NodeError> {
        let meta = self.doc_meta(id)?;
        let m = self.membership(&meta.space)?;
        let names = self.known_municipalities()?;
        let name_of = |k: &twinmesh_protocol::keys::PublicKey| {
            names.get(&k.to_bytes()).map(|m| m.name.clone()).unwrap_or_else(|| peer_id(k).to_string())
        };
        let writers: Vec<twinmesh_protocol::keys::PublicKey> =
            m.members.values().filter(|x| x.active && x.role.can_write()).map(|x| x.key).collect();
        let doc = self.load(id)?;
        let current = doc.get_heads();
        let keys: Vec<String> =
            doc.keys(automerge::ROOT).filter(|k| k.starts_with(APPROVAL_PREFIX)).collect();
        let mut out = Vec::new();
        for v in versions_of(doc) {
            let mut decisions = Vec::new();
            let prefix = format!("{APPROVAL_PREFIX}{}/", v.id);
            for key in keys.iter().filter(|k| k.starts_with(&prefix)) {
                // Counted only if the change that wrote it is the named town's (a forgery that
                // reached the document some other way never counts) and it is about these heads.
                let Some((rec, author, change)) = record_with_author::<ApprovalRecord>(doc, key) else {
                    continue;
                };
                let town = &key[prefix.len()..];
                if peer_id(&author).to_string() != town
                    || rec.heads != v.rec.heads
                    || m.member(&author).is_none()
                {
                    continue;
                }
                decisions.push(ApprovalInfo {
                    town: town.to_string(),
                    town_name: name_of(&author),
                    decision: rec.decision,
                    reference: rec.reference,
                    date: rec.date,
                    officer: rec.officer,
                    at: rec.at,
                    at_utc: twinmesh_protocol::time::Timestamp(rec.at).to_rfc3339(),
                    change: change.to_string(),
                });
            }
            decisions.sort_by(|a, b| a.at.cmp(&b.at).then(a.town.cmp(&b.town)));
            let decided: HashSet<&str> = decisions.iter().map(|d| d.town.as_str()).collect();
            let mut counted: HashSet<String> = writers.iter().map(|k| peer_id(k).to_string()).collect();
            counted.extend(decided.iter().map(|t| t.to_string()));
            let pending: Vec<String> = writers
                .iter()
                .filter(|k| !decided.contains(peer_id(k).to_string().as_str()))
                .map(&name_of)
                .collect();
            let approved = decisions.iter().filter(|d| d.decision == Decision::Approved).count();
            let rejected = decisions.len() - approved;
            let requested = record_with_author::<RequestRecord>(doc, &format!("{REQUEST_PREFIX}{}", v.id))
                .filter(|(r, author, _)| peer_id(author).to_string() == r.by)
                .map(|(_, author, _)| name_of(&author));
            let changes_since = super::history::compare(doc, meta.kind, lang, &v.heads, &current);
            let by_name = v
                .rec
                .by
                .parse::<libp2p::PeerId>()
                .ok()
                .and_then(|p| crate::identity::key_of_peer(&p))
                .map(|k| name_of(&k))
                .unwrap_or_else(|| v.rec.by.clone());
            out.push(VersionInfo {
                id: v.id,
                name: v.rec.name,
                heads: v.rec.heads,
                by: v.rec.by,
                by_name,
                officer: v.rec.officer,
                at: v.rec.at,
                at_utc: twinmesh_protocol::time::Timestamp(v.rec.at).to_rfc3339(),
                requested,
                approved,
                rejected,
                towns: counted.len(),
                pending,
                approved_by_all: approved == counted.len(),
                changed_since: !changes_since.is_empty(),
                changes_since,
                decisions,
            });
        }
        Ok(out)
    }

    /// One version of `id` (by id or name), with its approvals.
    pub fn version(&mut self, id: &DocId, which: &str, lang: Lang) -> Result<VersionInfo, NodeError> {
        let v = self.find_version(id, which)?;
        self.versions(id, lang)?
            .into_iter()
            .find(|x| x.id == v.id)
            .ok_or_else(|| NodeError::InvalidInput(format!("this document has no version '{which}'")))
    }

    /// The heads of a version, or the current heads for `current`.
    pub fn version_heads(&mut self, id: &DocId, which: &str) -> Result<Vec<ChangeHash>, NodeError> {
        if which == "current" {
            return Ok(self.load(id)?.get_heads());
        }
        Ok(self.find_version(id, which)?.heads)
    }

    /// What differs between two versions (`to` may be `current`), field by field, in `lang`.
    pub fn compare(
        &mut self,
        id: &DocId,
        from: &str,
        to: &str,
        lang: Lang,
    ) -> Result<Vec<FieldItem>, NodeError> {
        let kind = self.doc_meta(id)?.kind;
        let (a, b) = (self.version_heads(id, from)?, self.version_heads(id, to)?);
        Ok(super::history::compare(self.load(id)?, kind, lang, &a, &b))
    }

    /// Brings the document's content back to a version's: one new signed change that writes
    /// back every field that differs (history is never rewritten).
    pub fn restore(
        &mut self,
        id: &DocId,
        which: &str,
        officer: Option<&str>,
    ) -> Result<super::EditOutcome, NodeError> {
        let meta = self.doc_meta(id)?;
        self.check_can_write(&meta.space)?;
        let v = self.find_version(id, which)?;
        let doc = self.load(id)?;
        let old = doc.fork_at(&v.heads).map_err(am)?;
        let mut tx = doc.transaction();
        if let Err(e) = restore_map(&mut tx, &automerge::ROOT, &old, &automerge::ROOT, true) {
            tx.rollback();
            return Err(e);
        }
        let summary = format!("restored version '{}'", v.rec.name);
        let msg = message(&summary, officer);
        let (hash, _) =
            tx.commit_with(CommitOptions::default().with_message(msg).with_time(now().as_millis()));
        self.sign_and_persist(id, meta, hash, summary, None)
    }
}

fn clean(officer: Option<&str>) -> Option<String> {
    officer.map(str::trim).filter(|o| !o.is_empty()).map(|o| o.chars().take(MAX_NAME_LEN).collect())
}
