//! The request/response API every front end uses: the CLI (directly on the store, or over HTTP
//! to a running node) and the local HTTP API. One enum of requests ([`Request`]), one handler
//! ([`handle`]) and one enum of typed answers ([`Response`]), so the two paths cannot drift
//! apart; answers become JSON only at the edges (the HTTP API, the CLI's client and `--json`).
//!
//! | file | holds |
//! |------|-------|
//! | `request.rs` | [`Request`]: every operation, with what each needs (network, read queue) |
//! | `edit.rs` | the edit forms sent over the API ([`EditSpec`], [`SpliceSpec`]), [`ExportFormat`], list item ids resolved to indices |
//! | `answer.rs` | [`handle`]: a request answered with the engine alone |
//! | `response.rs` | [`Response`] and the answers that are not engine types |
//! | `attach.rs` | the attachment requests |
//! | `members.rs` | the members of a space and its log, as listed |
//! | `schema.rs` | the document kinds with their fields, for schema-driven editors |

mod answer;
mod attach;
mod edit;
mod members;
mod request;
mod response;
mod schema;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use answer::handle;
pub(crate) use answer::to_json;
pub use edit::{EditSpec, ExportFormat, SpliceSpec};
pub use request::Request;
pub use response::*;
pub use schema::{Bound, FieldSchema, KindSchema, Schema, schema};

use crate::error::NodeError;

/// An editor tab that has a document open (see [`Request::DocPresence`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceViewer {
    /// A random id the tab picks, so two tabs count apart.
    pub tab: String,
    /// The officer signed in in that tab.
    pub officer: String,
    /// True while it has the document open (repeated every 10 s); false when it closes it.
    pub open: bool,
}

/// Longest tab id kept.
const MAX_TAB_ID_CHARS: usize = 64;

impl PresenceViewer {
    /// The network's form: the officer's name cleaned as a presence message carries it;
    /// `None` if the officer or the tab id is blank or the tab id too long.
    pub fn checked(&self) -> Option<crate::net::Viewer> {
        let tab = self.tab.trim();
        if tab.is_empty() || tab.chars().count() > MAX_TAB_ID_CHARS {
            return None;
        }
        Some(crate::net::Viewer {
            tab: tab.to_string(),
            officer: twinmesh_protocol::presence::Presence::officer_name(&self.officer)?,
            open: self.open,
        })
    }
}

/// A request with the officer who makes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// The officer, recorded in the history of changes this request makes.
    #[serde(default)]
    pub officer: Option<String>,
    /// The request.
    #[serde(flatten)]
    pub request: Request,
}

impl Envelope {
    /// Refuses a field that neither the envelope nor a fieldless request has, given the
    /// object the envelope was read from (requests with fields refuse unknown ones while they
    /// are read).
    ///
    /// # Errors
    /// [`NodeError::InvalidInput`] naming the first unknown field.
    pub fn check_fields(&self, raw: &serde_json::Map<String, Value>) -> Result<(), NodeError> {
        let Some(name) = self.request.fieldless_name() else { return Ok(()) };
        match raw.keys().find(|k| !matches!(k.as_str(), "request" | "officer")) {
            Some(k) => Err(NodeError::InvalidInput(format!(
                "unknown field `{k}`: the request '{name}' takes no fields"
            ))),
            None => Ok(()),
        }
    }
}
