//! Errors of the node.
//!
//! Every error has a stable [`code`](NodeError::code) (kebab-case, e.g. `unknown-document`,
//! `value-not-an-amount`) and a [`message`](NodeError::message) in each language, from
//! `node/i18n/<lang>/messages.ftl`; `Display` is the English message. An error about a field
//! also names the [`field`](NodeError::field) as a person sees it.

use std::path::{Path, PathBuf};

use serde::Serialize;
use twinmesh_protocol::{
    export::ExportError,
    ids::IdParseError,
    schema::{DocKind, SchemaError},
    signed::ChangeRejection,
    space::SpaceError,
};

use crate::{i18n::Lang, locale, store::StoreError, t};

/// What went wrong in a node operation. Each variant's message is one line meant for a user.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
#[non_exhaustive]
pub enum NodeError {
    /// No identity in the data dir.
    NotInitialized(PathBuf),
    /// `init` on a data dir that has a key.
    AlreadyInitialized(PathBuf),
    /// A user-supplied value is malformed.
    InvalidInput(String),
    /// Malformed id.
    BadId(#[from] IdParseError),
    /// Unknown space.
    UnknownSpace(String),
    /// Unknown document.
    UnknownDoc(String),
    /// Only members may do this.
    NotAllowed(String),
    /// Path or value does not fit the schema.
    Schema(#[from] SchemaError),
    /// Path or value does not fit the schema of a document of this kind: the message names the
    /// field by its label.
    Field {
        /// The document's kind.
        kind: DocKind,
        /// What is wrong.
        #[source]
        error: SchemaError,
    },
    /// A list index beyond the end of the list.
    NoSuchItem {
        /// The list path.
        path: String,
        /// Its length.
        len: usize,
        /// The index asked for.
        index: usize,
    },
    /// An export file could not be read.
    Export(#[from] ExportError),
    /// An import carried bad changes; nothing was imported.
    Rejected {
        /// How many changes failed.
        count: usize,
        /// The first rejection.
        first: ChangeRejection,
    },
    /// A space record is invalid.
    Space(#[from] SpaceError),
    /// Stored or received data is not what it should be.
    Corrupt(String),
    /// The storage layer failed.
    Store(#[from] StoreError),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The request needs a running node.
    NotRunning,
    /// A network operation failed.
    Network(String),
    /// The node's engine thread has stopped.
    Shutdown,
    /// An attachment's bytes (or its chunk list) do not match the hash its record names.
    BadBlob(String),
    /// The document has no such attachment, or its bytes are not on this node.
    UnknownAttachment(String),
    /// An attachment would take a space over its disk cap.
    OverCap {
        /// Bytes the space's attachments use on this node.
        used: u64,
        /// The attachment's size.
        size: u64,
        /// The space's cap.
        cap: u64,
    },

    /// A request failed inside the node (a bug); the node carries on.
    Internal(String),
}

/// The field an error is about, for the UI: its path and its label in the caller's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRef {
    /// The path, e.g. `work_packages/2/lump_sum`.
    pub path: String,
    /// The label, e.g. `Work package 3 · Lump-sum share`.
    pub label: String,
}

impl NodeError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.to_path_buf(), source }
    }

    /// A schema error about a field of a document of `kind` (other errors pass unchanged), so
    /// that its message names the field by its label.
    pub fn in_doc(self, kind: DocKind) -> Self {
        match self {
            Self::Schema(error) => Self::Field { kind, error },
            other => other,
        }
    }

    /// A stable, kebab-case code for programs (the UI, scripts): it never changes with the
    /// wording or the language of the message.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotInitialized(_) => "not-initialized",
            Self::AlreadyInitialized(_) => "already-initialized",
            Self::InvalidInput(_) => "invalid-input",
            Self::BadId(_) => "bad-id",
            Self::UnknownSpace(_) => "unknown-space",
            Self::UnknownDoc(_) => "unknown-document",
            Self::NotAllowed(_) => "not-allowed",
            Self::Schema(e) | Self::Field { error: e, .. } => schema_code(e),
            Self::NoSuchItem { .. } => "no-such-item",
            Self::Export(e) => match e {
                ExportError::PlainAutomerge => "export-plain-automerge",
                ExportError::NotAnExport => "not-an-export",
                ExportError::NotABundle => "not-a-bundle",
                ExportError::UnsupportedVersion(_) => "export-version-unsupported",
                ExportError::TooLarge(_) => "export-too-large",
                _ => "export-corrupt",
            },
            Self::Rejected { first, .. } => match first {
                ChangeRejection::Unsigned { .. } => "change-unsigned",
                ChangeRejection::NoAuthor { .. } => "change-no-author",
                ChangeRejection::BadSignature { .. } => "change-bad-signature",
                ChangeRejection::Unauthorized { .. } => "change-unauthorized",
                _ => "change-malformed",
            },
            Self::Space(e) => match e {
                SpaceError::BadSignature => "space-bad-signature",
                SpaceError::BadName => "space-bad-name",
                _ => "space-malformed",
            },
            Self::Corrupt(_) => "corrupt-data",
            Self::Store(StoreError::Locked(_)) => "store-locked",
            Self::Store(_) => "store-failed",
            Self::Io { .. } => "io-failed",
            Self::NotRunning => "not-running",
            Self::Network(_) => "network-failed",
            Self::Shutdown => "shut-down",
            Self::BadBlob(_) => "attachment-corrupt",
            Self::UnknownAttachment(_) => "unknown-attachment",
            Self::OverCap { .. } => "attachment-over-cap",
            Self::Internal(_) => "internal",
        }
    }

    /// The field this error is about, with its label in `lang`; `None` for other errors.
    pub fn field(&self, lang: Lang) -> Option<FieldRef> {
        let (kind, path) = match self {
            Self::Field { kind, error } => (Some(*kind), schema_path(error)?),
            Self::Schema(e) => (None, schema_path(e)?),
            Self::NoSuchItem { path, .. } => (None, path.as_str()),
            _ => return None,
        };
        let label = kind.and_then(|k| locale::field_label(lang, k, path)).unwrap_or_else(|| path.to_string());
        Some(FieldRef { path: path.to_string(), label })
    }

    /// The message in `lang`: one line for the person who caused it.
    pub fn message(&self, lang: Lang) -> String {
        let s = |v: &dyn std::fmt::Display| v.to_string();
        match self {
            Self::NotInitialized(dir) => t!(lang, "error-not-initialized", dir = s(&dir.display())),
            Self::AlreadyInitialized(dir) => t!(lang, "error-already-initialized", dir = s(&dir.display())),
            Self::InvalidInput(d) => t!(lang, "error-invalid-input", detail = d.as_str()),
            Self::BadId(IdParseError::Encoding { text, what }) => {
                t!(lang, "error-bad-id-encoding", text = text.as_str(), what = s(what))
            }
            Self::BadId(IdParseError::Length { text, what, expected }) => {
                t!(lang, "error-bad-id-length", text = text.as_str(), what = s(what), expected = s(expected))
            }
            Self::BadId(e) => s(e),
            Self::UnknownSpace(id) => t!(lang, "error-unknown-space", id = id.as_str()),
            Self::UnknownDoc(id) => t!(lang, "error-unknown-document", id = id.as_str()),
            Self::NotAllowed(d) => t!(lang, "error-not-allowed", detail = d.as_str()),
            Self::Schema(e) => schema_message(lang, None, e),
            Self::Field { kind, error } => schema_message(lang, Some(*kind), error),
            Self::NoSuchItem { path, len, index } => {
                t!(lang, "error-no-such-item", path = path.as_str(), len = s(len), index = s(index))
            }
            Self::Export(e) => t!(lang, "error-export", detail = s(e)),
            Self::Rejected { count, first } => t!(lang, "error-rejected", count = *count, first = s(first)),
            Self::Space(e) => t!(lang, "error-space", detail = s(e)),
            Self::Corrupt(d) => t!(lang, "error-corrupt", detail = d.as_str()),
            Self::Store(StoreError::Locked(path)) => {
                t!(lang, "error-store-locked", path = s(&path.display()))
            }
            Self::Store(e) => s(e),
            Self::Io { path, source } => t!(lang, "error-io", path = s(&path.display()), detail = s(source)),
            Self::NotRunning => t!(lang, "error-not-running"),
            Self::Network(d) => t!(lang, "error-network", detail = d.as_str()),
            Self::Shutdown => t!(lang, "error-shut-down"),
            Self::BadBlob(d) => t!(lang, "error-attachment-corrupt", detail = d.as_str()),
            Self::UnknownAttachment(id) => t!(lang, "error-unknown-attachment", id = id.as_str()),
            Self::OverCap { used, size, cap } => t!(
                lang,
                "error-attachment-over-cap",
                used = crate::locale::bytes(lang, *used),
                size = crate::locale::bytes(lang, *size),
                cap = crate::locale::bytes(lang, *cap)
            ),
            Self::Internal(d) => t!(lang, "error-internal", detail = d.as_str()),
        }
    }
}

/// The code of a schema error; a value of the wrong type says which type it should have been.
fn schema_code(e: &SchemaError) -> &'static str {
    match e {
        SchemaError::UnknownKind(_) => "unknown-kind",
        SchemaError::BadPath(_) => "bad-path",
        SchemaError::UnknownField { .. } => "unknown-field",
        SchemaError::WrongShape { .. } => "wrong-shape",
        SchemaError::WrongType { expected, .. } if expected.starts_with("amount in EUR") => {
            "value-not-an-amount"
        }
        SchemaError::WrongType { expected, .. } if expected.starts_with("date") => "value-not-a-date",
        SchemaError::WrongType { expected, .. }
            if expected == "number" || expected.starts_with("whole number") =>
        {
            "value-not-a-number"
        }
        SchemaError::WrongType { .. } => "value-wrong-type",
        SchemaError::ReadOnly(_) => "read-only",
        SchemaError::OutOfRange { .. } => "value-out-of-range",
        SchemaError::TooLong { .. } => "value-too-long",
        _ => "schema",
    }
}

/// The field path a schema error is about.
fn schema_path(e: &SchemaError) -> Option<&str> {
    match e {
        SchemaError::WrongType { path, .. }
        | SchemaError::OutOfRange { path, .. }
        | SchemaError::TooLong { path, .. }
        | SchemaError::ReadOnly(path) => Some(path),
        _ => None,
    }
}

/// A schema error in `lang`. With the document's kind, the field is named by its label (and
/// its path, which is what `twin doc set` takes) and the expected type is translated.
fn schema_message(lang: Lang, kind: Option<DocKind>, e: &SchemaError) -> String {
    let field = |path: &str| match kind.and_then(|k| locale::field_label(lang, k, path)) {
        Some(label) => t!(lang, "field-named", label = label, path = path),
        None => format!("'{path}'"),
    };
    // The expected type, translated when the field's type is known.
    let expected = |path: &str, english: &str| {
        kind.and_then(|k| path.parse().ok().and_then(|p| twinmesh_protocol::schema::resolve(k, &p).ok()))
            .map_or_else(|| english.to_string(), |r| locale::type_name(lang, &r.ty))
    };
    match e {
        SchemaError::UnknownKind(k) => t!(lang, "error-unknown-kind", kind = k.as_str()),
        SchemaError::BadPath(p) => t!(lang, "error-bad-path", path = p.as_str()),
        SchemaError::UnknownField { kind, path, hint } => {
            t!(
                lang,
                "error-unknown-field",
                kind = kind.to_string(),
                path = path.as_str(),
                hint = hint.as_str()
            )
        }
        SchemaError::WrongType { path, expected: english, value } => {
            let (field, expected) = (field(path), expected(path, english));
            match schema_code(e) {
                "value-not-an-amount" => {
                    t!(
                        lang,
                        "error-value-not-an-amount",
                        field = field,
                        expected = expected,
                        value = value.as_str()
                    )
                }
                "value-not-a-date" => {
                    t!(
                        lang,
                        "error-value-not-a-date",
                        field = field,
                        expected = expected,
                        value = value.as_str()
                    )
                }
                _ => t!(
                    lang,
                    "error-value-wrong-type",
                    field = field,
                    expected = expected,
                    value = value.as_str()
                ),
            }
        }
        SchemaError::ReadOnly(path) => t!(lang, "error-read-only", field = field(path)),
        SchemaError::OutOfRange { path, expected: english, value } => t!(
            lang,
            "error-value-out-of-range",
            field = field(path),
            expected = expected(path, english),
            value = value.as_str()
        ),
        SchemaError::TooLong { path, max } => {
            t!(lang, "error-value-too-long", field = field(path), max = max.to_string())
        }
        // The shape of a path is a programmer's matter: English, as the schema says it.
        other => other.to_string(),
    }
}
