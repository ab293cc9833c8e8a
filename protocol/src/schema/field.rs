//! The type of a field ([`FieldType`]), with its name and range, and a named field ([`Field`]).

use super::{MAX_AMOUNT_CENTS, MAX_COUNT, values::eur_plain};

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
