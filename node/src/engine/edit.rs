//! Typed edits, applied in one Automerge transaction and committed as one signed change.

use automerge::{
    ObjId, ObjType, ReadDoc, ScalarValue, Value,
    transaction::{CommitOptions, Transactable, Transaction},
};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::DocId,
    locale::NumberStyle,
    schema::{self, FieldType, Path, Scalar, Seg, TemplateValue, TypedValue},
    signed,
};

use super::{Engine, new_item_id, now};
use crate::error::NodeError;

/// One edit of a document. Paths are checked against the document's schema.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Set a scalar field (`budget/lines/0/amount` = 2600). Text fields take [`Edit::Text`].
    Set {
        /// The field.
        path: Path,
        /// User input, parsed by the field's type.
        value: String,
    },
    /// Replace the content of a text field. The change is computed as splices (a diff), so
    /// concurrent edits elsewhere in the same text merge.
    Text {
        /// The text field.
        path: Path,
        /// The new content.
        text: String,
    },
    /// Append a record to a list, optionally setting some of its fields (`name`, `value`).
    Add {
        /// The list.
        list: Path,
        /// Fields to set on the new record.
        fields: Vec<(String, String)>,
    },
    /// Delete a list record (`budget/lines/2`).
    Remove {
        /// The record.
        item: Path,
    },
}

/// What an edit did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EditOutcome {
    /// The document.
    pub doc: DocId,
    /// The new change's hash, or `None` if the edit changed nothing.
    pub change: Option<String>,
    /// The commit message (what changed).
    pub message: String,
    /// For [`Edit::Add`]: the new record's path and id.
    pub added: Option<(String, String)>,
}

/// A commit message: a summary line and an optional `Officer:` trailer.
pub(crate) fn message(summary: &str, officer: Option<&str>) -> String {
    match officer.map(str::trim).filter(|o| !o.is_empty()) {
        Some(o) => format!("{summary}\n\nOfficer: {o}"),
        None => summary.to_string(),
    }
}

/// Splits a commit message into summary and officer.
pub(crate) fn parse_message(msg: &str) -> (String, Option<String>) {
    match msg.rsplit_once("\n\nOfficer: ") {
        Some((summary, officer)) => (summary.to_string(), Some(officer.trim().to_string())),
        None => (msg.to_string(), None),
    }
}

fn put_template(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
    v: &TemplateValue,
) -> Result<(), NodeError> {
    match v {
        TemplateValue::Text(t) => {
            let text = tx.put_object(obj, key, ObjType::Text).map_err(am)?;
            tx.splice_text(&text, 0, 0, t).map_err(am)?;
        }
        TemplateValue::Scalar(s) => tx.put(obj, key, s.to_automerge()).map_err(am)?,
        TemplateValue::Map(entries) => {
            let map = tx.put_object(obj, key, ObjType::Map).map_err(am)?;
            write_entries(tx, &map, entries)?;
        }
        TemplateValue::List(items) => {
            let list = tx.put_object(obj, key, ObjType::List).map_err(am)?;
            for (i, item) in items.iter().enumerate() {
                insert_record(tx, &list, i, item)?;
            }
        }
    }
    Ok(())
}

fn write_entries(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    entries: &[(&'static str, TemplateValue)],
) -> Result<(), NodeError> {
    for (k, v) in entries {
        put_template(tx, obj, k, v)?;
    }
    Ok(())
}

fn insert_record(
    tx: &mut Transaction<'_>,
    list: &ObjId,
    index: usize,
    v: &TemplateValue,
) -> Result<ObjId, NodeError> {
    let map = tx.insert_object(list, index, ObjType::Map).map_err(am)?;
    if let TemplateValue::Map(entries) = v {
        write_entries(tx, &map, entries)?;
    }
    Ok(map)
}

/// Writes a kind's template into the root map of a new document.
pub(crate) fn write_template_root(tx: &mut Transaction<'_>, root: &TemplateValue) -> Result<(), NodeError> {
    match root {
        TemplateValue::Map(entries) => write_entries(tx, &automerge::ROOT, entries),
        _ => Err(NodeError::Corrupt("template root is not a record".into())),
    }
}

pub(crate) fn am(e: automerge::AutomergeError) -> NodeError {
    NodeError::Corrupt(format!("document operation failed: {e}"))
}

/// Finds the object at `path` (a record or list), creating missing records the schema has
/// (documents written by an older schema version may lack them).
pub(super) fn object_at(
    tx: &mut Transaction<'_>,
    kind: schema::DocKind,
    path: &[Seg],
) -> Result<ObjId, NodeError> {
    let mut obj = automerge::ROOT;
    for (i, seg) in path.iter().enumerate() {
        let walked = Path(path[..=i].to_vec());
        match seg {
            Seg::Key(k) => match tx.get(&obj, k.as_str()).map_err(am)? {
                Some((Value::Object(_), id)) => obj = id,
                _ => {
                    let ty = match schema::resolve(kind, &walked)?.ty {
                        FieldType::Record(_) => ObjType::Map,
                        FieldType::List(_) => ObjType::List,
                        other => {
                            return Err(NodeError::InvalidInput(format!(
                                "'{walked}' holds {}, not a record or list",
                                other.name()
                            )));
                        }
                    };
                    obj = tx.put_object(&obj, k.as_str(), ty).map_err(am)?;
                }
            },
            Seg::Index(n) => {
                let len = tx.length(&obj);
                if *n >= len {
                    return Err(NodeError::NoSuchItem {
                        path: Path(path[..i].to_vec()).to_string(),
                        len,
                        index: *n,
                    });
                }
                match tx.get(&obj, *n).map_err(am)? {
                    Some((Value::Object(_), id)) => obj = id,
                    _ => return Err(NodeError::Corrupt(format!("'{walked}' is not a record"))),
                }
            }
        }
    }
    Ok(obj)
}

pub(super) fn split_last(path: &Path) -> Result<(&[Seg], &str), NodeError> {
    match path.0.split_last() {
        Some((Seg::Key(k), parent)) => Ok((parent, k.as_str())),
        _ => Err(NodeError::InvalidInput(format!("'{path}' does not name a field"))),
    }
}

fn display_scalar(ty: &FieldType, v: Option<(Value<'_>, ObjId)>) -> String {
    match v {
        Some((Value::Scalar(s), _)) => match Scalar::from_automerge(ty, &s) {
            Some(Scalar::Null) | None if matches!(s.as_ref(), ScalarValue::Null) => "empty".into(),
            Some(sc) => format!("'{}'", sc.display()),
            None => format!("{s}"),
        },
        _ => "empty".into(),
    }
}

impl Engine {
    /// Applies `edits` to a document as one signed change, and persists it before returning.
    ///
    /// Nothing is applied if any edit is invalid: the transaction is rolled back.
    pub fn edit(
        &mut self,
        id: &DocId,
        edits: &[Edit],
        officer: Option<&str>,
        message_override: Option<&str>,
    ) -> Result<EditOutcome, NodeError> {
        self.edit_in(&NumberStyle::EN_GB, id, edits, officer, message_override)
    }

    /// [`Engine::edit`] with amounts, numbers and dates read as typed in `style` (a German
    /// officer's `2.600,50`). An error about a field names it by its label.
    pub fn edit_in(
        &mut self,
        style: &NumberStyle,
        id: &DocId,
        edits: &[Edit],
        officer: Option<&str>,
        message_override: Option<&str>,
    ) -> Result<EditOutcome, NodeError> {
        let meta = self.doc_meta(id)?;
        self.check_can_write(&meta.space)?;
        let kind = meta.kind;
        let doc = self.load(id)?;
        let mut tx = doc.transaction();
        let mut summary = Vec::new();
        let mut added = None;
        let result: Result<(), NodeError> = (|| {
            for e in edits {
                match e {
                    Edit::Set { path, value } => {
                        let resolved = schema::resolve(kind, path)?;
                        if resolved.ty == FieldType::Text {
                            return Err(NodeError::InvalidInput(format!(
                                "'{path}' is a text field: use `twin doc text DOC {path}`"
                            )));
                        }
                        let TypedValue::Scalar(s) = schema::parse_value_in(style, kind, path, value)? else {
                            return Err(NodeError::InvalidInput(format!("'{path}' is not a scalar field")));
                        };
                        let (parent, key) = split_last(path)?;
                        let obj = object_at(&mut tx, kind, parent)?;
                        let old = display_scalar(&resolved.ty, tx.get(&obj, key).map_err(am)?);
                        tx.put(&obj, key, s.to_automerge()).map_err(am)?;
                        let new = if s == Scalar::Null {
                            "empty".to_string()
                        } else {
                            format!("'{}'", s.display())
                        };
                        summary.push(format!("{path}: {old} -> {new}"));
                    }
                    Edit::Text { path, text } => {
                        let resolved = schema::resolve(kind, path)?;
                        if resolved.ty != FieldType::Text {
                            return Err(NodeError::InvalidInput(format!(
                                "'{path}' holds {}, not text: use `twin doc set`",
                                resolved.ty.name()
                            )));
                        }
                        schema::parse_for_type(&FieldType::Text, &path.to_string(), text)?;
                        let (parent, key) = split_last(path)?;
                        let obj = object_at(&mut tx, kind, parent)?;
                        let text_obj = match tx.get(&obj, key).map_err(am)? {
                            Some((Value::Object(ObjType::Text), t)) => t,
                            _ => tx.put_object(&obj, key, ObjType::Text).map_err(am)?,
                        };
                        tx.update_text(&text_obj, text).map_err(am)?;
                        summary.push(format!("edited {path}"));
                    }
                    Edit::Add { list, fields } => {
                        let item_fields = match schema::resolve(kind, list)?.ty {
                            FieldType::List(f) => f,
                            other => {
                                return Err(NodeError::InvalidInput(format!(
                                    "'{list}' holds {}, not a list",
                                    other.name()
                                )));
                            }
                        };
                        let list_obj = object_at(&mut tx, kind, &list.0)?;
                        let index = tx.length(&list_obj);
                        let item_id = new_item_id();
                        let record = schema::empty_record(item_fields, Some(item_id.clone()));
                        let map = insert_record(&mut tx, &list_obj, index, &record)?;
                        let mut item_path = list.clone();
                        item_path.0.push(Seg::Index(index));
                        for (name, value) in fields {
                            let mut fp = item_path.clone();
                            fp.0.extend(name.parse::<Path>()?.0);
                            if fp.0.len() != item_path.0.len() + 1 {
                                return Err(NodeError::InvalidInput(format!(
                                    "'{name}' must be a field name of the new record"
                                )));
                            }
                            match schema::parse_value_in(style, kind, &fp, value)? {
                                TypedValue::Scalar(s) => {
                                    tx.put(&map, name.as_str(), s.to_automerge()).map_err(am)?
                                }
                                TypedValue::Text(t) => {
                                    let text_obj = match tx.get(&map, name.as_str()).map_err(am)? {
                                        Some((Value::Object(ObjType::Text), t)) => t,
                                        _ => tx.put_object(&map, name.as_str(), ObjType::Text).map_err(am)?,
                                    };
                                    tx.update_text(&text_obj, t).map_err(am)?;
                                }
                            }
                        }
                        summary.push(format!("added {item_path}"));
                        added = Some((item_path.to_string(), item_id));
                    }
                    Edit::Remove { item } => {
                        let Some((Seg::Index(n), parent)) = item.0.split_last() else {
                            return Err(NodeError::InvalidInput(format!(
                                "'{item}' is not a list item: give a path ending in an item number, e.g. budget/lines/2"
                            )));
                        };
                        if !matches!(schema::resolve(kind, &Path(parent.to_vec()))?.ty, FieldType::List(_)) {
                            return Err(NodeError::InvalidInput(format!("'{item}' is not a list item")));
                        }
                        let list_obj = object_at(&mut tx, kind, parent)?;
                        let len = tx.length(&list_obj);
                        if *n >= len {
                            return Err(NodeError::NoSuchItem {
                                path: Path(parent.to_vec()).to_string(),
                                len,
                                index: *n,
                            });
                        }
                        tx.delete(&list_obj, *n).map_err(am)?;
                        summary.push(format!("removed {item}"));
                    }
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            tx.rollback();
            return Err(e.in_doc(kind));
        }
        let summary_text = match message_override.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => m.to_string(),
            None => summary.join("; "),
        };
        let msg = message(&summary_text, officer);
        let (hash, _) =
            tx.commit_with(CommitOptions::default().with_message(msg).with_time(now().as_millis()));
        self.sign_and_persist(id, meta, hash, summary_text, added)
    }

    /// Signs the change a local transaction just committed and persists it with its signature;
    /// the caller may acknowledge the edit once this returns.
    pub(crate) fn sign_and_persist(
        &mut self,
        id: &DocId,
        meta: super::DocMeta,
        hash: Option<automerge::ChangeHash>,
        summary: String,
        added: Option<(String, String)>,
    ) -> Result<EditOutcome, NodeError> {
        let Some(hash) = hash else {
            return Ok(EditOutcome { doc: *id, change: None, message: "no change".into(), added: None });
        };
        let snapshot = self.docs.remove(id).ok_or_else(|| NodeError::UnknownDoc(id.to_string()))?;
        let change = snapshot
            .get_change_by_hash(&hash)
            .ok_or_else(|| NodeError::Corrupt("new change missing".into()))?;
        let sig = signed::sign_change(&self.key, id, &hash);
        self.persist_changes(id, meta, &snapshot, &[(change, Some(sig))])?;
        self.docs.insert(*id, snapshot);
        Ok(EditOutcome { doc: *id, change: Some(hash.to_string()), message: summary, added })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officer_trailer_round_trips() {
        let m = message("set x", Some("M. Dupont"));
        assert_eq!(parse_message(&m), ("set x".to_string(), Some("M. Dupont".to_string())));
        assert_eq!(parse_message("plain"), ("plain".to_string(), None));
        assert_eq!(message("s", Some("  ")), "s");
    }
}
