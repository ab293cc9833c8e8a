//! A typed, read-only view of a document, guided by its schema: what `doc show` prints.
//!
//! Concurrent writes of one scalar by two towns are both kept by Automerge; the view shows
//! them as a [`ViewValue::Conflict`] with each value and its author until someone sets the
//! field again.

use std::collections::HashMap;

use automerge::{Automerge, ObjId, ObjType, ReadDoc, Value};
use serde_json::{Map, Value as Json, json};
use twinmesh_protocol::{
    schema::{self, DocKind, Field, FieldType, Scalar},
    signed,
    space::Municipality,
};

use crate::i18n::Lang;

/// A value in the view.
#[derive(Debug, Clone, PartialEq)]
pub enum ViewValue {
    /// Text content.
    Text(String),
    /// A typed scalar.
    Scalar(Scalar),
    /// A value of an unexpected type, shown as Automerge prints it.
    Raw(String),
    /// Concurrent values of one field.
    Conflict(Vec<ConflictValue>),
    /// A value of the right type that the schema refuses (e.g. an amount beyond the bound,
    /// written by an older node): shown marked, never counted in a total.
    Invalid {
        /// The value as stored.
        value: Scalar,
        /// Why it does not fit the field.
        reason: String,
    },
    /// A record's fields, in schema order.
    Record(Vec<(&'static Field, ViewValue)>),
    /// List records: (item id, record).
    List(Vec<(String, ViewValue)>),
}

/// One of several concurrent values.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictValue {
    /// The value.
    pub value: Scalar,
    /// The author's municipality name, or its key if unknown.
    pub author: String,
}

/// A whole document view.
#[derive(Debug, Clone)]
pub struct DocView {
    /// The kind.
    pub kind: DocKind,
    /// The document's language (its `lang` field; English if it has none): what it prints in.
    pub lang: Lang,
    /// The root record.
    pub root: ViewValue,
}

/// The document's title text.
pub fn title(doc: &Automerge) -> String {
    match doc.get(automerge::ROOT, "title") {
        Ok(Some((Value::Object(ObjType::Text), id))) => doc.text(&id).unwrap_or_default(),
        Ok(Some((Value::Scalar(s), _))) => s.to_string(),
        _ => String::new(),
    }
}

/// Reads a document's kind from its `kind` field.
pub fn kind_of(doc: &Automerge) -> Option<DocKind> {
    match doc.get(automerge::ROOT, "kind") {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().and_then(|k| k.parse().ok()),
        _ => None,
    }
}

/// Reads a document's `space` field.
pub fn space_of(doc: &Automerge) -> Option<String> {
    match doc.get(automerge::ROOT, "space") {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
        _ => None,
    }
}

/// A document's language, from its `lang` field. A document created before the field existed,
/// or naming a language this node does not speak (a newer node's, or a partner's garbage),
/// reads as English: the field only chooses the words around the content.
pub fn lang_of(doc: &Automerge) -> Lang {
    match doc.get(automerge::ROOT, "lang") {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().and_then(Lang::parse).unwrap_or(Lang::En),
        _ => Lang::En,
    }
}

/// Builds the view. `names` maps author keys to municipalities for conflict attribution.
pub fn build(doc: &Automerge, kind: DocKind, names: &HashMap<[u8; 32], Municipality>) -> DocView {
    DocView { kind, lang: lang_of(doc), root: record(doc, &automerge::ROOT, kind.fields(), names) }
}

fn author_name(exid: &ObjId, names: &HashMap<[u8; 32], Municipality>) -> String {
    match exid {
        ObjId::Id(_, actor, _) => match signed::author_of(actor) {
            Some(key) => {
                names.get(&key.to_bytes()).map(|m| m.name.clone()).unwrap_or_else(|| key.fmt_short())
            }
            None => "unknown".into(),
        },
        ObjId::Root => "unknown".into(),
    }
}

fn record(
    doc: &Automerge,
    obj: &ObjId,
    fields: &'static [Field],
    names: &HashMap<[u8; 32], Municipality>,
) -> ViewValue {
    let mut out = Vec::new();
    for f in fields {
        out.push((f, field(doc, obj, f, names)));
    }
    ViewValue::Record(out)
}

fn field(
    doc: &Automerge,
    obj: &ObjId,
    f: &'static Field,
    names: &HashMap<[u8; 32], Municipality>,
) -> ViewValue {
    let all = doc.get_all(obj, f.name).unwrap_or_default();
    // Objects: Automerge picks one winner deterministically; `get` returns it.
    if !f.ty.is_scalar() && f.ty != FieldType::ReadOnly {
        let winner = doc.get(obj, f.name).ok().flatten();
        return match (f.ty, winner) {
            (FieldType::Text, Some((Value::Object(ObjType::Text), id))) => {
                ViewValue::Text(doc.text(&id).unwrap_or_default())
            }
            (FieldType::Text, Some((Value::Scalar(s), _))) => ViewValue::Text(s.to_string()),
            (FieldType::Text, _) => ViewValue::Text(String::new()),
            (FieldType::Record(sub), Some((Value::Object(ObjType::Map), id))) => record(doc, &id, sub, names),
            (FieldType::Record(sub), _) => {
                ViewValue::Record(sub.iter().map(|f| (f, ViewValue::Scalar(Scalar::Null))).collect())
            }
            (FieldType::List(sub), Some((Value::Object(ObjType::List), id))) => {
                let mut items = Vec::new();
                for i in 0..doc.length(&id) {
                    if let Ok(Some((Value::Object(ObjType::Map), item))) = doc.get(&id, i) {
                        let item_id = match doc.get(&item, "id") {
                            Ok(Some((Value::Scalar(s), _))) => s.as_str().unwrap_or_default().to_string(),
                            _ => String::new(),
                        };
                        items.push((item_id, record(doc, &item, sub, names)));
                    }
                }
                ViewValue::List(items)
            }
            (FieldType::List(_), _) => ViewValue::List(Vec::new()),
            (_, Some((v, _))) => ViewValue::Raw(format!("{v:?}")),
            (_, None) => ViewValue::Scalar(Scalar::Null),
        };
    }
    let typed = |v: &Value<'_>| -> Option<Scalar> {
        match v {
            Value::Scalar(s) => Scalar::from_automerge(&f.ty, s),
            Value::Object(_) => None,
        }
    };
    match all.len() {
        0 => ViewValue::Scalar(Scalar::Null),
        1 => match typed(&all[0].0) {
            Some(s) => match schema::check_stored(&f.ty, &s) {
                Some(reason) => ViewValue::Invalid { value: s, reason },
                None => ViewValue::Scalar(s),
            },
            None => ViewValue::Raw(format!("{}", all[0].0)),
        },
        _ => {
            let mut vals: Vec<ConflictValue> = all
                .iter()
                .map(|(v, id)| ConflictValue {
                    value: typed(v).unwrap_or_else(|| Scalar::Str(format!("{v}"))),
                    author: author_name(id, names),
                })
                .collect();
            // Automerge's order of concurrent values depends on each node's actor table; sort so
            // every node shows the same conflict the same way.
            vals.sort_by(|a, b| {
                a.author.cmp(&b.author).then_with(|| a.value.display().cmp(&b.value.display()))
            });
            ViewValue::Conflict(vals)
        }
    }
}

fn scalar_json(s: &Scalar) -> Json {
    match s {
        Scalar::Null => Json::Null,
        Scalar::Str(v) => json!(v),
        Scalar::Bool(b) => json!(b),
        Scalar::Int(i) => json!(i),
        other => other.to_json_number().map(|n| json!(n)).unwrap_or(Json::Null),
    }
}

impl ViewValue {
    /// JSON form: money as euros, conflicts as `{"conflict": [{"value", "author"}]}`.
    pub fn to_json(&self) -> Json {
        match self {
            Self::Text(t) => json!(t),
            Self::Scalar(s) => scalar_json(s),
            Self::Raw(r) => json!({ "unexpected": r }),
            // The display form, because an out-of-range amount is not exact as a JSON number.
            Self::Invalid { value, reason } => json!({ "invalid": value.display(), "reason": reason }),
            Self::Conflict(vals) => json!({
                "conflict": vals.iter().map(|c| json!({"value": scalar_json(&c.value), "author": c.author})).collect::<Vec<_>>()
            }),
            Self::Record(fields) => {
                let mut m = Map::new();
                for (f, v) in fields {
                    m.insert(f.name.to_string(), v.to_json());
                }
                Json::Object(m)
            }
            Self::List(items) => Json::Array(
                items
                    .iter()
                    .map(|(id, rec)| {
                        let mut j = rec.to_json();
                        if let Json::Object(m) = &mut j {
                            m.insert("id".into(), json!(id));
                        }
                        j
                    })
                    .collect(),
            ),
        }
    }

    /// Every conflicting field, as (path, values).
    pub fn conflicts(&self) -> Vec<(String, Vec<ConflictValue>)> {
        let mut out = Vec::new();
        self.collect_conflicts(String::new(), &mut out);
        out
    }

    fn collect_conflicts(&self, path: String, out: &mut Vec<(String, Vec<ConflictValue>)>) {
        let join = |p: &str, k: &str| if p.is_empty() { k.to_string() } else { format!("{p}/{k}") };
        match self {
            Self::Conflict(v) => out.push((path, v.clone())),
            Self::Record(fields) => {
                for (f, v) in fields {
                    v.collect_conflicts(join(&path, f.name), out);
                }
            }
            Self::List(items) => {
                for (i, (_, v)) in items.iter().enumerate() {
                    v.collect_conflicts(join(&path, &i.to_string()), out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::{AutoCommit, ScalarValue, transaction::Transactable};

    use super::*;

    /// A plan as an older node could have stored it: budget lines of the amount (two of
    /// them used to total -0.02 EUR) next to an ordinary line, and a head-count of -3.
    #[test]
    fn values_stored_out_of_range_are_shown_marked_and_never_counted() {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "kind", "plan").expect("kind");
        let budget = doc.put_object(automerge::ROOT, "budget", ObjType::Map).expect("budget");
        let lines = doc.put_object(&budget, "lines", ObjType::List).expect("lines");
        for (i, cents) in [i64::MAX, i64::MAX, 260_000].into_iter().enumerate() {
            let line = doc.insert_object(&lines, i, ObjType::Map).expect("line");
            doc.put(&line, "id", format!("l{i}")).expect("id");
            doc.put(&line, "amount", ScalarValue::Int(cents)).expect("amount");
        }
        let view = build(doc.document(), DocKind::Plan, &HashMap::new());
        let json = view.root.to_json();
        let first = &json["budget"]["lines"][0]["amount"];
        assert_eq!(first["invalid"], "92,233,720,368,547,758.07 EUR", "{first}");
        assert!(first["reason"].as_str().is_some_and(|r| r.contains("out of range")), "{first}");
        assert_eq!(json["budget"]["lines"][2]["amount"], json!(2600.0));
        let md = crate::formats::markdown(&view);
        let total = md.lines().find(|l| l.starts_with("| **Total**")).expect("total line");
        assert!(total.contains("**€2,600.00 + ⚠ 2 invalid values, not counted**"), "{total}");
    }
}
