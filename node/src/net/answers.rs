//! What the network task answers ([`NetAnswer`]), typed: the API wraps it in
//! `api::Response::Network` and it becomes JSON only at the edges, as every answer does.

use serde::Serialize;
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    membership::Role,
    time::Timestamp,
};

/// An answer of the network task to a [`super::NetRequest`], or its published status.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum NetAnswer {
    /// `peers`: the remembered partners, then connected nodes this node does not remember.
    Peers(Vec<PeerListed>),
    /// `dial`: the partner is connected.
    Connected(Connected),
    /// `sync`: what a `twin sync` brought.
    Synced(SyncReport),
    /// `space_invite`: a ticket.
    Invitation(Invitation),
    /// `space_join`: the space joined.
    Joined(Joined),
    /// `doc_presence`: who of the partners has a document open.
    Presence(PresenceList),
    /// `sync_status`: the sync panel.
    SyncPanel(SyncPanel),
    /// `status`: the network status.
    Status(NetStatus),
}

/// A partner or connected node, as `twin peers` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerListed {
    /// Its PeerId.
    pub id: String,
    /// Its municipality's name, once it introduced itself.
    pub name: Option<String>,
    /// Its country (unknown for a node this one does not remember).
    pub country: Option<String>,
    /// True while connected.
    pub connected: bool,
    /// `direct` or `relayed`, while connected.
    pub connection: Option<&'static str>,
    /// The last hole punch's outcome (unknown for a node this one does not remember).
    pub hole_punch: Option<String>,
    /// Its addresses.
    pub addrs: Vec<String>,
    /// When it was last connected (unknown for a node this one does not remember).
    pub last_seen: Option<Timestamp>,
    /// The same, as RFC 3339.
    pub last_seen_utc: Option<String>,
    /// Sessions running with it (unknown for a node this one does not remember).
    pub syncing_documents: usize,
    /// Changes received from it this run (unknown for a node this one does not remember).
    pub changes_received: u64,
    /// Changes it sent that this node held already (unknown for a node this one does not remember).
    pub changes_already_held: u64,
    /// Changes of its this node refused.
    pub changes_rejected: u64,
    /// Frames of its this node refused.
    pub frames_refused: u64,
    /// The spaces it shares with this node.
    pub spaces: Vec<SharedSpace>,
}

/// A space a partner shares with this node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedSpace {
    /// The space.
    pub space: SpaceId,
    /// Its name.
    pub name: String,
}

/// A partner connected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connected {
    /// Its PeerId.
    pub id: String,
    /// The address dialled, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    /// Always true.
    pub connected: bool,
}

/// What a `twin sync` brought.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncReport {
    /// Partners synced with.
    pub peers: usize,
    /// Partners that did not answer.
    pub unreachable: Vec<String>,
    /// Changes received.
    pub changes_received: u64,
    /// Changes refused.
    pub changes_rejected: u64,
}

/// An invitation ticket, with its QR code and link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invitation {
    /// The QR code, as SVG.
    pub qr_svg: Option<String>,
    /// A link that opens the join page with the ticket.
    pub link: String,
    /// The ticket.
    pub ticket: String,
    /// The role it gives.
    pub role: Role,
}

/// A space joined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Joined {
    /// The space.
    pub space: SpaceId,
    /// Always true.
    pub joined: bool,
    /// The inviting node's PeerId.
    pub inviter: String,
}

/// Who of the partners has a document open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresenceList {
    /// The document.
    pub doc: DocId,
    /// Each partner town present.
    pub present: Vec<Present>,
}

/// A partner town with a document open, and its officers there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Present {
    /// The document.
    pub doc: DocId,
    /// The town's PeerId.
    pub id: String,
    /// Its name, once it introduced itself.
    pub town: Option<String>,
    /// Its country.
    pub country: Option<String>,
    /// The officers with the document open.
    pub officers: Vec<String>,
}

/// The sync panel: per partner town, then per document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncPanel {
    /// Every partner town.
    pub partners: Vec<PartnerStatus>,
    /// Every document.
    pub docs: Vec<DocStatus>,
}

/// A partner town on the sync panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerStatus {
    /// Its PeerId.
    pub id: String,
    /// Its name.
    pub town: Option<String>,
    /// Its country.
    pub country: Option<String>,
    /// True while connected.
    pub online: bool,
    /// Online or offline since when (RFC 3339).
    pub since: Option<String>,
    /// When the last round with it ended (RFC 3339).
    pub last_synced: Option<String>,
    /// Changes received in the last round.
    pub received: u64,
    /// Changes received this run.
    pub received_total: u64,
    /// Sessions running with it.
    pub syncing: usize,
    /// Documents shared with it.
    pub documents: usize,
    /// Changes it is not known to hold; `None` when no shared document was ever synced.
    pub waiting: Option<usize>,
    /// Shared documents never synced with it.
    pub never_synced: usize,
}

/// A document on the sync panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocStatus {
    /// The document.
    pub doc: DocId,
    /// Its title.
    pub title: String,
    /// Its space.
    pub space: SpaceId,
    /// Fields in conflict.
    pub conflicts: usize,
    /// Online partners still waiting for changes of it.
    pub not_yet_at: Vec<DocPartner>,
    /// Every partner that shares it.
    pub partners: Vec<DocPartner>,
    /// Partner towns with it open now.
    pub present: Vec<Present>,
}

/// A partner sharing a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocPartner {
    /// Its PeerId.
    pub id: String,
    /// Its name.
    pub town: Option<String>,
    /// True while connected.
    pub online: bool,
    /// Changes of the document it is not known to hold; `None` if never synced.
    pub waiting: Option<usize>,
}

/// The network status (`GET /api/v1/status`), kept current by the network task.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NetStatus {
    /// This node's PeerId.
    pub id: String,
    /// The addresses it listens on, with its PeerId.
    pub listen: Vec<String>,
    /// Addresses partners confirmed.
    pub external: Vec<String>,
    /// What AutoNAT found.
    pub reachability: String,
    /// Relays holding a reservation for this node.
    pub relay_reservations: Vec<String>,
    /// Partners connected.
    pub connected_peers: usize,
    /// Sync sessions running.
    pub sessions: usize,
    /// Attachment transfers.
    pub attachments: BlobStatus,
}

/// Attachment transfers, for the network status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BlobStatus {
    /// `eager` or `on-demand`.
    pub mode: &'static str,
    /// Files being fetched.
    pub fetching: usize,
    /// Chunks fetched this run.
    pub chunks_fetched: u64,
    /// Chunks refused this run.
    pub chunks_refused: u64,
    /// Files completed this run.
    pub files_completed: u64,
    /// The rate limit, bytes a second.
    pub rate: Option<u64>,
}
