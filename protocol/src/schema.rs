//! Document kinds, their fields, typed values and starting templates.
//!
//! Every document is an Automerge map with an envelope (`kind`, `schema`, `space`, `lang`, `title`) and
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
//! | `int`    | `Int`           | counts, 0 to [`MAX_COUNT`] |
//! | `number` | `F64`           | finite numbers, e.g. indicator targets in % |
//! | `money`  | `Int`           | euro **cents**, so amounts are exact; 0 to [`MAX_AMOUNT_CENTS`] |
//! | `correctable money` | `Int`| as `money`, and also down to -[`MAX_AMOUNT_CENTS`]: a negative budget line is a correction |
//! | `country`| `Str`           | ISO 3166-1 alpha-2 code, upper case (`EL` and `XK` as the EU uses them) |
//! | `email`  | `Str`           | `local@domain.tld` |
//! | `bool`   | `Boolean`       | |
//!
//! Any scalar may be `null` (unset). Values are checked where they enter (a local edit);
//! a value written by an older node or another implementation that is out of range is shown,
//! marked, by [`check_stored`], and never counted in a total.

mod kinds;
mod templates;
mod values;

use std::{fmt, str::FromStr};

use automerge::ScalarValue;
use serde::{Deserialize, Serialize};

pub use templates::{Start, TEMPLATE_KEYS, template};
use values::eur_plain;
pub use values::{
    check_stored, country_code, country_codes, format_eur, parse_cents, parse_for_type, parse_for_type_in,
    parse_value, parse_value_in, sum_cents, valid_date, valid_email,
};

/// Version of the document schema written into every document's `schema` field.
pub const SCHEMA_VERSION: i64 = 1;

/// Longest value accepted for a scalar string field, in bytes.
pub const MAX_SCALAR_LEN: usize = 1000;

/// Longest accepted text field, in bytes (a long narrative section is ~20 kB).
pub const MAX_TEXT_LEN: usize = 1024 * 1024;

/// Largest amount of one money field: 100,000,000.00 EUR, in cents. A town-twinning budget line
/// is thousands of euros (a CERV grant is at most a few hundred thousand); a hundred million
/// leaves room for any municipal figure while a total of 10^10 such lines still fits an `i128`
/// many times over (totals are summed in `i128`, see [`sum_cents`]).
pub const MAX_AMOUNT_CENTS: i64 = 100_000_000 * 100;

/// Largest whole number (`int`) field: a head-count or a month number. A million people is more
/// than any twinning event; a count is never negative.
pub const MAX_COUNT: i64 = 1_000_000;

/// Longest accepted e-mail address, in bytes (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

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
    /// An amount of euros, stored as cents, from 0 to [`MAX_AMOUNT_CENTS`].
    Money,
    /// An amount of euros that may be negative (down to -[`MAX_AMOUNT_CENTS`]): a negative value
    /// is a correction, e.g. a budget line that reduces the total. Shown marked as such.
    CorrectableMoney,
    /// An ISO 3166-1 alpha-2 country code, stored upper case.
    Country,
    /// An e-mail address.
    Email,
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
            Self::Int => format!("whole number from 0 to {MAX_COUNT}"),
            Self::Number => "number".into(),
            Self::Money => {
                format!(
                    "amount in EUR from 0 to {} (e.g. 2600 or 2600.50)",
                    eur_plain(MAX_AMOUNT_CENTS.unsigned_abs())
                )
            }
            Self::CorrectableMoney => format!(
                "amount in EUR from -{0} to {0}, negative for a correction (e.g. 2600, 2600.50 or -150)",
                eur_plain(MAX_AMOUNT_CENTS.unsigned_abs())
            ),
            Self::Country => "country code (ISO 3166-1 alpha-2, e.g. DE, FR, PL)".into(),
            Self::Email => "e-mail address (name@example.org)".into(),
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
            Self::Str
                | Self::Enum(_)
                | Self::Date
                | Self::Int
                | Self::Number
                | Self::Money
                | Self::CorrectableMoney
                | Self::Country
                | Self::Email
                | Self::Bool
        )
    }

    /// True for the two money types.
    pub fn is_money(&self) -> bool {
        matches!(self, Self::Money | Self::CorrectableMoney)
    }

    /// The range a whole-number or money field accepts (money in cents), if it has one.
    pub fn range(&self) -> Option<(i64, i64)> {
        match self {
            Self::Int => Some((0, MAX_COUNT)),
            Self::Money => Some((0, MAX_AMOUNT_CENTS)),
            Self::CorrectableMoney => Some((-MAX_AMOUNT_CENTS, MAX_AMOUNT_CENTS)),
            _ => None,
        }
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
    /// A number or amount outside the field's range.
    #[error("'{path}' accepts {expected}; {value} is out of range")]
    OutOfRange {
        /// The field's path.
        path: String,
        /// The field's type, with its range.
        expected: String,
        /// The value given.
        value: String,
    },
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
                FieldType::Str
                | FieldType::Enum(_)
                | FieldType::Date
                | FieldType::Country
                | FieldType::Email
                | FieldType::ReadOnly,
                ScalarValue::Str(s),
            ) => Self::Str(s.to_string()),
            (FieldType::Int, ScalarValue::Int(i)) => Self::Int(*i),
            (FieldType::Int, ScalarValue::Uint(u)) => Self::Int(i64::try_from(*u).ok()?),
            (FieldType::Money | FieldType::CorrectableMoney, ScalarValue::Int(i)) => Self::Money(*i),
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
