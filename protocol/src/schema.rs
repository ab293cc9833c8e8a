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

use std::{fmt, str::FromStr};

use automerge::ScalarValue;
use serde::{Deserialize, Serialize};

use crate::locale::{NumberStyle, ReadError, read_amount, read_date, read_decimal};

pub use kinds::{Start, TEMPLATE_KEYS, template};

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

/// Parses user input for a field, amounts and dates written in English (`2,600.50`,
/// `30/04/2027` or ISO). `null` clears any scalar.
pub fn parse_value(kind: DocKind, path: &Path, input: &str) -> Result<TypedValue, SchemaError> {
    parse_value_in(&NumberStyle::EN_GB, kind, path, input)
}

/// [`parse_value`] with amounts, numbers and dates read as typed in `style`
/// (see [`crate::locale`]).
pub fn parse_value_in(
    style: &NumberStyle,
    kind: DocKind,
    path: &Path,
    input: &str,
) -> Result<TypedValue, SchemaError> {
    let r = resolve(kind, path)?;
    parse_for_type_in(style, &r.ty, &path.to_string(), input)
}

/// Parses user input for a field type in English conventions (`path` is used in error
/// messages only).
pub fn parse_for_type(ty: &FieldType, path: &str, input: &str) -> Result<TypedValue, SchemaError> {
    parse_for_type_in(&NumberStyle::EN_GB, ty, path, input)
}

/// [`parse_for_type`] with amounts, numbers and dates read as typed in `style`.
pub fn parse_for_type_in(
    style: &NumberStyle,
    ty: &FieldType,
    path: &str,
    input: &str,
) -> Result<TypedValue, SchemaError> {
    let wrong =
        || SchemaError::WrongType { path: path.to_string(), expected: ty.name(), value: input.to_string() };
    let out_of_range = || SchemaError::OutOfRange {
        path: path.to_string(),
        expected: ty.name(),
        value: input.trim().to_string(),
    };
    let in_range = |n: i64| match ty.range() {
        Some((lo, hi)) if n < lo || n > hi => Err(out_of_range()),
        _ => Ok(n),
    };
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
        FieldType::Date => Scalar::Str(read_date(t).map_err(|_| wrong())?),
        FieldType::Int => {
            let n: i64 = t.parse().map_err(|_| {
                // A long run of digits is a number, just too large: say so rather than "wrong type".
                let digits = t.strip_prefix('-').unwrap_or(t);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    out_of_range()
                } else {
                    wrong()
                }
            })?;
            Scalar::Int(in_range(n)?)
        }
        FieldType::Number => {
            let n: f64 = match t.parse() {
                Ok(n) => n,
                Err(_) => {
                    read_decimal(style, t).map_err(|_| wrong())?.plain().parse().map_err(|_| wrong())?
                }
            };
            if !n.is_finite() {
                return Err(wrong());
            }
            Scalar::Number(n)
        }
        FieldType::Money | FieldType::CorrectableMoney => {
            let cents = match read_amount(style, t) {
                Ok(c) => c,
                // Well-formed but beyond what cents in an i64 hold: out of range, not malformed.
                Err(ReadError::TooLarge(_)) => return Err(out_of_range()),
                Err(_) => return Err(wrong()),
            };
            Scalar::Money(in_range(cents)?)
        }
        FieldType::Country => Scalar::Str(country_code(t).ok_or_else(wrong)?),
        FieldType::Email => {
            if t.len() > MAX_EMAIL_LEN {
                return Err(SchemaError::TooLong { path: path.into(), max: MAX_EMAIL_LEN });
            }
            if !valid_email(t) {
                return Err(wrong());
            }
            Scalar::Str(t.to_string())
        }
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
/// `None` if malformed or beyond `i64` cents; the range of a field is checked by the caller.
pub fn parse_cents(t: &str) -> Option<i64> {
    let (neg, whole, frac) = split_money(t)?;
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    let cents = whole.checked_mul(100)?.checked_add(frac)?;
    Some(if neg { -cents } else { cents })
}

/// The sign, whole euros and cents digits of a well-formed amount, however large.
fn split_money(t: &str) -> Option<(bool, &str, &str)> {
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
    Some((neg, whole, frac))
}

/// Sums amounts in cents (or counts) without overflow: `i128` holds the sum of 2^64 `i64`s.
pub fn sum_cents(values: impl IntoIterator<Item = i64>) -> i128 {
    values.into_iter().map(i128::from).sum()
}

/// Why a stored value does not fit its field, or `None` if it does. Edits are checked as they
/// are made; this catches values written by older nodes or other implementations, so that a
/// view can show them marked and totals can leave them out.
pub fn check_stored(ty: &FieldType, value: &Scalar) -> Option<String> {
    match (ty, value) {
        (
            FieldType::Int | FieldType::Money | FieldType::CorrectableMoney,
            Scalar::Int(n) | Scalar::Money(n),
        ) => {
            let (lo, hi) = ty.range()?;
            (*n < lo || *n > hi).then(|| format!("out of range: this field accepts {}", ty.name()))
        }
        (FieldType::Country, Scalar::Str(s)) => {
            (country_code(s).as_deref() != Some(s.as_str())).then(|| format!("not a {}", ty.name()))
        }
        (FieldType::Email, Scalar::Str(s)) => (!valid_email(s)).then(|| format!("not an {}", ty.name())),
        (FieldType::Date, Scalar::Str(s)) => (!valid_date(s)).then(|| format!("not a {}", ty.name())),
        (FieldType::Enum(codes), Scalar::Str(s)) => {
            (!codes.contains(&s.as_str())).then(|| format!("not one of: {}", codes.join(", ")))
        }
        _ => None,
    }
}

/// Formats euro cents as `2,600.00 EUR`. Takes `i128` as well, for totals.
pub fn format_eur(cents: impl Into<i128>) -> String {
    let cents: i128 = cents.into();
    format!("{}{} EUR", if cents < 0 { "-" } else { "" }, eur_plain(cents.unsigned_abs()))
}

/// `260000` cents as `2,600.00`: no sign, no currency.
fn eur_plain(cents: impl Into<u128>) -> String {
    let abs: u128 = cents.into();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{grouped}.{:02}", abs % 100)
}

/// Assigned ISO 3166-1 alpha-2 codes, plus `EL` (Greece) and `XK` (Kosovo) as EU forms use them.
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES \
ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ \
IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM \
MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW \
PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO \
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

/// Every country code a `Country` field takes, in alphabetical order (the web UI offers them
/// by name).
pub fn country_codes() -> impl Iterator<Item = &'static str> {
    COUNTRY_CODES.split_ascii_whitespace()
}

/// The upper-case country code for `input` (any case, surrounding spaces ignored), if it is an
/// assigned ISO 3166-1 alpha-2 code (or `EL`/`XK`).
pub fn country_code(input: &str) -> Option<String> {
    let c = input.trim().to_ascii_uppercase();
    (c.len() == 2 && country_codes().any(|k| k == c)).then_some(c)
}

/// A plain check of `local@domain.tld`: one `@`, no spaces or control characters, a dot inside
/// the domain, no empty labels. Deliverability is not something a schema can know.
pub fn valid_email(t: &str) -> bool {
    let Some((local, domain)) = t.split_once('@') else { return false };
    let plain =
        |s: &str| !s.is_empty() && s.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '@');
    t.len() <= MAX_EMAIL_LEN
        && plain(local)
        && plain(domain)
        && domain.contains('.')
        && domain.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && !domain.contains(['(', ')', '<', '>', ',', ';', ':', '[', ']', '"', '\\'])
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
