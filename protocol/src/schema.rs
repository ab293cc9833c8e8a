//! Document kinds, their fields, typed values and starting templates.
//!
//! Every document is an Automerge map with an envelope (`kind`, `schema`, `space`, `title`) and
//! the fields of its kind. Prose is Automerge text (merged character by character); amounts,
//! dates, counts and codes are scalars. Lists hold records, and every record in a list has a
//! stable `id` so that concurrent inserts, moves and deletes merge cleanly.
//!
//! Scalar encoding in Automerge:
//!
//! | type     | Automerge value | notes |
//! |----------|-----------------|-------|
//! | `str`    | `Str`           | short single-value text |
//! | `enum`   | `Str`           | one of a fixed set of codes |
//! | `date`   | `Str`           | `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (partial dates are allowed) |
//! | `int`    | `Int`           | counts |
//! | `number` | `F64`           | finite numbers, e.g. indicator targets in % |
//! | `money`  | `Int`           | euro **cents**, so amounts are exact |
//! | `bool`   | `Boolean`       | |
//!
//! Any scalar may be `null` (unset).

mod kinds;

use std::{fmt, str::FromStr};

use automerge::ScalarValue;
use serde::{Deserialize, Serialize};

pub use kinds::template;

/// Version of the document schema written into every document's `schema` field.
pub const SCHEMA_VERSION: i64 = 1;

/// Longest value accepted for a scalar string field, in bytes.
pub const MAX_SCALAR_LEN: usize = 1000;

/// Longest accepted text field, in bytes (a long narrative section is ~20 kB).
pub const MAX_TEXT_LEN: usize = 1024 * 1024;

/// The kinds of shared document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    /// Partnership charter / twinning agreement.
    Charter,
    /// Joint project plan for a funding call.
    Plan,
    /// Meeting minutes with decisions and action items.
    Minutes,
    /// Contact directory.
    Contacts,
}

impl DocKind {
    /// All kinds, in display order.
    pub const ALL: [DocKind; 4] = [Self::Charter, Self::Plan, Self::Minutes, Self::Contacts];

    /// The code stored in documents and used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Self::Charter => "charter",
            Self::Plan => "plan",
            Self::Minutes => "minutes",
            Self::Contacts => "contacts",
        }
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Charter => "Partnership charter",
            Self::Plan => "Joint project plan",
            Self::Minutes => "Meeting minutes",
            Self::Contacts => "Contact directory",
        }
    }

    /// The fields of this kind, envelope included.
    pub fn fields(self) -> &'static [Field] {
        kinds::fields(self)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for DocKind {
    type Err = SchemaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "charter" | "agreement" => Ok(Self::Charter),
            "plan" | "project" | "project-plan" | "joint-plan" => Ok(Self::Plan),
            "minutes" | "meeting" => Ok(Self::Minutes),
            "contacts" | "contact-directory" | "directory" => Ok(Self::Contacts),
            _ => Err(SchemaError::UnknownKind(s.to_string())),
        }
    }
}

/// The type of a field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    /// Collaborative prose (Automerge text).
    Text,
    /// A short single-value string.
    Str,
    /// One of a fixed set of codes.
    Enum(&'static [&'static str]),
    /// A full or partial calendar date.
    Date,
    /// A whole number (counts).
    Int,
    /// A finite decimal number.
    Number,
    /// An amount of euros, stored as cents.
    Money,
    /// Yes or no.
    Bool,
    /// A nested record.
    Record(&'static [Field]),
    /// A list of records; each record also has a read-only `id`.
    List(&'static [Field]),
    /// Set by Twinmesh, never by a user (`kind`, `schema`, `space`, list item `id`).
    ReadOnly,
}

impl FieldType {
    /// A short name of the type, as used in error messages.
    pub fn name(&self) -> String {
        match self {
            Self::Text => "text".into(),
            Self::Str => "string".into(),
            Self::Enum(opts) => format!("one of {}", opts.join(", ")),
            Self::Date => "date (YYYY-MM-DD, YYYY-MM or YYYY)".into(),
            Self::Int => "whole number".into(),
            Self::Number => "number".into(),
            Self::Money => "amount in EUR (e.g. 2600 or 2600.50)".into(),
            Self::Bool => "true or false".into(),
            Self::Record(_) => "record".into(),
            Self::List(_) => "list".into(),
            Self::ReadOnly => "read-only".into(),
        }
    }

    /// True for types stored as a single Automerge scalar.
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Self::Str | Self::Enum(_) | Self::Date | Self::Int | Self::Number | Self::Money | Self::Bool
        )
    }
}

/// A named field of a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// Key in the Automerge map.
    pub name: &'static str,
    /// Type of the value.
    pub ty: FieldType,
    /// Human label, used as a heading or column title.
    pub label: &'static str,
}

/// The implicit read-only `id` field of every list record.
pub const ID_FIELD: Field = Field { name: "id", ty: FieldType::ReadOnly, label: "Id" };

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

/// Why a path or value does not fit the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// Not a known document kind.
    #[error("unknown document kind '{0}': expected one of charter, plan, minutes, contacts")]
    UnknownKind(String),
    /// The path text is malformed.
    #[error(
        "malformed path '{0}': expected names and list indexes separated by '/', e.g. budget/lines/0/amount"
    )]
    BadPath(String),
    /// The path names a field this kind does not have.
    #[error("{kind} documents have no field '{path}'{hint}")]
    UnknownField {
        /// The document kind.
        kind: DocKind,
        /// The path up to and including the unknown part.
        path: String,
        /// Names that would have been valid here.
        hint: String,
    },
    /// A list index where a name was expected, or the other way round.
    #[error("'{path}' is a {found}: {expected}")]
    WrongShape {
        /// The path up to the problem.
        path: String,
        /// What the path points at.
        found: String,
        /// What the next step should be.
        expected: String,
    },
    /// The value has the wrong type for the field.
    #[error("'{path}' expects {expected}; got '{value}'")]
    WrongType {
        /// The field's path.
        path: String,
        /// The expected type.
        expected: String,
        /// The value given.
        value: String,
    },
    /// The field is maintained by Twinmesh.
    #[error("'{0}' is read-only")]
    ReadOnly(String),
    /// The value is longer than allowed.
    #[error("'{path}' accepts at most {max} bytes")]
    TooLong {
        /// The field's path.
        path: String,
        /// The limit.
        max: usize,
    },
}

/// A value that fits a field.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// New content of a text field.
    Text(String),
    /// A scalar.
    Scalar(Scalar),
}

/// A typed scalar, before it is written to Automerge.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// No value.
    Null,
    /// A string, date or enum code.
    Str(String),
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Number(f64),
    /// Euro cents.
    Money(i64),
    /// Yes or no.
    Bool(bool),
}

impl Scalar {
    /// The Automerge value this scalar is stored as.
    pub fn to_automerge(&self) -> ScalarValue {
        match self {
            Self::Null => ScalarValue::Null,
            Self::Str(s) => ScalarValue::Str(s.as_str().into()),
            Self::Int(i) | Self::Money(i) => ScalarValue::Int(*i),
            Self::Number(n) => ScalarValue::F64(*n),
            Self::Bool(b) => ScalarValue::Boolean(*b),
        }
    }

    /// Reads an Automerge value as the given field type. Values of an unexpected type (from a
    /// newer schema, or a misbehaving peer) come back as `None` and are shown raw.
    pub fn from_automerge(ty: &FieldType, v: &ScalarValue) -> Option<Self> {
        Some(match (ty, v) {
            (_, ScalarValue::Null) => Self::Null,
            (
                FieldType::Str | FieldType::Enum(_) | FieldType::Date | FieldType::ReadOnly,
                ScalarValue::Str(s),
            ) => Self::Str(s.to_string()),
            (FieldType::Int, ScalarValue::Int(i)) => Self::Int(*i),
            (FieldType::Int, ScalarValue::Uint(u)) => Self::Int(i64::try_from(*u).ok()?),
            (FieldType::Money, ScalarValue::Int(i)) => Self::Money(*i),
            (FieldType::Number, ScalarValue::F64(n)) => Self::Number(*n),
            (FieldType::Number, ScalarValue::Int(i)) => Self::Number(*i as f64),
            (FieldType::Bool, ScalarValue::Boolean(b)) => Self::Bool(*b),
            (FieldType::ReadOnly, ScalarValue::Int(i)) => Self::Int(*i),
            _ => return None,
        })
    }

    /// Human display: money as `2,600.00 EUR`, null as an empty string.
    pub fn display(&self) -> String {
        match self {
            Self::Null => String::new(),
            Self::Str(s) => s.clone(),
            Self::Int(i) => i.to_string(),
            Self::Number(n) => format!("{n}"),
            Self::Money(c) => format_eur(*c),
            Self::Bool(b) => if *b { "yes" } else { "no" }.into(),
        }
    }

    /// JSON-friendly value: money as a number of euros.
    pub fn to_json_number(&self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(*i as f64),
            Self::Number(n) => Some(*n),
            Self::Money(c) => Some(*c as f64 / 100.0),
            _ => None,
        }
    }
}

/// Formats euro cents as `2,600.00 EUR`.
pub fn format_eur(cents: i64) -> String {
    let neg = cents < 0;
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}{grouped}.{:02} EUR", if neg { "-" } else { "" }, abs % 100)
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

/// Parses user input for a field. `null` clears any scalar.
pub fn parse_value(kind: DocKind, path: &Path, input: &str) -> Result<TypedValue, SchemaError> {
    let r = resolve(kind, path)?;
    parse_for_type(&r.ty, &path.to_string(), input)
}

/// Parses user input for a field type (`path` is used in error messages only).
pub fn parse_for_type(ty: &FieldType, path: &str, input: &str) -> Result<TypedValue, SchemaError> {
    let wrong =
        || SchemaError::WrongType { path: path.to_string(), expected: ty.name(), value: input.to_string() };
    let t = input.trim();
    if ty.is_scalar() && t == "null" {
        return Ok(TypedValue::Scalar(Scalar::Null));
    }
    let scalar = match ty {
        FieldType::Text => {
            if input.len() > MAX_TEXT_LEN {
                return Err(SchemaError::TooLong { path: path.into(), max: MAX_TEXT_LEN });
            }
            return Ok(TypedValue::Text(input.to_string()));
        }
        FieldType::Str => {
            if input.len() > MAX_SCALAR_LEN {
                return Err(SchemaError::TooLong { path: path.into(), max: MAX_SCALAR_LEN });
            }
            Scalar::Str(input.to_string())
        }
        FieldType::Enum(opts) => {
            let lower = t.to_ascii_lowercase();
            let code = opts.iter().find(|o| **o == lower).ok_or_else(wrong)?;
            Scalar::Str((*code).to_string())
        }
        FieldType::Date => {
            if !valid_date(t) {
                return Err(wrong());
            }
            Scalar::Str(t.to_string())
        }
        FieldType::Int => Scalar::Int(t.parse().map_err(|_| wrong())?),
        FieldType::Number => {
            let n: f64 = t.parse().map_err(|_| wrong())?;
            if !n.is_finite() {
                return Err(wrong());
            }
            Scalar::Number(n)
        }
        FieldType::Money => Scalar::Money(parse_cents(t).ok_or_else(wrong)?),
        FieldType::Bool => Scalar::Bool(match t.to_ascii_lowercase().as_str() {
            "true" | "yes" => true,
            "false" | "no" => false,
            _ => return Err(wrong()),
        }),
        FieldType::ReadOnly => return Err(SchemaError::ReadOnly(path.to_string())),
        FieldType::Record(_) | FieldType::List(_) => {
            return Err(SchemaError::WrongType {
                path: path.to_string(),
                expected: format!("a path to one of its fields ({} cannot be set directly)", ty.name()),
                value: input.to_string(),
            });
        }
    };
    Ok(TypedValue::Scalar(scalar))
}

/// Parses `2600`, `2600.5`, `2600.50`, `-10` into cents. At most two decimals; no separators.
pub fn parse_cents(t: &str) -> Option<i64> {
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, f),
        None => (body, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) || (body.contains('.') && frac.is_empty())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    let cents = whole.checked_mul(100)?.checked_add(frac)?;
    Some(if neg { -cents } else { cents })
}

/// Accepts `YYYY`, `YYYY-MM` and `YYYY-MM-DD` with a real month and day.
pub fn valid_date(t: &str) -> bool {
    let parts: Vec<&str> = t.split('-').collect();
    let num = |s: &str, len: usize| -> Option<u32> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    let Some(year) = parts.first().and_then(|y| num(y, 4)) else {
        return false;
    };
    if parts.len() == 1 {
        return true;
    }
    let Some(month) = num(parts[1], 2).filter(|m| (1..=12).contains(m)) else {
        return false;
    };
    if parts.len() == 2 {
        return true;
    }
    if parts.len() != 3 {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    num(parts[2], 2).is_some_and(|d| (1..=days).contains(&d))
}

/// A value of a template: what a new document or list item starts with.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateValue {
    /// A text field with initial content.
    Text(String),
    /// A scalar.
    Scalar(Scalar),
    /// A record: field name and value.
    Map(Vec<(&'static str, TemplateValue)>),
    /// A list of records.
    List(Vec<TemplateValue>),
}

/// An empty record with every field present: texts empty, scalars null, lists empty.
/// List records get the given `id`.
pub fn empty_record(fields: &'static [Field], id: Option<String>) -> TemplateValue {
    let mut entries = Vec::new();
    if let Some(id) = id {
        entries.push(("id", TemplateValue::Scalar(Scalar::Str(id))));
    }
    for f in fields {
        entries.push((f.name, empty_value(&f.ty)));
    }
    TemplateValue::Map(entries)
}

fn empty_value(ty: &FieldType) -> TemplateValue {
    match ty {
        FieldType::Text => TemplateValue::Text(String::new()),
        FieldType::Record(f) => empty_record(f, None),
        FieldType::List(_) => TemplateValue::List(Vec::new()),
        _ => TemplateValue::Scalar(Scalar::Null),
    }
}

#[cfg(test)]
mod tests;
