//! [`Request`]: every operation a front end can ask of a node.

use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    membership::Role,
    schema::DocKind,
};

use super::{EditSpec, ExportFormat, PresenceViewer, SpliceSpec};
use crate::i18n::Lang;

/// A request to a node. Unknown fields are refused; in an [`Envelope`](super::Envelope), `officer` is the only
/// field besides the request's own.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// This node's identity.
    Id,
    /// Found a space.
    SpaceCreate {
        /// Its name.
        name: String,
    },
    /// List spaces.
    SpaceList,
    /// An admin adds a partner municipality (by PeerId) to a space.
    SpaceAdd {
        /// The space.
        space: SpaceId,
        /// The partner's PeerId.
        member: String,
        /// The partner's name, for display until its node introduces itself.
        #[serde(default)]
        name: Option<String>,
        /// Its role (default editor).
        #[serde(default)]
        role: Option<Role>,
    },
    /// Members of a space with their roles, and the membership log.
    SpaceMembers {
        /// The space.
        space: SpaceId,
    },
    /// An admin changes a member's role.
    SpaceRole {
        /// The space.
        space: SpaceId,
        /// The member (PeerId or name).
        member: String,
        /// The new role.
        role: Role,
    },
    /// An admin removes a member.
    SpaceRemove {
        /// The space.
        space: SpaceId,
        /// The member (PeerId or name).
        member: String,
    },
    /// This town leaves a space.
    SpaceLeave {
        /// The space.
        space: SpaceId,
    },
    /// The open invitations this node issued for a space.
    SpaceInvitations {
        /// The space.
        space: SpaceId,
    },
    /// An admin revokes an open invitation.
    SpaceRevokeInvitation {
        /// The space.
        space: SpaceId,
        /// The invitation's id (from the list).
        invitation: String,
    },
    /// An admin issues a one-time invitation ticket.
    SpaceInvite {
        /// The space.
        space: SpaceId,
        /// The role the invited town gets.
        role: Role,
        /// Validity in seconds (default 7 days).
        #[serde(default)]
        valid_secs: Option<u64>,
    },
    /// Join a space with a ticket (running node only: it dials the inviter).
    SpaceJoin {
        /// The ticket text.
        ticket: String,
    },
    /// Create a document.
    DocNew {
        /// Its space.
        space: SpaceId,
        /// Its kind.
        kind: DocKind,
        /// Its title.
        title: String,
        /// Its language (ISO 639-1: `en`, `fr`, `de`, `ro`, `it`): the language of its template
        /// and of its printed form, recorded in the document. English if not given.
        #[serde(default)]
        lang: Option<String>,
    },
    /// List documents.
    DocList {
        /// Only this space.
        #[serde(default)]
        space: Option<SpaceId>,
    },
    /// Apply edits as one signed change.
    DocEdit {
        /// The document.
        doc: DocId,
        /// The edits, applied all or nothing.
        edits: Vec<EditSpec>,
        /// A message for the history instead of the generated summary.
        #[serde(default)]
        message: Option<String>,
        /// The language the values are typed in (`de`: `2.600,50`, `30.04.2027`); English
        /// when absent. The REST API takes it from `Accept-Language`.
        #[serde(default)]
        lang: Option<Lang>,
    },
    /// Splice a text field (positions in Unicode code points), as one signed change: what a
    /// live editor sends, so concurrent edits elsewhere in the same text merge.
    DocSplice {
        /// The document.
        doc: DocId,
        /// The text field's path.
        path: String,
        /// The splices, applied in order.
        splices: Vec<SpliceSpec>,
        /// A message for the history instead of the generated summary.
        #[serde(default)]
        message: Option<String>,
    },
    /// A document's content, conflicts and Markdown rendering.
    DocShow {
        /// The document.
        doc: DocId,
        /// Show it as it was at this change.
        #[serde(default)]
        at: Option<String>,
    },
    /// A page of a document's history (see [`crate::engine::HistoryPage`]).
    DocHistory {
        /// The document.
        doc: DocId,
        /// Changes per page: default [`crate::engine::HISTORY_PAGE_DEFAULT`], at most
        /// [`crate::engine::HISTORY_PAGE_MAX`].
        #[serde(default)]
        limit: Option<usize>,
        /// Only changes before this one (a hash or a unique prefix): the `older` cursor of the
        /// previous page.
        #[serde(default)]
        before: Option<String>,
    },
    /// A page of a document's history as people read it: [`Request::DocHistory`]'s page, each
    /// change described field by field in `lang`, the page grouped into `sittings`, and only
    /// the changes that pass the filters counted in the page.
    DocSittings {
        /// The document.
        doc: DocId,
        /// Changes per page, as for [`Request::DocHistory`].
        #[serde(default)]
        limit: Option<usize>,
        /// Only changes before this one (a hash or a unique prefix).
        #[serde(default)]
        before: Option<String>,
        /// Only changes by this town: its name, PeerId or key.
        #[serde(default)]
        town: Option<String>,
        /// Only changes by this officer (any case; part of the name is enough). Not `officer`,
        /// which names the officer making a request.
        #[serde(default)]
        by_officer: Option<String>,
        /// Only changes touching this field or anything under it (a path prefix).
        #[serde(default)]
        field: Option<String>,
        /// Only changes on or after this day (`2027-04-30`, `30.04.2027`).
        #[serde(default)]
        since: Option<String>,
        /// Only changes on or before this day.
        #[serde(default)]
        until: Option<String>,
        /// The language of field names and values in the description; English when absent.
        /// The REST API takes it from `Accept-Language`.
        #[serde(default)]
        lang: Option<Lang>,
    },
    /// Name the document's current state as a version (see `docs/protocol.md`, "Versions and
    /// approvals"). Any member with write rights.
    DocVersionName {
        /// The document.
        doc: DocId,
        /// The version's name ("submitted to EACEA 2027-02-12").
        name: String,
    },
    /// Every named version of a document, with its approvals and what changed since it.
    DocVersions {
        /// The document.
        doc: DocId,
        /// The language of field names and values in `changes_since`; English when absent.
        #[serde(default)]
        lang: Option<Lang>,
    },
    /// One version (by id or name): its record, approvals, and the document's content at it.
    DocVersion {
        /// The document.
        doc: DocId,
        /// The version's id or name.
        version: String,
        /// The language of field names and values.
        #[serde(default)]
        lang: Option<Lang>,
    },
    /// What differs between two versions, field by field.
    DocCompare {
        /// The document.
        doc: DocId,
        /// A version's id or name.
        from: String,
        /// A version's id or name, or `current` (the default).
        #[serde(default)]
        to: Option<String>,
        /// The language of field names and values.
        #[serde(default)]
        lang: Option<Lang>,
    },
    /// Bring the document's content back to a version's, as one new signed change.
    DocRestore {
        /// The document.
        doc: DocId,
        /// The version's id or name.
        version: String,
    },
    /// An admin asks every partner town to decide on a version.
    DocRequestApproval {
        /// The document.
        doc: DocId,
        /// The version's id or name.
        version: String,
    },
    /// Record this town's council decision on a version, signed by this town.
    DocApprove {
        /// The document.
        doc: DocId,
        /// The version's id or name.
        version: String,
        /// `approved` or `rejected`.
        decision: crate::engine::Decision,
        /// The council decision's reference.
        reference: String,
        /// The council decision's date (`2027-02-10`).
        date: String,
    },
    /// An export file (base64 in `data`).
    DocExport {
        /// The document.
        doc: DocId,
        /// `signed` (the default): a file for `twin doc import`, with every signature;
        /// `automerge`: the plain saved Automerge document, for any Automerge library; `ics`,
        /// `csv`, `xlsx`, `docx`, `odt`, `pdf`: see [`ExportFormat`].
        #[serde(default)]
        format: ExportFormat,
    },
    /// Bring a plain Automerge document (base64) in as a new document signed by this town.
    DocImportPlain {
        /// The saved Automerge document, base64.
        data: String,
        /// The space of the new document.
        space: SpaceId,
        /// Its kind; by default the file's own `kind` field.
        #[serde(default)]
        kind: Option<DocKind>,
        /// Its title; by default the file's own `title`.
        #[serde(default)]
        title: Option<String>,
        /// Where the file came from (e.g. its name), recorded in the history.
        #[serde(default)]
        origin: Option<String>,
    },
    /// Import an export file (base64).
    DocImport {
        /// The file content, base64.
        data: String,
        /// Expected space.
        #[serde(default)]
        space: Option<SpaceId>,
    },
    /// A bundle of a space's signed changes (base64 in `data`).
    BundleExport {
        /// The space.
        space: SpaceId,
        /// Only what this partner (PeerId or member name) lacks, as of the last sync with it.
        #[serde(default)]
        partner: Option<String>,
    },
    /// Attach a file on this machine to a document (its bytes are copied into the node's blob
    /// directory; the record is a signed change).
    DocAttach {
        /// The document.
        doc: DocId,
        /// The file's path, readable by the node.
        path: String,
        /// The name to record (default: the file's name).
        #[serde(default)]
        name: Option<String>,
        /// The media type (default: from the name's extension).
        #[serde(default)]
        media_type: Option<String>,
        /// A caption.
        #[serde(default)]
        caption: Option<String>,
    },
    /// A document's attachments, with their state on this node.
    DocAttachments {
        /// The document.
        doc: DocId,
    },
    /// One attachment, and the path of its file on this node if it is here.
    DocAttachmentGet {
        /// The document.
        doc: DocId,
        /// The attachment's id.
        id: String,
    },
    /// Fetch an attachment from partners (what an on-demand node fetches).
    DocAttachmentFetch {
        /// The document.
        doc: DocId,
        /// The attachment's id.
        id: String,
    },
    /// Remove an attachment: a signed record of the removal; its bytes are deleted here and
    /// on every partner that syncs.
    DocAttachmentRemove {
        /// The document.
        doc: DocId,
        /// The attachment's id.
        id: String,
        /// Why (e.g. "personal data, GDPR art. 17 request").
        reason: String,
    },
    /// What a space's attachments take on this node, and set or lift its cap.
    SpaceStorage {
        /// The space.
        space: SpaceId,
        /// A new cap in bytes (`0` lifts it); unchanged if absent.
        #[serde(default)]
        cap: Option<u64>,
    },
    /// Import a bundle (base64).
    BundleImport {
        /// The file content, base64.
        data: String,
    },
    /// The document kinds and their fields (what a schema-driven editor needs).
    Schema,
    /// Network status: addresses, reachability, relay reservations (running node only).
    Status,
    /// Connected and known partners (running node only).
    Peers,
    /// Connect to a partner's node (running node only).
    Dial {
        /// Its multiaddr.
        addr: String,
    },
    /// Sync now with connected partners (running node only).
    Sync {
        /// Only this document.
        #[serde(default)]
        doc: Option<DocId>,
    },
    /// The sync panel: per partner town online or not, last synced, changes received and
    /// waiting to go out; per document the partners not reached yet, conflicts and presence
    /// (running node only).
    SyncStatus,
    /// Who of the partner towns has a document open now; with `viewer`, an editor tab of
    /// this node first says it opened, still has, or closed it (running node only).
    DocPresence {
        /// The document.
        doc: DocId,
        /// The editor tab telling its presence, if any.
        #[serde(default)]
        viewer: Option<PresenceViewer>,
    },
}

impl Request {
    /// True for requests only a running node can answer.
    pub fn needs_network(&self) -> bool {
        matches!(
            self,
            Self::Peers
                | Self::Status
                | Self::Dial { .. }
                | Self::Sync { .. }
                | Self::SyncStatus
                | Self::DocPresence { .. }
                | Self::SpaceJoin { .. }
                | Self::SpaceInvite { .. }
        )
    }

    /// The network task's form of a request only a running node's network can answer (the
    /// network status excepted: the node answers it from what the network task publishes).
    pub(crate) fn net_request(&self) -> Option<crate::net::NetRequest> {
        use crate::net::NetRequest as Net;
        Some(match self {
            Self::Peers => Net::Peers,
            Self::Dial { addr } => Net::Dial { addr: addr.clone() },
            Self::Sync { doc } => Net::Sync { doc: *doc },
            Self::SyncStatus => Net::SyncStatus,
            Self::DocPresence { doc, viewer } => {
                Net::Presence { doc: *doc, viewer: viewer.as_ref().and_then(PresenceViewer::checked) }
            }
            Self::SpaceJoin { ticket } => Net::SpaceJoin { ticket: ticket.clone() },
            Self::SpaceInvite { space, role, valid_secs } => {
                Net::SpaceInvite { space: *space, role: *role, valid_secs: *valid_secs }
            }
            _ => return None,
        })
    }

    /// True for requests that only read the engine (documents, lists, history, exports): they
    /// go through the engine's read queue.
    pub fn is_read(&self) -> bool {
        matches!(
            self,
            Self::Id
                | Self::SpaceList
                | Self::SpaceMembers { .. }
                | Self::SpaceInvitations { .. }
                | Self::DocList { .. }
                | Self::DocShow { .. }
                | Self::DocHistory { .. }
                | Self::DocSittings { .. }
                | Self::DocVersions { .. }
                | Self::DocVersion { .. }
                | Self::DocCompare { .. }
                | Self::DocExport { .. }
                | Self::DocAttachments { .. }
                | Self::DocAttachmentGet { .. }
                | Self::BundleExport { .. }
                | Self::Schema
        )
    }

    /// The name of a request that has no fields of its own (`space_list`, `status`, ...).
    /// serde ignores extra fields next to such a request's tag (a unit variant of an
    /// internally tagged enum), so [`Envelope::check_fields`](super::Envelope::check_fields) refuses them instead.
    pub(super) fn fieldless_name(&self) -> Option<&'static str> {
        Some(match self {
            Self::Id => "id",
            Self::SpaceList => "space_list",
            Self::Schema => "schema",
            Self::Status => "status",
            Self::Peers => "peers",
            Self::SyncStatus => "sync_status",
            _ => return None,
        })
    }

    /// The document or space a successful request changed, for announcing to partners.
    pub fn changes_doc(&self) -> Option<DocId> {
        match self {
            Self::DocEdit { doc, .. }
            | Self::DocSplice { doc, .. }
            | Self::DocVersionName { doc, .. }
            | Self::DocRestore { doc, .. }
            | Self::DocRequestApproval { doc, .. }
            | Self::DocApprove { doc, .. }
            | Self::DocAttach { doc, .. }
            | Self::DocAttachmentRemove { doc, .. } => Some(*doc),
            _ => None,
        }
    }
}
