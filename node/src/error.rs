//! Errors of the node.

use std::path::{Path, PathBuf};

use twinmesh_protocol::{
    export::ExportError, ids::IdParseError, schema::SchemaError, signed::ChangeRejection, space::SpaceError,
};

use crate::store::StoreError;

/// What went wrong in a node operation. Each variant's message is one line meant for a user.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// No identity in the data dir.
    #[error("no Twinmesh node in {0}: run `twin init --name NAME --country CC` first")]
    NotInitialized(PathBuf),
    /// `init` on a data dir that has a key.
    #[error(
        "{0} already holds a node identity; refusing to replace it (use --force to replace it; the old key is kept as a backup)"
    )]
    AlreadyInitialized(PathBuf),
    /// A user-supplied value is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// Malformed id.
    #[error(transparent)]
    BadId(#[from] IdParseError),
    /// Unknown space.
    #[error("unknown space {0} (see `twin space list`)")]
    UnknownSpace(String),
    /// Unknown document.
    #[error("unknown document {0} (see `twin doc list`)")]
    UnknownDoc(String),
    /// Only members may do this.
    #[error("{0}")]
    NotAllowed(String),
    /// Path or value does not fit the schema.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A list index beyond the end of the list.
    #[error("'{path}' has {len} items; there is no item {index} (add one with `twin doc add DOC {path}`)")]
    NoSuchItem {
        /// The list path.
        path: String,
        /// Its length.
        len: usize,
        /// The index asked for.
        index: usize,
    },
    /// An export file could not be read.
    #[error("cannot import: {0}")]
    Export(#[from] ExportError),
    /// An import carried bad changes; nothing was imported.
    #[error("cannot import: {count} change(s) failed verification, nothing was imported; first: {first}")]
    Rejected {
        /// How many changes failed.
        count: usize,
        /// The first rejection.
        first: ChangeRejection,
    },
    /// A space record is invalid.
    #[error("invalid space record: {0}")]
    Space(#[from] SpaceError),
    /// Stored or received data is not what it should be.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The storage layer failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The request needs a running node.
    #[error("no node is running on this data dir: start it with `twin start`")]
    NotRunning,
    /// A network operation failed.
    #[error("{0}")]
    Network(String),
    /// The node's engine thread has stopped.
    #[error("the node has shut down")]
    Shutdown,

    /// A request failed inside the node (a bug); the node carries on.
    #[error("internal error: {0}")]
    Internal(String),
}

impl NodeError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.to_path_buf(), source }
    }
}
