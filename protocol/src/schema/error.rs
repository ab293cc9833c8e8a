//! Why a path or value does not fit the schema ([`SchemaError`]).

use super::DocKind;

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
