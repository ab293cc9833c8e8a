//! What a running node tells live front ends: [`NodeEvent`]s on a broadcast channel. The
//! network task sends the remote ones, [`crate::handle::NodeHandle`] the local ones, and the
//! HTTP API streams them (`GET /api/v1/events`).

use twinmesh_protocol::ids::{DocId, SpaceId};

use crate::engine::progress::{Step, Work};

/// Where a document change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Made through this node's API.
    Local,
    /// Received from a partner.
    Remote,
}

/// What a running node tells live front ends (the web UI, through the HTTP API's
/// server-sent events). Events are hints to re-read: they carry ids, not content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeEvent {
    /// A document's content changed.
    Doc {
        /// The document.
        doc: DocId,
        /// Who changed it.
        origin: Origin,
    },
    /// Spaces, members or the document list changed (created, imported, joined, removed).
    Spaces,
    /// A partner connected or disconnected, or a sync round with it ended.
    Peers,
    /// Partner towns opened or closed a document (presence).
    Presence {
        /// The document.
        doc: DocId,
    },
    /// Progress of a long operation: an attachment being fetched from partners (`file` is
    /// its SHA-256, hex), sent at most once per whole percent.
    Transfer {
        /// The document that carries it.
        doc: DocId,
        /// The file's SHA-256, hex.
        file: String,
        /// Bytes done.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// Progress of a long export or import on this node (a bundle, a document file), sent at
    /// most once per whole percent; `done` and `total` count bytes for bundles and changes for
    /// documents (see `engine/progress.rs`).
    Progress {
        /// `bundle_export`, `bundle_import`, `doc_export` or `doc_import`.
        work: Work,
        /// The space, where known when the work starts (a bundle export, an import into a
        /// named space).
        space: Option<SpaceId>,
        /// The document, where known when the work starts (a document export).
        doc: Option<DocId>,
        /// Units done.
        done: u64,
        /// Units in all.
        total: u64,
    },
}

impl From<&Step> for NodeEvent {
    fn from(s: &Step) -> Self {
        Self::Progress { work: s.work, space: s.space, doc: s.doc, done: s.done, total: s.total }
    }
}
