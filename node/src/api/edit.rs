//! Edits as the API takes them, the export formats, and list item ids (`budget/lines/@k3x…`)
//! resolved to the indices the engine edits.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use twinmesh_protocol::{
    ids::DocId,
    schema::{Path, Seg},
};

use crate::{
    engine::{Edit, Engine, view::ViewValue},
    error::NodeError,
};

/// One edit, as sent over the API.
///
/// Unknown fields are refused (`{"op": "set", ..., "bogus": 1}` is a 400 naming `bogus`), as
/// everywhere in the API: a misspelt field must not be dropped silently.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum EditSpec {
    /// Set a scalar field.
    Set {
        /// Field path.
        path: String,
        /// Value as text, parsed by the field's type. JSON numbers, booleans and `null` are
        /// accepted too and read as their text (`null` clears the field).
        #[serde(deserialize_with = "scalar_text")]
        value: String,
    },
    /// Replace a text field's content (computed as splices).
    Text {
        /// Field path.
        path: String,
        /// New content.
        text: String,
    },
    /// Append a record to a list.
    Add {
        /// List path.
        list: String,
        /// Fields to set, as (name, value).
        #[serde(default)]
        fields: Vec<(String, String)>,
    },
    /// Remove a list record.
    Remove {
        /// Record path.
        item: String,
    },
}

/// Reads a JSON string, number, boolean or null as the text a user would have typed.
fn scalar_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok("null".into()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, number, boolean or null, got {}",
            match other {
                Value::Array(_) => "an array",
                _ => "an object",
            }
        ))),
    }
}

/// One text splice: at `pos` (in Unicode code points), delete `del` characters and insert
/// `insert`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpliceSpec {
    /// Position in Unicode code points.
    pub pos: usize,
    /// Characters to delete at `pos`.
    #[serde(default)]
    pub del: usize,
    /// Text to insert at `pos`.
    #[serde(default)]
    pub insert: String,
}

impl EditSpec {
    pub(super) fn into_edit(self) -> Result<Edit, NodeError> {
        Ok(match self {
            Self::Set { path, value } => Edit::Set { path: path.parse::<Path>()?, value },
            Self::Text { path, text } => Edit::Text { path: path.parse::<Path>()?, text },
            Self::Add { list, fields } => Edit::Add { list: list.parse::<Path>()?, fields },
            Self::Remove { item } => Edit::Remove { item: item.parse::<Path>()? },
        })
    }
}

/// The form of `twin doc export`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Every change with its signature, for `twin doc import` on another node.
    #[default]
    Signed,
    /// The plain saved Automerge document, without signatures.
    Automerge,
    /// A plan's events and milestones as an iCalendar file.
    Ics,
    /// A plan's budget lines as CSV.
    Csv,
    /// A document as a Word file (headings, tables; a plan in Part B order).
    Docx,
    /// A document as an OpenDocument text.
    Odt,
    /// A document as a PDF laid out by the node.
    Pdf,
    /// A plan's budget as an Excel workbook (amounts as numbers, the total a formula).
    Xlsx,
}

impl ExportFormat {
    /// Every format, by the name `?format=` and `--format` take.
    pub const ALL: [(&'static str, ExportFormat); 8] = [
        ("signed", Self::Signed),
        ("automerge", Self::Automerge),
        ("ics", Self::Ics),
        ("csv", Self::Csv),
        ("docx", Self::Docx),
        ("odt", Self::Odt),
        ("pdf", Self::Pdf),
        ("xlsx", Self::Xlsx),
    ];

    /// The format named `name` (`pdf`), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

/// True if a path names a list item by its id (`budget/lines/@k3x.../amount`).
pub(super) fn has_item_ids(path: &Path) -> bool {
    path.0.iter().any(|s| matches!(s, Seg::Key(k) if k.starts_with('@')))
}

/// Replaces every `@id` step of `path` by the item's current index in `root`. Editors address
/// list items by id, so an edit still lands on the right budget line after a partner inserted
/// or removed lines above it. Runs on the engine thread, so nothing changes in between.
pub(super) fn resolve_path(root: &ViewValue, path: &Path) -> Result<Path, NodeError> {
    let mut cur = Some(root);
    let mut out = Vec::with_capacity(path.0.len());
    for seg in &path.0 {
        let next = match (cur, seg) {
            (Some(ViewValue::List(items)), Seg::Key(k)) if k.starts_with('@') => {
                let id = &k[1..];
                let Some(i) = items.iter().position(|(item, _)| item == id) else {
                    return Err(NodeError::InvalidInput(format!(
                        "no item with id '{id}' in '{}' (a partner may have removed it)",
                        Path(out.clone())
                    )));
                };
                out.push(Seg::Index(i));
                Some(&items[i].1)
            }
            (_, Seg::Key(k)) if k.starts_with('@') => {
                return Err(NodeError::InvalidInput(format!(
                    "'{}' is not a list: '@{}' names a list item",
                    Path(out.clone()),
                    &k[1..]
                )));
            }
            (Some(ViewValue::List(items)), Seg::Index(i)) => {
                out.push(seg.clone());
                items.get(*i).map(|(_, v)| v)
            }
            (Some(ViewValue::Record(fields)), Seg::Key(k)) => {
                out.push(seg.clone());
                fields.iter().find(|(f, _)| f.name == k).map(|(_, v)| v)
            }
            _ => {
                out.push(seg.clone());
                None
            }
        };
        cur = next;
    }
    Ok(Path(out))
}

pub(super) fn resolve_item_ids(
    engine: &mut Engine,
    doc: &DocId,
    edits: &mut [Edit],
) -> Result<(), NodeError> {
    if !edits.iter().any(|e| match e {
        Edit::Set { path, .. } | Edit::Text { path, .. } => has_item_ids(path),
        Edit::Add { list, .. } => has_item_ids(list),
        Edit::Remove { item } => has_item_ids(item),
    }) {
        return Ok(());
    }
    let view = engine.view(doc, None)?;
    for e in edits {
        let p = match e {
            Edit::Set { path, .. } | Edit::Text { path, .. } => path,
            Edit::Add { list, .. } => list,
            Edit::Remove { item } => item,
        };
        *p = resolve_path(&view.root, p)?;
    }
    Ok(())
}
