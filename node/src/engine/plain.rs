//! Plain Automerge in and out: the bridge to the wider Automerge world.
//!
//! Out: a document's saved Automerge bytes, which any Automerge library loads (the actors are
//! the towns' keys, the commit messages the officers' summaries); the signatures stay behind,
//! so the file proves nothing about who wrote what and cannot be imported back as signed.
//!
//! In: a plain Automerge document made elsewhere is read through the kind's schema, as `doc
//! show` reads a document, and its content becomes a **new** document whose one change is
//! authored and signed by this town, with a message saying where it came from. Nothing unsigned
//! ever enters a shared document: the foreign changes themselves are not kept. What the schema
//! cannot hold (unknown fields, values of the wrong type or out of range, all but one value of
//! a conflict) is not written, and each is reported with its path and value so nothing is lost
//! silently.

use std::collections::HashMap;

use automerge::{Automerge, ObjId, ObjType, ReadDoc, Value, transaction::Transactable};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    schema::{self, DocKind, Field, FieldType, Scalar, TemplateValue},
};

use super::{Engine, edit, new_item_id, progress::Work, view};
use crate::error::NodeError;

/// Largest plain Automerge file accepted for import: a document of a twinning project is well
/// under a megabyte; loading is bounded by this before Automerge sees the bytes.
pub const MAX_PLAIN_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// A value of the foreign document that the new document does not hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftOut {
    /// Where it was (`work_packages/2/lump_sum`, 0-based list indices as in the file).
    pub path: String,
    /// The value as the file holds it.
    pub value: String,
    /// Why it was left out.
    pub reason: String,
}

/// What a plain import made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlainImport {
    /// The new document.
    pub doc: DocId,
    /// Its space.
    pub space: SpaceId,
    /// Its kind.
    pub kind: DocKind,
    /// Its title.
    pub title: String,
    /// Changes in the foreign document (not kept: the new document has one signed change).
    pub foreign_changes: usize,
    /// Authors (Automerge actors) of the foreign document.
    pub foreign_actors: usize,
    /// Values the schema could not hold.
    pub left_out: Vec<LeftOut>,
}

/// A plain import request, as the API takes it.
#[derive(Debug, Clone)]
pub struct PlainSource<'a> {
    /// The saved Automerge document.
    pub bytes: &'a [u8],
    /// The space the new document goes into.
    pub space: &'a SpaceId,
    /// The kind; `None` reads the file's own `kind` field.
    pub kind: Option<DocKind>,
    /// The title; `None` keeps the file's `title`.
    pub title: Option<&'a str>,
    /// Where the file came from (a file name), for the history.
    pub origin: &'a str,
    /// The officer making the import.
    pub officer: Option<&'a str>,
}

impl Engine {
    /// The document as a plain saved Automerge document, without signatures. Progress goes to
    /// the engine's sink.
    pub fn export_plain(&mut self, id: &DocId) -> Result<Vec<u8>, NodeError> {
        let mut r = self.reporter(Work::DocExport, None, Some(*id));
        self.export_plain_with(id, &mut |d, t| r.report(d, t))
    }

    /// [`Engine::export_plain`], reporting `progress(done, total)` in changes: none before the
    /// document is saved, all of them after (saving is one step).
    pub fn export_plain_with(
        &mut self,
        id: &DocId,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<u8>, NodeError> {
        let n = self.doc_meta(id)?.changes;
        let doc = self.load(id)?;
        progress(0, n);
        let saved = doc.save();
        progress(n, n);
        Ok(saved)
    }

    /// Brings a plain Automerge document's content in as a new document signed by this town.
    /// Progress goes to the engine's sink.
    pub fn import_plain(&mut self, src: PlainSource<'_>) -> Result<PlainImport, NodeError> {
        let mut r = self.reporter(Work::DocImport, Some(*src.space), None);
        self.import_plain_with(src, &mut |d, t| r.report(d, t))
    }

    /// [`Engine::import_plain`], reporting `progress(done, total)` in the foreign document's
    /// changes: once loaded, once read through the schema, once the new document is signed
    /// and stored.
    pub fn import_plain_with(
        &mut self,
        src: PlainSource<'_>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<PlainImport, NodeError> {
        self.space(src.space)?;
        self.check_can_write(src.space)?;
        if src.bytes.len() > MAX_PLAIN_IMPORT_BYTES {
            return Err(NodeError::InvalidInput(format!(
                "cannot import: the file is {} bytes, more than the {} a document may have",
                src.bytes.len(),
                MAX_PLAIN_IMPORT_BYTES
            )));
        }
        let mut foreign = Automerge::load(src.bytes).map_err(|e| {
            NodeError::InvalidInput(format!("cannot import: the file is not an Automerge document ({e})"))
        })?;
        let changes = foreign.get_changes(&[]).len();
        let actors: std::collections::HashSet<_> =
            foreign.get_changes(&[]).iter().map(|c| c.actor_id().clone()).collect();
        let actors = actors.len();
        let n = changes as u64;
        let all = 3 * n;
        progress(n, all);
        strings_from_text(&mut foreign, &automerge::ROOT, &[KIND_FIELD]);
        let kind = match (src.kind, view::kind_of(&foreign)) {
            (Some(k), _) | (None, Some(k)) => k,
            (None, None) => {
                return Err(NodeError::InvalidInput(
                    "cannot import: the file does not say which kind of document it is: name one with --kind"
                        .into(),
                ));
            }
        };
        strings_from_text(&mut foreign, &automerge::ROOT, kind.fields());
        let title = match src.title.map(str::trim) {
            Some(t) => t.to_string(),
            None => view::title(&foreign).trim().to_string(),
        };
        if title.is_empty() || title.len() > schema::MAX_SCALAR_LEN {
            return Err(NodeError::InvalidInput(
                "cannot import: the document needs a title of 1 to 1000 characters (give one with --title)"
                    .into(),
            ));
        }
        let (root, left_out) = content_of(&foreign, kind, &title, src.space);
        progress(2 * n, all);
        let summary = format!(
            "imported {} '{}' from the plain Automerge document {} ({} change(s) by {} author(s){})",
            kind.label(),
            title,
            src.origin,
            changes,
            actors,
            match left_out.len() {
                0 => String::new(),
                n => format!("; {n} value(s) left out"),
            }
        );
        let info =
            self.commit_new_doc(src.space, kind, &title, &root, edit::message(&summary, src.officer))?;
        progress(all, all);
        Ok(PlainImport {
            doc: info.id,
            space: *src.space,
            kind,
            title,
            foreign_changes: changes,
            foreign_actors: actors,
            left_out,
        })
    }
}

/// The new document's content, read from `foreign` through `kind`'s schema, and what was left
/// out. The envelope (`kind`, `schema`, `space`, `title`) is this node's.
/// The root's `kind` key, as a string field, for reading it before the kind is known.
const KIND_FIELD: Field = Field { name: "kind", label: "Kind", ty: FieldType::Str };

/// Turns text objects that stand where `fields` want a string (and list items' `id`s) into
/// plain strings, in the loaded foreign document only (it is never saved). JavaScript
/// Automerge 3 writes every string as a text object unless told otherwise, so a document made
/// there names its kind, its title and every choice that way.
fn strings_from_text(doc: &mut Automerge, obj: &ObjId, fields: &[Field]) {
    let mut tx = doc.transaction();
    flatten(&mut tx, obj, fields);
    tx.commit();

    fn text_at(tx: &automerge::transaction::Transaction<'_>, obj: &ObjId, key: &str) -> Option<String> {
        match tx.get(obj, key) {
            Ok(Some((Value::Object(ObjType::Text), id))) => tx.text(&id).ok(),
            _ => None,
        }
    }
    fn flatten(tx: &mut automerge::transaction::Transaction<'_>, obj: &ObjId, fields: &[Field]) {
        for f in fields {
            match (f.ty, tx.get(obj, f.name)) {
                (FieldType::Text, _) => {}
                (FieldType::Record(sub), Ok(Some((Value::Object(ObjType::Map), id)))) => {
                    flatten(tx, &id, sub)
                }
                (FieldType::List(sub), Ok(Some((Value::Object(ObjType::List), list)))) => {
                    for i in 0..tx.length(&list) {
                        if let Ok(Some((Value::Object(ObjType::Map), item))) = tx.get(&list, i) {
                            if let Some(id) = text_at(tx, &item, "id") {
                                // Cannot fail on an object just read; if it did, the text
                                // stays and is reported as left out.
                                let _ = tx.put(&item, "id", id);
                            }
                            flatten(tx, &item, sub);
                        }
                    }
                }
                _ => {
                    if let Some(s) = text_at(tx, obj, f.name) {
                        let _ = tx.put(obj, f.name, s);
                    }
                }
            }
        }
    }
}

fn content_of(
    foreign: &Automerge,
    kind: DocKind,
    title: &str,
    space: &SpaceId,
) -> (TemplateValue, Vec<LeftOut>) {
    let mut left_out = Vec::new();
    unknown_keys(foreign, &automerge::ROOT, kind.fields(), "", &mut left_out);
    let shown = view::build(foreign, kind, &HashMap::new());
    let mut root = match template_of(&shown.root, "", &mut left_out) {
        TemplateValue::Map(entries) => entries,
        _ => Vec::new(),
    };
    let envelope = [
        ("kind", TemplateValue::Scalar(Scalar::Str(kind.code().into()))),
        ("schema", TemplateValue::Scalar(Scalar::Int(schema::SCHEMA_VERSION))),
        ("space", TemplateValue::Scalar(Scalar::Str(space.to_string()))),
        ("title", TemplateValue::Text(title.to_string())),
    ];
    for (name, value) in envelope {
        match root.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => root.push((name, value)),
        }
    }
    (TemplateValue::Map(root), left_out)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}/{key}") }
}

/// The template form of a view value; what cannot be written goes to `left_out`.
fn template_of(v: &view::ViewValue, path: &str, left_out: &mut Vec<LeftOut>) -> TemplateValue {
    use view::ViewValue as V;
    let null = TemplateValue::Scalar(Scalar::Null);
    match v {
        V::Text(t) if t.len() > schema::MAX_TEXT_LEN => {
            left_out.push(LeftOut {
                path: path.into(),
                value: format!("{} bytes of text", t.len()),
                reason: format!("longer than the {} bytes a text field holds", schema::MAX_TEXT_LEN),
            });
            TemplateValue::Text(String::new())
        }
        V::Text(t) => TemplateValue::Text(t.clone()),
        V::Scalar(Scalar::Str(s)) if s.len() > schema::MAX_SCALAR_LEN => {
            left_out.push(LeftOut {
                path: path.into(),
                value: s.chars().take(80).collect(),
                reason: format!("longer than the {} bytes a short field holds", schema::MAX_SCALAR_LEN),
            });
            null
        }
        V::Scalar(s) => TemplateValue::Scalar(s.clone()),
        V::Raw(r) => {
            left_out.push(LeftOut {
                path: path.into(),
                value: r.clone(),
                reason: "not of the field's type".into(),
            });
            null
        }
        V::Invalid { value, reason } => {
            left_out.push(LeftOut { path: path.into(), value: value.display(), reason: reason.clone() });
            null
        }
        V::Conflict(values) => {
            // The first in the view's deterministic order is kept; the others are reported.
            for other in values.iter().skip(1) {
                left_out.push(LeftOut {
                    path: path.into(),
                    value: other.value.display(),
                    reason: format!("a concurrent value; '{}' was kept", values[0].value.display()),
                });
            }
            values.first().map_or(null, |c| TemplateValue::Scalar(c.value.clone()))
        }
        V::Record(fields) => TemplateValue::Map(
            fields.iter().map(|(f, v)| (f.name, template_of(v, &join(path, f.name), left_out))).collect(),
        ),
        V::List(items) => TemplateValue::List(
            items
                .iter()
                .enumerate()
                .map(|(i, (item_id, record))| {
                    // The file's item id is kept when it looks like one and is not taken twice,
                    // so links by id (`@k3x...`) still name the same budget line.
                    let well_formed = !item_id.is_empty()
                        && item_id.len() <= 32
                        && item_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
                    let unique = items.iter().filter(|(other, _)| other == item_id).count() == 1;
                    let id = if well_formed && unique { item_id.clone() } else { new_item_id() };
                    let mut entries = vec![("id", TemplateValue::Scalar(Scalar::Str(id)))];
                    if let TemplateValue::Map(fields) =
                        template_of(record, &join(path, &i.to_string()), left_out)
                    {
                        entries.extend(fields);
                    }
                    TemplateValue::Map(entries)
                })
                .collect(),
        ),
    }
}

/// Reports the keys of `obj` (and of its records and list items) that `fields` does not name.
fn unknown_keys(doc: &Automerge, obj: &ObjId, fields: &'static [Field], path: &str, out: &mut Vec<LeftOut>) {
    for key in doc.keys(obj) {
        let here = join(path, &key);
        let Some(f) = fields.iter().find(|f| f.name == key) else {
            if key != "id" || path.is_empty() {
                let value = match doc.get(obj, key.as_str()) {
                    Ok(Some((Value::Scalar(s), _))) => s.to_string(),
                    Ok(Some((Value::Object(t), _))) => format!("({t})"),
                    _ => String::new(),
                };
                out.push(LeftOut {
                    path: here,
                    value,
                    reason: "not a field of this kind of document".into(),
                });
            }
            continue;
        };
        match (f.ty, doc.get(obj, key.as_str())) {
            (FieldType::Record(sub), Ok(Some((Value::Object(ObjType::Map), id)))) => {
                unknown_keys(doc, &id, sub, &here, out);
            }
            (FieldType::List(sub), Ok(Some((Value::Object(ObjType::List), id)))) => {
                for i in 0..doc.length(&id) {
                    match doc.get(&id, i) {
                        Ok(Some((Value::Object(ObjType::Map), item))) => {
                            unknown_keys(doc, &item, sub, &join(&here, &i.to_string()), out);
                        }
                        Ok(Some((v, _))) => out.push(LeftOut {
                            path: join(&here, &i.to_string()),
                            value: v.to_string(),
                            reason: "a list item that is not a record".into(),
                        }),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::{ActorId, transaction::Transactable};

    use super::*;

    fn foreign() -> Automerge {
        let mut doc = Automerge::new().with_actor(ActorId::from(b"someone-else".as_slice()));
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "kind", "plan").expect("put");
        let title = tx.put_object(automerge::ROOT, "title", ObjType::Text).expect("obj");
        tx.splice_text(&title, 0, 0, "CIRCLE60").expect("splice");
        tx.put(automerge::ROOT, "acronym", "C60").expect("put");
        tx.put(automerge::ROOT, "start", "a lot").expect("put");
        tx.put(automerge::ROOT, "colour", "blue").expect("put");
        tx.put(automerge::ROOT, "status", "maybe").expect("put");
        let wps = tx.put_object(automerge::ROOT, "work_packages", ObjType::List).expect("obj");
        let wp = tx.insert_object(&wps, 0, ObjType::Map).expect("obj");
        tx.put(&wp, "lump_sum", 260_050_i64).expect("put");
        tx.put(&wp, "secret", "x").expect("put");
        tx.commit();
        doc
    }

    #[test]
    fn what_the_schema_holds_is_kept_and_the_rest_is_reported() {
        let space = SpaceId::from_bytes([7; 32]);
        let (root, left_out) = content_of(&foreign(), DocKind::Plan, "CIRCLE60", &space);
        let TemplateValue::Map(entries) = &root else { panic!("root is a record") };
        let get = |k: &str| entries.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        assert_eq!(get("acronym"), Some(TemplateValue::Scalar(Scalar::Str("C60".into()))));
        assert_eq!(get("space"), Some(TemplateValue::Scalar(Scalar::Str(space.to_string()))));
        let Some(TemplateValue::List(wps)) = get("work_packages") else { panic!("work packages") };
        let TemplateValue::Map(wp) = &wps[0] else { panic!("record") };
        assert!(
            wp.iter().any(|(k, v)| *k == "lump_sum" && *v == TemplateValue::Scalar(Scalar::Money(260_050)))
        );
        assert!(wp.iter().any(|(k, _)| *k == "id"), "a list record gets an id");
        let paths: Vec<&str> = left_out.iter().map(|l| l.path.as_str()).collect();
        assert!(paths.contains(&"colour"), "{left_out:?}");
        assert!(paths.contains(&"work_packages/0/secret"), "{left_out:?}");
        assert!(paths.contains(&"start"), "a date that does not read is reported: {left_out:?}");
        assert!(paths.contains(&"status"), "a code of no choice is reported: {left_out:?}");
        assert_eq!(left_out.iter().find(|l| l.path == "colour").map(|l| l.value.as_str()), Some("\"blue\""));
    }
}
