//! The request/response API every front end uses: the CLI (directly on the store, or over HTTP
//! to a running node) and the local HTTP API. One enum, one handler, so the two paths cannot
//! drift apart.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    membership::Role,
    schema::{DocKind, Field, FieldType, Path, Seg},
};

use crate::{
    engine::{Edit, Engine, PlainSource, view::ViewValue},
    error::NodeError,
    formats,
    i18n::Lang,
    identity::{key_from_peer_id, peer_id},
};

/// One edit, as sent over the API.
///
/// Unknown fields are refused (`{"op": "set", ..., "bogus": 1}` is a 400 naming `bogus`), as
/// everywhere in the API: a misspelt field must not be dropped silently.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum EditSpec {
    /// Set a scalar field.
    Set {
        /// Field path.
        path: String,
        /// Value as text, parsed by the field's type. JSON numbers, booleans and `null` are
        /// accepted too and read as their text (`null` clears the field).
        #[serde(deserialize_with = "scalar_text")]
        value: String,
    },
    /// Replace a text field's content (computed as splices).
    Text {
        /// Field path.
        path: String,
        /// New content.
        text: String,
    },
    /// Append a record to a list.
    Add {
        /// List path.
        list: String,
        /// Fields to set, as (name, value).
        #[serde(default)]
        fields: Vec<(String, String)>,
    },
    /// Remove a list record.
    Remove {
        /// Record path.
        item: String,
    },
}

/// Reads a JSON string, number, boolean or null as the text a user would have typed.
fn scalar_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok("null".into()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, number, boolean or null, got {}",
            match other {
                Value::Array(_) => "an array",
                _ => "an object",
            }
        ))),
    }
}

/// One text splice: at `pos` (in Unicode code points), delete `del` characters and insert
/// `insert`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpliceSpec {
    /// Position in Unicode code points.
    pub pos: usize,
    /// Characters to delete at `pos`.
    #[serde(default)]
    pub del: usize,
    /// Text to insert at `pos`.
    #[serde(default)]
    pub insert: String,
}

impl EditSpec {
    fn into_edit(self) -> Result<Edit, NodeError> {
        Ok(match self {
            Self::Set { path, value } => Edit::Set { path: path.parse::<Path>()?, value },
            Self::Text { path, text } => Edit::Text { path: path.parse::<Path>()?, text },
            Self::Add { list, fields } => Edit::Add { list: list.parse::<Path>()?, fields },
            Self::Remove { item } => Edit::Remove { item: item.parse::<Path>()? },
        })
    }
}

/// The form of `twin doc export`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Every change with its signature, for `twin doc import` on another node.
    #[default]
    Signed,
    /// The plain saved Automerge document, without signatures.
    Automerge,
    /// A plan's events and milestones as an iCalendar file.
    Ics,
    /// A plan's budget lines as CSV.
    Csv,
    /// A document as a Word file (headings, tables; a plan in Part B order).
    Docx,
    /// A document as an OpenDocument text.
    Odt,
    /// A document as a PDF laid out by the node.
    Pdf,
    /// A plan's budget as an Excel workbook (amounts as numbers, the total a formula).
    Xlsx,
}

impl ExportFormat {
    /// Every format, by the name `?format=` and `--format` take.
    pub const ALL: [(&'static str, ExportFormat); 8] = [
        ("signed", Self::Signed),
        ("automerge", Self::Automerge),
        ("ics", Self::Ics),
        ("csv", Self::Csv),
        ("docx", Self::Docx),
        ("odt", Self::Odt),
        ("pdf", Self::Pdf),
        ("xlsx", Self::Xlsx),
    ];

    /// The format named `name` (`pdf`), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

/// A request to a node. Unknown fields are refused; in an [`Envelope`], `officer` is the only
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
    /// internally tagged enum), so [`Envelope::check_fields`] refuses them instead.
    fn fieldless_name(&self) -> Option<&'static str> {
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

/// A history page's size: [`crate::engine::HISTORY_PAGE_DEFAULT`] if not given, refused
/// beyond [`crate::engine::HISTORY_PAGE_MAX`].
fn history_limit(limit: Option<usize>) -> Result<usize, NodeError> {
    let limit = limit.unwrap_or(crate::engine::HISTORY_PAGE_DEFAULT);
    if limit == 0 || limit > crate::engine::HISTORY_PAGE_MAX {
        return Err(NodeError::InvalidInput(format!(
            "limit must be from 1 to {} changes per page, not {limit}",
            crate::engine::HISTORY_PAGE_MAX
        )));
    }
    Ok(limit)
}

fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Finds a member by PeerId, or by its exact (case-insensitive) name.
fn find_member(
    engine: &Engine,
    space: &SpaceId,
    who: &str,
) -> Result<twinmesh_protocol::keys::PublicKey, NodeError> {
    if let Ok(k) = key_from_peer_id(who) {
        return Ok(k);
    }
    let m = engine.membership(space)?;
    let found: Vec<_> = m.members.values().filter(|x| x.name.eq_ignore_ascii_case(who.trim())).collect();
    match found.as_slice() {
        [one] => Ok(one.key),
        [] => Err(NodeError::InvalidInput(format!(
            "no member '{who}' in this space (see `twin space members`)"
        ))),
        _ => Err(NodeError::InvalidInput(format!("several members are named '{who}': use the id"))),
    }
}

/// Members with their roles, and the log with each operation's outcome.
pub fn members_json(engine: &Engine, space: &SpaceId) -> Result<Value, NodeError> {
    let m = engine.membership(space)?;
    let names = engine.known_municipalities()?;
    let name_of = |k: &twinmesh_protocol::keys::PublicKey| {
        names.get(&k.to_bytes()).map(|p| p.name.clone()).unwrap_or_else(|| k.fmt_short())
    };
    let members: Vec<Value> = m
        .members
        .values()
        .map(|x| {
            json!({
                "id": peer_id(&x.key).to_string(),
                "name": x.name,
                "role": x.role,
                "active": x.active,
                "added_by": x.added_by.map(|k| name_of(&k)),
                "added": x.added,
                "added_utc": x.added.to_rfc3339(),
            })
        })
        .collect();
    let log: Vec<Value> = m
        .log
        .iter()
        .map(|o| {
            let (what, who) = match &o.op.body {
                twinmesh_protocol::membership::OpBody::Add { member, role, .. } => {
                    (format!("add as {role}"), member)
                }
                twinmesh_protocol::membership::OpBody::SetRole { member, role, .. } => {
                    (format!("set role {role}"), member)
                }
                twinmesh_protocol::membership::OpBody::Remove { member, .. } if *member == o.op.author => {
                    ("leave".to_string(), member)
                }
                twinmesh_protocol::membership::OpBody::Remove { member, .. } => {
                    ("remove".to_string(), member)
                }
            };
            json!({
                "op": o.hash,
                "by": name_of(&o.op.author),
                "what": what,
                "member": name_of(who),
                "time_utc": o.op.time.to_rfc3339(),
                "applied": o.rejected.is_none(),
                "rejected_because": o.rejected,
            })
        })
        .collect();
    Ok(json!({ "space": space, "members": members, "log": log }))
}

/// An answer as JSON, for the HTTP edge and the CLI.
pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<Value, NodeError> {
    serde_json::to_value(v).map_err(|e| NodeError::Corrupt(format!("cannot encode response: {e}")))
}

/// Answers a request with the engine alone. Network requests are refused here; a running node
/// answers them in its network task.
pub fn handle(engine: &mut Engine, env: Envelope) -> Result<Value, NodeError> {
    let officer = env.officer.as_deref();
    match env.request {
        Request::Id => {
            let me = engine.me();
            Ok(json!({
                "id": peer_id(&me.key).to_string(),
                "name": me.name,
                "country": me.country,
                "public_key": me.key.to_string(),
                "data_dir": engine.data_dir().root(),
            }))
        }
        Request::SpaceCreate { name } => to_json(&engine.create_space(&name)?),
        Request::SpaceList => {
            let mut v = to_json(&engine.spaces()?)?;
            crate::attach_api::add_usage(engine, &mut v)?;
            Ok(v)
        }
        r @ (Request::DocAttach { .. }
        | Request::DocAttachments { .. }
        | Request::DocAttachmentGet { .. }
        | Request::DocAttachmentFetch { .. }
        | Request::DocAttachmentRemove { .. }
        | Request::SpaceStorage { .. }) => crate::attach_api::handle(engine, r, officer),
        Request::SpaceAdd { space, member, name, role } => {
            let key = key_from_peer_id(&member)?;
            let op = engine.add_member(
                &space,
                key,
                name.as_deref().unwrap_or(""),
                role.unwrap_or(Role::Editor),
            )?;
            Ok(
                json!({"space": space, "member": member, "role": role.unwrap_or(Role::Editor), "op": hex(&op.hash())}),
            )
        }
        Request::SpaceMembers { space } => members_json(engine, &space),
        Request::SpaceRole { space, member, role } => {
            let key = find_member(engine, &space, &member)?;
            let op = engine.set_role(&space, key, role)?;
            Ok(
                json!({"space": space, "member": peer_id(&key).to_string(), "role": role, "op": hex(&op.hash())}),
            )
        }
        Request::SpaceRemove { space, member } => {
            let key = find_member(engine, &space, &member)?;
            let op = engine.remove_member(&space, key)?;
            Ok(
                json!({"space": space, "member": peer_id(&key).to_string(), "removed": true, "op": hex(&op.hash())}),
            )
        }
        Request::SpaceInvitations { space } => {
            let open = engine.invitations(&space)?;
            Ok(json!({"space": space, "invitations": open.iter().map(|(id, i)| json!({
                "id": id,
                "role": i.role,
                "expires": i.expires,
                "expires_utc": i.expires.to_rfc3339(),
            })).collect::<Vec<_>>()}))
        }
        Request::SpaceRevokeInvitation { space, invitation } => {
            engine.revoke_invitation(&space, &invitation)?;
            Ok(json!({"space": space, "invitation": invitation, "revoked": true}))
        }
        Request::SpaceLeave { space } => {
            let me = engine.me().key;
            let op = engine.remove_member(&space, me)?;
            Ok(json!({"space": space, "left": true, "op": hex(&op.hash())}))
        }
        Request::DocNew { space, kind, title, lang } => {
            let lang = match lang {
                Some(code) => code.parse::<Lang>().map_err(|e| NodeError::InvalidInput(e.to_string()))?,
                None => Lang::En,
            };
            to_json(&engine.create_doc_in(&space, kind, &title, lang, officer)?)
        }
        Request::DocList { space } => {
            if let Some(s) = &space {
                engine.space(s)?;
            }
            to_json(&engine.docs(space.as_ref())?)
        }
        Request::Schema => Ok(schema_json()),
        Request::DocEdit { doc, edits, message, lang } => {
            let mut edits = edits.into_iter().map(EditSpec::into_edit).collect::<Result<Vec<_>, _>>()?;
            resolve_item_ids(engine, &doc, &mut edits)?;
            let style = crate::locale::style(lang.unwrap_or(Lang::En));
            to_json(&engine.edit_in(&style, &doc, &edits, officer, message.as_deref())?)
        }
        Request::DocSplice { doc, path, splices, message } => {
            let mut path = path.parse::<Path>()?;
            if has_item_ids(&path) {
                let view = engine.view(&doc, None)?;
                path = resolve_path(&view.root, &path)?;
            }
            let ops = splices
                .iter()
                .map(|s| {
                    let del = isize::try_from(s.del).map_err(|_| {
                        NodeError::InvalidInput(format!("cannot delete {} characters", s.del))
                    })?;
                    Ok((s.pos, del, s.insert.as_str()))
                })
                .collect::<Result<Vec<_>, NodeError>>()?;
            if ops.is_empty() {
                return Err(NodeError::InvalidInput("no splices given".into()));
            }
            let total: usize = splices.iter().map(|s| s.insert.len()).sum();
            if total > twinmesh_protocol::schema::MAX_TEXT_LEN {
                return Err(NodeError::InvalidInput(format!(
                    "splices insert {total} bytes; a text field holds at most {} bytes",
                    twinmesh_protocol::schema::MAX_TEXT_LEN
                )));
            }
            to_json(&engine.splice_text(&doc, &path, &ops, officer, message.as_deref())?)
        }
        Request::DocShow { doc, at } => {
            let heads = match at {
                Some(h) => Some(vec![engine.find_change(&doc, &h)?]),
                None => None,
            };
            let view = engine.view(&doc, heads.as_deref())?;
            let meta = engine.doc_meta(&doc)?;
            // The heads of the version shown: the change asked for, or today's.
            let shown_heads = match heads {
                Some(h) => h,
                None => engine.heads(&doc)?,
            };
            let current_heads: Vec<String> = shown_heads.iter().map(|h| h.to_string()).collect();
            let conflicts: Vec<Value> = view
                .root
                .conflicts()
                .into_iter()
                .map(|(path, vals)| {
                    json!({
                        "path": path,
                        "values": vals.iter().map(|v| json!({"value": v.value.display(), "author": v.author})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            Ok(json!({
                "id": doc,
                "space": meta.space,
                "kind": meta.kind,
                "content": view.root.to_json(),
                "conflicts": conflicts,
                "heads": current_heads,
                "markdown": formats::markdown(&view),
            }))
        }
        Request::DocHistory { doc, limit, before } => {
            let q =
                crate::engine::HistoryQuery { limit: history_limit(limit)?, before, ..Default::default() };
            to_json(&engine.history_page(&doc, &q)?)
        }
        Request::DocSittings { doc, limit, before, town, by_officer, field, since, until, lang } => {
            let limit = history_limit(limit)?;
            let lang = lang.unwrap_or(Lang::En);
            let q = crate::engine::HistoryQuery {
                limit,
                before,
                lang,
                describe: true,
                group: true,
                town,
                officer: by_officer,
                field,
                since,
                until,
            };
            to_json(&engine.history_page(&doc, &q)?)
        }
        Request::DocVersionName { doc, name } => {
            let id = engine.name_version(&doc, &name, officer)?;
            to_json(&engine.version(&doc, &id, Lang::En)?)
        }
        Request::DocVersions { doc, lang } => {
            let versions = engine.versions(&doc, lang.unwrap_or(Lang::En))?;
            Ok(json!({ "doc": doc, "versions": versions }))
        }
        Request::DocVersion { doc, version, lang } => {
            let lang = lang.unwrap_or(Lang::En);
            let info = engine.version(&doc, &version, lang)?;
            let heads = engine.version_heads(&doc, &info.id)?;
            let view = engine.view(&doc, Some(&heads))?;
            let mut v = to_json(&info)?;
            v["content"] = view.root.to_json();
            v["markdown"] = json!(formats::markdown(&view));
            Ok(v)
        }
        Request::DocCompare { doc, from, to, lang } => {
            let to = to.unwrap_or_else(|| "current".into());
            let items = engine.compare(&doc, &from, &to, lang.unwrap_or(Lang::En))?;
            Ok(json!({ "doc": doc, "from": from, "to": to, "changes": items }))
        }
        Request::DocRestore { doc, version } => to_json(&engine.restore(&doc, &version, officer)?),
        Request::DocRequestApproval { doc, version } => {
            let id = engine.request_approval(&doc, &version, officer)?;
            to_json(&engine.version(&doc, &id, Lang::En)?)
        }
        Request::DocApprove { doc, version, decision, reference, date } => {
            let id = engine.decide(&doc, &version, decision, &reference, &date, officer)?;
            to_json(&engine.version(&doc, &id, Lang::En)?)
        }
        Request::BundleExport { space, partner } => {
            let key = match partner {
                Some(p) => Some(find_member(engine, &space, &p)?),
                None => None,
            };
            let out = engine.bundle_export(&space, key.as_ref())?;
            let mut v = to_json(&out)?;
            v["data"] = json!(data_encoding::BASE64.encode(&out.bytes));
            v["bytes"] = json!(out.bytes.len());
            Ok(v)
        }
        Request::BundleImport { data } => {
            let bytes = data_encoding::BASE64
                .decode(data.as_bytes())
                .map_err(|_| NodeError::InvalidInput("bundle data is not valid base64".into()))?;
            to_json(&engine.bundle_import(&bytes)?)
        }
        Request::DocExport { doc, format } => {
            const BINARY: &str = "application/octet-stream";
            let title = engine.doc_meta(&doc)?.title;
            let (bytes, left_out, media_type, extension) = match format {
                ExportFormat::Signed => (engine.export(&doc)?, Vec::new(), BINARY, "twindoc"),
                ExportFormat::Automerge => (engine.export_plain(&doc)?, Vec::new(), BINARY, "automerge"),
                _ => {
                    let meta = engine.doc_meta(&doc)?;
                    let view = engine.view(&doc, None)?;
                    let out = match format {
                        ExportFormat::Ics => formats::calendar(&view, &doc, &meta.title, meta.updated)?,
                        ExportFormat::Csv => formats::budget_csv(&view)?,
                        ExportFormat::Xlsx => formats::budget_xlsx(&view, &meta.title)?,
                        ExportFormat::Docx => formats::docx(&view)?,
                        ExportFormat::Odt => formats::odt(&view)?,
                        _ => formats::pdf(&view)?,
                    };
                    (out.bytes, out.left_out, out.media_type, out.extension)
                }
            };
            Ok(json!({
                "doc": doc,
                "format": format,
                "bytes": bytes.len(),
                "data": data_encoding::BASE64.encode(&bytes),
                "media_type": media_type,
                "file_name": format!("{}.{extension}", file_stem(&title)),
                "left_out": left_out,
            }))
        }
        Request::DocImportPlain { data, space, kind, title, origin } => {
            let bytes = data_encoding::BASE64
                .decode(data.as_bytes())
                .map_err(|_| NodeError::InvalidInput("import data is not valid base64".into()))?;
            to_json(&engine.import_plain(PlainSource {
                bytes: &bytes,
                space: &space,
                kind,
                title: title.as_deref(),
                origin: origin.as_deref().unwrap_or("(unnamed)"),
                officer,
            })?)
        }
        Request::DocImport { data, space } => {
            let bytes = data_encoding::BASE64
                .decode(data.as_bytes())
                .map_err(|_| NodeError::InvalidInput("import data is not valid base64".into()))?;
            to_json(&engine.import(&bytes, space.as_ref())?)
        }
        Request::Peers
        | Request::Status
        | Request::Dial { .. }
        | Request::Sync { .. }
        | Request::SyncStatus
        | Request::DocPresence { .. }
        | Request::SpaceJoin { .. }
        | Request::SpaceInvite { .. } => Err(NodeError::NotRunning),
    }
}

/// True if a path names a list item by its id (`budget/lines/@k3x.../amount`).
fn has_item_ids(path: &Path) -> bool {
    path.0.iter().any(|s| matches!(s, Seg::Key(k) if k.starts_with('@')))
}

/// Replaces every `@id` step of `path` by the item's current index in `root`. Editors address
/// list items by id, so an edit still lands on the right budget line after a partner inserted
/// or removed lines above it. Runs on the engine thread, so nothing changes in between.
fn resolve_path(root: &ViewValue, path: &Path) -> Result<Path, NodeError> {
    let mut cur = Some(root);
    let mut out = Vec::with_capacity(path.0.len());
    for seg in &path.0 {
        let next = match (cur, seg) {
            (Some(ViewValue::List(items)), Seg::Key(k)) if k.starts_with('@') => {
                let id = &k[1..];
                let Some(i) = items.iter().position(|(item, _)| item == id) else {
                    return Err(NodeError::InvalidInput(format!(
                        "no item with id '{id}' in '{}' (a partner may have removed it)",
                        Path(out.clone())
                    )));
                };
                out.push(Seg::Index(i));
                Some(&items[i].1)
            }
            (_, Seg::Key(k)) if k.starts_with('@') => {
                return Err(NodeError::InvalidInput(format!(
                    "'{}' is not a list: '@{}' names a list item",
                    Path(out.clone()),
                    &k[1..]
                )));
            }
            (Some(ViewValue::List(items)), Seg::Index(i)) => {
                out.push(seg.clone());
                items.get(*i).map(|(_, v)| v)
            }
            (Some(ViewValue::Record(fields)), Seg::Key(k)) => {
                out.push(seg.clone());
                fields.iter().find(|(f, _)| f.name == k).map(|(_, v)| v)
            }
            _ => {
                out.push(seg.clone());
                None
            }
        };
        cur = next;
    }
    Ok(Path(out))
}

fn resolve_item_ids(engine: &mut Engine, doc: &DocId, edits: &mut [Edit]) -> Result<(), NodeError> {
    if !edits.iter().any(|e| match e {
        Edit::Set { path, .. } | Edit::Text { path, .. } => has_item_ids(path),
        Edit::Add { list, .. } => has_item_ids(list),
        Edit::Remove { item } => has_item_ids(item),
    }) {
        return Ok(());
    }
    let view = engine.view(doc, None)?;
    for e in edits {
        let p = match e {
            Edit::Set { path, .. } | Edit::Text { path, .. } => path,
            Edit::Add { list, .. } => list,
            Edit::Remove { item } => item,
        };
        *p = resolve_path(&view.root, p)?;
    }
    Ok(())
}

fn field_json(f: &Field) -> Value {
    let mut v = json!({ "name": f.name, "label": f.label });
    let ty = match f.ty {
        FieldType::Text => "text",
        FieldType::Str => "str",
        FieldType::Enum(opts) => {
            v["options"] = json!(opts);
            "enum"
        }
        FieldType::Date => "date",
        FieldType::Int => "int",
        FieldType::Number => "number",
        FieldType::Money | FieldType::CorrectableMoney => "money",
        FieldType::Country => {
            v["options"] = json!(twinmesh_protocol::schema::country_codes().collect::<Vec<_>>());
            "country"
        }
        FieldType::Email => "email",
        FieldType::Bool => "bool",
        FieldType::Record(fields) => {
            v["fields"] = Value::Array(fields.iter().map(field_json).collect());
            "record"
        }
        FieldType::List(fields) => {
            v["fields"] = Value::Array(fields.iter().map(field_json).collect());
            "list"
        }
        FieldType::ReadOnly => "readonly",
    };
    if let Some((min, max)) = f.ty.range() {
        // Money in euros, as everywhere in the JSON API.
        let scale = |n: i64| if f.ty.is_money() { json!(n as f64 / 100.0) } else { json!(n) };
        v["min"] = scale(min);
        v["max"] = scale(max);
    }
    v["type"] = json!(ty);
    v
}

/// Every document kind with its fields, for schema-driven editors.
pub fn schema_json() -> Value {
    let kinds: Vec<Value> = DocKind::ALL
        .iter()
        .map(|k| {
            json!({
                "kind": k.code(),
                "label": k.label(),
                "fields": k.fields().iter().map(field_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "schema_version": twinmesh_protocol::schema::SCHEMA_VERSION, "kinds": kinds })
}

/// A file name made from a document's title, safe in any file system and in an HTTP header:
/// letters, digits, `.`, `_` and `-` kept (accents dropped), anything else one `_`, at most 60
/// characters; `document` if nothing is left.
fn file_stem(title: &str) -> String {
    let mut stem = String::new();
    for c in title.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' };
        if !(c == '_' && stem.ends_with('_')) && stem.len() < 60 {
            stem.push(c);
        }
    }
    let stem = stem.trim_matches(|c| c == '_' || c == '.').to_string();
    if stem.is_empty() { "document".into() } else { stem }
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn export_file_names_cannot_break_out_of_a_header_or_a_directory() {
        assert_eq!(file_stem("CIRCLE60"), "CIRCLE60");
        assert_eq!(file_stem("CIRCLE60 – Kreislaufstädte"), "CIRCLE60_Kreislaufst_dte");
        // Quotes, line ends and path separators become `_`: no header injection, no path.
        assert_eq!(file_stem("a\"\r\nSet-Cookie: x=1"), "a_Set-Cookie_x_1");
        assert_eq!(file_stem("../../etc/passwd"), "etc_passwd");
        assert_eq!(file_stem("șțî"), "document");
        assert_eq!(file_stem(&"x".repeat(500)).len(), 60);
    }
}
