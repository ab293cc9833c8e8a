//! Paths into a document (`budget/lines/0/amount`, [`Path`]) and their resolution against a
//! kind's schema ([`resolve`], [`record_fields`]).

use std::{fmt, str::FromStr};

use super::{DocKind, Field, FieldType, SchemaError};

/// One step of a path: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A field name.
    Key(String),
    /// A position in a list.
    Index(usize),
}

/// A path into a document, written `budget/lines/0/amount`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path(pub Vec<Seg>);

impl FromStr for Path {
    type Err = SchemaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_matches('/');
        if t.is_empty() {
            return Err(SchemaError::BadPath(s.to_string()));
        }
        let mut segs = Vec::new();
        for part in t.split('/') {
            if part.is_empty() {
                return Err(SchemaError::BadPath(s.to_string()));
            }
            if part.bytes().all(|b| b.is_ascii_digit()) {
                let i = part.parse().map_err(|_| SchemaError::BadPath(s.to_string()))?;
                segs.push(Seg::Index(i));
            } else {
                segs.push(Seg::Key(part.to_string()));
            }
        }
        Ok(Path(segs))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            match seg {
                Seg::Key(k) => f.write_str(k)?,
                Seg::Index(n) => write!(f, "{n}")?,
            }
        }
        Ok(())
    }
}

/// What a path resolves to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolved {
    /// The field's type.
    pub ty: FieldType,
    /// The field's label.
    pub label: &'static str,
}

/// Resolves a path against a kind's schema.
pub fn resolve(kind: DocKind, path: &Path) -> Result<Resolved, SchemaError> {
    let mut cur = FieldType::Record(kind.fields());
    let mut label = "document";
    let mut in_list_item = false;
    let mut walked = Path::default();
    for seg in &path.0 {
        walked.0.push(seg.clone());
        let parent = || Path(walked.0[..walked.0.len() - 1].to_vec()).to_string();
        match (cur, seg) {
            (FieldType::Record(_), Seg::Key(k)) if in_list_item && k == "id" => {
                return Err(SchemaError::ReadOnly(walked.to_string()));
            }
            (FieldType::Record(fields), Seg::Key(k)) => {
                let f = fields.iter().find(|f| f.name == k).ok_or_else(|| SchemaError::UnknownField {
                    kind,
                    path: walked.to_string(),
                    hint: format!(
                        " (fields here: {})",
                        fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                    ),
                })?;
                cur = f.ty;
                label = f.label;
                in_list_item = false;
            }
            (FieldType::List(fields), Seg::Index(_)) => {
                cur = FieldType::Record(fields);
                in_list_item = true;
            }
            (FieldType::Record(fields), Seg::Index(_)) => {
                return Err(SchemaError::WrongShape {
                    path: parent(),
                    found: "record".into(),
                    expected: format!(
                        "after a record comes a field name ({})",
                        fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            (FieldType::List(_), Seg::Key(_)) => {
                return Err(SchemaError::WrongShape {
                    path: parent(),
                    found: "list".into(),
                    expected: "after a list comes an item number, e.g. 0".into(),
                });
            }
            (other, _) => {
                return Err(SchemaError::WrongShape {
                    path: parent(),
                    found: other.name(),
                    expected: "it has no fields below it".into(),
                });
            }
        }
    }
    Ok(Resolved { ty: cur, label })
}

/// Resolves a record path inside a list item, treating `id` as the implicit read-only field.
/// Returns the record fields of a list item path like `budget/lines/0`.
pub fn record_fields(kind: DocKind, path: &Path) -> Result<&'static [Field], SchemaError> {
    match resolve(kind, path)?.ty {
        FieldType::Record(f) => Ok(f),
        other => Err(SchemaError::WrongShape {
            path: path.to_string(),
            found: other.name(),
            expected: "expected a record".into(),
        }),
    }
}
