//! [`Response`]: what the API answers, one typed value per request. It becomes JSON only at the
//! edges: the HTTP API ([`crate::handle::NodeHandle::request`]), the CLI's client and its
//! `--json`. Inside the node, code reads the fields (the node learns a new document's id from
//! [`Response::Doc`], not from a JSON key).
//!
//! Each variant serialises as its content alone (`untagged`), so the JSON a front end reads is
//! the answer's own fields; the request it sent says which answer it gets.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;
use twinmesh_protocol::{ids::DocId, ids::SpaceId, membership::Role, time::Timestamp};

use super::{ExportFormat, schema::Schema};
use crate::engine::{
    AttachmentInfo, BundleExport, BundleReport, DocInfo, EditOutcome, FieldItem, HistoryPage, ImportReport,
    LeftOut, PlainImport, SpaceInfo, SpaceUsage, VersionInfo,
};

/// An answer to a [`super::Request`].
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Response {
    /// `id`: this node's identity.
    Identity(Identity),
    /// `space_create`: the new space.
    Space(SpaceInfo),
    /// `space_list`.
    Spaces(Vec<SpaceListed>),
    /// `space_add`, `space_role`, `space_remove`, `space_leave`: the signed operation.
    MemberChange(MemberChange),
    /// `space_members`.
    Members(Members),
    /// `space_invitations`.
    Invitations(Invitations),
    /// `space_revoke_invitation`.
    InvitationRevoked(InvitationRevoked),
    /// `doc_new`: the new document.
    Doc(DocInfo),
    /// `doc_list`.
    Docs(Vec<DocInfo>),
    /// `schema`.
    Schema(Schema),
    /// `doc_edit`, `doc_splice`, `doc_restore`: the change made, if any.
    Edited(EditOutcome),
    /// `doc_show`.
    Shown(DocShown),
    /// `doc_history`, `doc_sittings`.
    History(HistoryPage),
    /// `doc_version_name`, `doc_request_approval`, `doc_approve`: the version as it now stands.
    Version(VersionInfo),
    /// `doc_versions`.
    Versions(Versions),
    /// `doc_version`: a version with its content.
    VersionShown(VersionShown),
    /// `doc_compare`.
    Compared(Comparison),
    /// `bundle_export`: the bundle, base64.
    BundleExported(BundleFile),
    /// `bundle_import`.
    BundleImported(BundleReport),
    /// `doc_export`: the file, base64.
    Exported(ExportedFile),
    /// `doc_import_plain`.
    PlainImported(PlainImport),
    /// `doc_import`.
    Imported(ImportReport),
    /// `doc_attach`, `doc_attachment_fetch`, `doc_attachment_remove`.
    Attachment(AttachmentInfo),
    /// `doc_attachments`.
    Attachments(Vec<AttachmentInfo>),
    /// `doc_attachment_get`: the attachment and, if its bytes are here, their file.
    AttachmentFile(AttachmentFile),
    /// `space_storage`.
    Storage(SpaceUsage),
    /// What the network task answers (`peers`, `dial`, `sync`, `sync_status`, `doc_presence`,
    /// `space_invite`, `space_join`) and the network status (`status`): see
    /// [`crate::net::NetAnswer`].
    Network(crate::net::NetAnswer),
}

/// This node's identity.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    /// Its PeerId.
    pub id: String,
    /// The municipality's name.
    pub name: String,
    /// Its country (ISO 3166 code).
    pub country: String,
    /// Its public key.
    pub public_key: String,
    /// Where its store is.
    pub data_dir: PathBuf,
}

/// A space as listed, with what its attachments take on this node.
#[derive(Debug, Clone, Serialize)]
pub struct SpaceListed {
    /// The space.
    #[serde(flatten)]
    pub space: SpaceInfo,
    /// Bytes of attachments held, and the cap.
    pub attachments: StorageUse,
}

/// Bytes held, and the cap if one is set.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StorageUse {
    /// Bytes held.
    pub used: u64,
    /// The cap, if one is set.
    pub cap: Option<u64>,
}

/// A membership operation this node signed.
#[derive(Debug, Clone, Serialize)]
pub struct MemberChange {
    /// The space.
    pub space: SpaceId,
    /// The member, by PeerId (absent when this town left).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Its role now (an addition or a change of role).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// True when the member was removed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// True when this town left the space.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub left: bool,
    /// The operation's hash, hex.
    pub op: String,
}

/// The members of a space and its membership log.
#[derive(Debug, Clone, Serialize)]
pub struct Members {
    /// The space.
    pub space: SpaceId,
    /// Everyone who is or was a member.
    pub members: Vec<MemberListed>,
    /// Every operation, with its outcome.
    pub log: Vec<LogEntry>,
}

/// A member as listed.
#[derive(Debug, Clone, Serialize)]
pub struct MemberListed {
    /// Its PeerId.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// False once removed.
    pub active: bool,
    /// Who added it (a name), unless it founded the space.
    pub added_by: Option<String>,
    /// When.
    pub added: Timestamp,
    /// When, as RFC 3339.
    pub added_utc: String,
}

/// One operation of the membership log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Its hash, hex.
    pub op: String,
    /// Who signed it (a name).
    pub by: String,
    /// What it does (`add as editor`, `set role viewer`, `remove`, `leave`).
    pub what: String,
    /// The member it concerns (a name).
    pub member: String,
    /// When, as RFC 3339.
    pub time_utc: String,
    /// False if the rules refused it.
    pub applied: bool,
    /// Why it was refused.
    pub rejected_because: Option<String>,
}

/// The open invitations of a space.
#[derive(Debug, Clone, Serialize)]
pub struct Invitations {
    /// The space.
    pub space: SpaceId,
    /// Each open invitation.
    pub invitations: Vec<InvitationListed>,
}

/// An open invitation.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationListed {
    /// Its id.
    pub id: String,
    /// The role it gives.
    pub role: Role,
    /// When it expires.
    pub expires: Timestamp,
    /// When it expires, as RFC 3339.
    pub expires_utc: String,
}

/// An invitation revoked.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationRevoked {
    /// The space.
    pub space: SpaceId,
    /// The invitation's id.
    pub invitation: String,
    /// Always true.
    pub revoked: bool,
}

/// A document as shown: its content, conflicts, heads and Markdown.
#[derive(Debug, Clone, Serialize)]
pub struct DocShown {
    /// The document.
    pub id: DocId,
    /// Its space.
    pub space: SpaceId,
    /// Its kind.
    pub kind: twinmesh_protocol::schema::DocKind,
    /// Its content, as the schema reads it.
    pub content: Value,
    /// Fields set concurrently to different values.
    pub conflicts: Vec<Conflict>,
    /// The heads of the version shown.
    pub heads: Vec<String>,
    /// The document as Markdown.
    pub markdown: String,
}

/// A field set concurrently to different values.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    /// The field's path.
    pub path: String,
    /// Each value with the town that set it.
    pub values: Vec<ConflictValue>,
}

/// One of the values in a conflict.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictValue {
    /// The value as text.
    pub value: String,
    /// The town that set it.
    pub author: String,
}

/// A document's named versions.
#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    /// The document.
    pub doc: DocId,
    /// Its versions, oldest first.
    pub versions: Vec<VersionInfo>,
}

/// A version with its content.
#[derive(Debug, Clone, Serialize)]
pub struct VersionShown {
    /// The version.
    #[serde(flatten)]
    pub info: VersionInfo,
    /// Its content, as the schema reads it.
    pub content: Value,
    /// Its content as Markdown.
    pub markdown: String,
}

/// What changed between two versions.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The document.
    pub doc: DocId,
    /// The older version.
    pub from: String,
    /// The newer version (`current` for today's).
    pub to: String,
    /// Each field that changed, in words.
    pub changes: Vec<FieldItem>,
}

/// A bundle written, with its bytes in base64.
#[derive(Debug, Clone, Serialize)]
pub struct BundleFile {
    /// What it holds.
    #[serde(flatten)]
    pub export: BundleExport,
    /// Its size in bytes.
    pub bytes: usize,
    /// Its content, base64.
    pub data: String,
}

/// A document exported, with its bytes in base64.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedFile {
    /// The document.
    pub doc: DocId,
    /// The format.
    pub format: ExportFormat,
    /// The file's size in bytes.
    pub bytes: usize,
    /// Its content, base64.
    pub data: String,
    /// Its media type.
    pub media_type: String,
    /// A file name made from the title, safe anywhere.
    pub file_name: String,
    /// What the format could not hold, and why.
    pub left_out: Vec<LeftOut>,
}

/// An attachment, with the file that holds its bytes on this node if they are here.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentFile {
    /// The attachment.
    #[serde(flatten)]
    pub info: AttachmentInfo,
    /// The file holding its bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}
