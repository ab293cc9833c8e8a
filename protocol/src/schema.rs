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
//!
//! One file per part: document kinds in `doc_kind.rs`; field types and fields in `field.rs`; the
//! fields of each kind in `kinds.rs`; paths and their resolution in `path.rs`; typed values in
//! `scalar.rs`; the errors in `error.rs`; reading and checking values in `values.rs`; what a new
//! document starts with in `templates.rs`; the limits here.

mod doc_kind;
mod error;
mod field;
mod kinds;
mod path;
mod scalar;
mod templates;
mod values;

pub use doc_kind::DocKind;
pub use error::SchemaError;
pub use field::{Field, FieldType, ID_FIELD};
pub use path::{Path, Resolved, Seg, record_fields, resolve};
pub use scalar::{Scalar, TypedValue};
pub use templates::{Start, TEMPLATE_KEYS, TemplateValue, empty_record, template};
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

#[cfg(test)]
mod tests;
