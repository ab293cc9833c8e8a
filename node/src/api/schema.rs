//! The document kinds with their fields, for schema-driven editors (`GET /api/v1/schema`): the
//! web UI builds its editor from this, so a new field in `protocol/src/schema/kinds.rs` shows up
//! without UI changes.

use serde::Serialize;
use twinmesh_protocol::schema::{DocKind, Field, FieldType, SCHEMA_VERSION, country_codes};

/// Every document kind with its fields.
#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    /// The schema version documents are written with.
    pub schema_version: i64,
    /// Each kind.
    pub kinds: Vec<KindSchema>,
}

/// A document kind and its fields.
#[derive(Debug, Clone, Serialize)]
pub struct KindSchema {
    /// Its code (`plan`).
    pub kind: &'static str,
    /// Its English label.
    pub label: &'static str,
    /// Its fields, in order.
    pub fields: Vec<FieldSchema>,
}

/// A field: its name, label, type and what the type allows.
#[derive(Debug, Clone, Serialize)]
pub struct FieldSchema {
    /// Its name in a path.
    pub name: &'static str,
    /// Its English label.
    pub label: &'static str,
    /// Its type: `text`, `str`, `enum`, `date`, `int`, `number`, `money`, `country`, `email`,
    /// `bool`, `record`, `list` or `readonly`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The values an `enum` or `country` takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<&'static str>>,
    /// The fields of a `record` or of a `list`'s items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldSchema>>,
    /// The least value allowed (money in euros, as everywhere in the JSON API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Bound>,
    /// The greatest value allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Bound>,
}

/// A bound of a number field: a whole number, or euros for money.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(untagged)]
pub enum Bound {
    /// A whole number.
    Int(i64),
    /// Euros.
    Euros(f64),
}

impl FieldSchema {
    fn of(f: &Field) -> Self {
        let mut options = None;
        let mut fields = None;
        let ty = match f.ty {
            FieldType::Text => "text",
            FieldType::Str => "str",
            FieldType::Enum(opts) => {
                options = Some(opts.to_vec());
                "enum"
            }
            FieldType::Date => "date",
            FieldType::Int => "int",
            FieldType::Number => "number",
            FieldType::Money | FieldType::CorrectableMoney => "money",
            FieldType::Country => {
                options = Some(country_codes().collect());
                "country"
            }
            FieldType::Email => "email",
            FieldType::Bool => "bool",
            FieldType::Record(inner) => {
                fields = Some(inner.iter().map(Self::of).collect());
                "record"
            }
            FieldType::List(inner) => {
                fields = Some(inner.iter().map(Self::of).collect());
                "list"
            }
            FieldType::ReadOnly => "readonly",
        };
        let bound = |n: i64| if f.ty.is_money() { Bound::Euros(n as f64 / 100.0) } else { Bound::Int(n) };
        let range = f.ty.range();
        Self {
            name: f.name,
            label: f.label,
            ty,
            options,
            fields,
            min: range.map(|(min, _)| bound(min)),
            max: range.map(|(_, max)| bound(max)),
        }
    }
}

/// Every document kind with its fields.
pub fn schema() -> Schema {
    let kinds = DocKind::ALL
        .iter()
        .map(|k| KindSchema {
            kind: k.code(),
            label: k.label(),
            fields: k.fields().iter().map(FieldSchema::of).collect(),
        })
        .collect();
    Schema { schema_version: SCHEMA_VERSION, kinds }
}
