//! The libp2p network: one task owns the Swarm; the rest of the node talks to it through
//! `NetCmd`s on a bounded channel.
//!
//! Protocols: TCP and QUIC transports, Noise, Yamux, identify, ping, optional mDNS, gossipsub
//! (one topic per space, announcing new heads) and the request-response sync protocol
//! [`twinmesh_protocol::wire::SYNC_PROTOCOL`] (version 4, preferred: version 3 with a round's
//! signatures sent without their change hashes), [`twinmesh_protocol::wire::SYNC_PROTOCOL_V3`]
//! (compressed frames), [`twinmesh_protocol::wire::SYNC_PROTOCOL_V2`] and
//! [`twinmesh_protocol::wire::SYNC_PROTOCOL_V1`] (still answered and dialled), and presence
//! ([`PRESENCE_PROTOCOL`]: which officers have a document open, never stored).
//!
//! Sessions: on a new connection the dialing side sends a `Hello`; the answer tells it which
//! documents differ, and it runs one Automerge sync session per differing document. A session
//! is a chain of request/response rounds driven by the side that started it, at most one per
//! (peer, document) at a time, and at most [`MAX_ROUNDS`] rounds long. On a version 2
//! connection, a document one side holds none of opens with a whole-document transfer instead
//! (`Fetch`/`Snapshot`, see `engine/snapshot.rs`); if the peer speaks only version 1 (the
//! request fails before it is sent), or refuses the snapshot, the session falls back to
//! ordinary sync.
//!
//! The event loop never waits for the engine: every engine call is a future in the task's
//! job set, polled by the same `select!`, and its result comes back as a `jobs::Done` that
//! the loop acts on (see `task.rs`).
//!
//! Files: `behaviour.rs` (the libp2p behaviours and the swarm), `task.rs` (the event loop; commands
//! in `task/commands.rs`, swarm events in `task/swarm.rs`), `sync.rs` (the sync protocol's requests
//! and answers; hellos in `sync/hello.rs`, the session driver's steps carried out in
//! `sync/sessions.rs`), `work.rs` (what the network asks of the engine, one variant per operation),
//! `jobs.rs` (the job set and what the loop does with its results), `session.rs` (around the
//! session driver, which is sans I/O in `twinmesh_protocol::session`: the answers to requests,
//! `twin sync` waiters and the seeded simulator in `session/`), `peers.rs` (partners, offences,
//! bans, redial, the peer list), `presence.rs` (who has a document open now: the presence protocol;
//! its book in `presence/book.rs`, its codec in `presence/codec.rs`), `status.rs` (the sync panel's
//! figures), `relay.rs` (the partnership relay: limits and who may use it), `codec.rs` (frames) and
//! `town_tcp.rs` (TCP with DNS and a proxy).

mod announce;
mod answers;
mod behaviour;
mod blobs;
mod codec;
mod jobs;
mod peers;
mod presence;
mod relay;
mod session;
mod status;
mod sync;
mod task;
pub mod town_tcp;
mod work;

use libp2p::Multiaddr;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::SecretKey,
    membership::Role,
};

pub use answers::{
    BlobStatus, Connected, DocPartner, DocStatus, Invitation, Joined, NetAnswer, NetStatus, PartnerStatus,
    PeerListed, PresenceList, Present, SharedSpace, SyncPanel, SyncReport,
};
pub use behaviour::{AGENT_VERSION, DIAL_TIMEOUT};
pub use blobs::{AVOID_TIME, BLOB_REQUEST_TIMEOUT, BLOB_TICK, BlobCodec, MAX_IN_FLIGHT};
pub use codec::{Inbound, SyncCodec, WireStats, wire_stats};
pub use peers::{
    BAN_TIME, MAX_REJECTED_PER_PEER, OFFENCE_LOG_INTERVAL, REDIAL_INTERVAL, REFUSED_FRAME_WEIGHT,
    with_peer_id,
};
pub use presence::{
    MAX_PRESENCE_DOCS_PER_PEER, MAX_PRESENCE_PER_HEARTBEAT, PRESENCE_PROTOCOL, PresenceCodec, Viewer,
};
pub use relay::{
    RELAY_CIRCUIT_BYTES, RELAY_CIRCUIT_DURATION, RELAY_MAX_CIRCUITS, RELAY_MAX_CIRCUITS_PER_PEER,
    RELAY_MAX_RESERVATIONS, RELAY_RETRY, STRANGER_LOG_INTERVAL,
};
pub use session::{MAX_ROUNDS, MAX_SESSIONS, MAX_SESSIONS_PER_PEER, SESSION_GATE};

use crate::{engine::EngineHandle, error::NodeError, event::NodeEvent};

/// A request for the network task: what only a running node's network can answer. The API's
/// requests are translated into these (`api::Request::net_request`), so the network knows
/// nothing of the API.
#[derive(Debug, Clone)]
pub enum NetRequest {
    /// Connected and remembered partners.
    Peers,
    /// Connect to a partner: a multiaddr, or a PeerId to look up through the partners.
    Dial {
        /// The multiaddr or PeerId.
        addr: String,
    },
    /// Sync now with the connected partners (only `doc`, if given).
    Sync {
        /// Only this document.
        doc: Option<DocId>,
    },
    /// An invitation ticket to `space` that carries this node's addresses.
    SpaceInvite {
        /// The space.
        space: SpaceId,
        /// The role the invited town gets.
        role: Role,
        /// Validity in seconds (default 7 days).
        valid_secs: Option<u64>,
    },
    /// Join a space with a ticket: ask the inviting node.
    SpaceJoin {
        /// The ticket text.
        ticket: String,
    },
    /// The sync panel: per partner and per document (see `status.rs`).
    SyncStatus,
    /// Who of the partners has `doc` open; with `viewer`, first records that an editor tab
    /// of this node opened, still has, or closed it (see `presence.rs`).
    Presence {
        /// The document.
        doc: DocId,
        /// The tab and its officer, if it tells its own presence.
        viewer: Option<Viewer>,
    },
}

/// Commands for the network task.
#[derive(Debug)]
pub(crate) enum NetCmd {
    /// A request that needs the network, and where to send the answer.
    Api(NetRequest, oneshot::Sender<Result<NetAnswer, NodeError>>),
    /// A local change to announce.
    Announce(DocId),
    /// Send a hello to every connected partner (after spaces or documents were added).
    Rehello,
    /// The listen addresses.
    ListenAddrs(oneshot::Sender<Vec<Multiaddr>>),
}

/// What the network task needs of the node's configuration (`node::Config` fills it in).
#[derive(Debug, Clone)]
pub(crate) struct NetConfig {
    /// Addresses to listen on.
    pub listen: Vec<Multiaddr>,
    /// Discover partners on the local network with mDNS.
    pub mdns: bool,
    /// Redial partners remembered from earlier runs.
    pub redial: bool,
    /// Serve as a partnership relay for the members of this node's spaces.
    pub relay_server: bool,
    /// Towns the relay serves besides the members of this node's spaces.
    pub relay_allow: Vec<libp2p::PeerId>,
    /// Relays to reserve a slot on.
    pub relays: Vec<Multiaddr>,
    /// An HTTP proxy for outgoing TCP connections.
    pub proxy: Option<town_tcp::Proxy>,
    /// Most sync sessions with one partner at once.
    pub sessions_per_peer: usize,
    /// Fetch every attachment of the documents held (else only those asked for).
    pub attachments_eager: bool,
    /// The most attachment bytes a second to ask partners for (`None`: no limit).
    pub attachment_rate: Option<u64>,
}

/// The channels the network task talks through.
pub(crate) struct NetLinks {
    /// Commands from the node.
    pub cmds: mpsc::Receiver<NetCmd>,
    /// Turns true at shutdown.
    pub shutdown: watch::Receiver<bool>,
    /// Live events for front ends (documents changed by partners, partner status).
    pub events: broadcast::Sender<NodeEvent>,
    /// The network status for `GET /api/v1/status`.
    pub status: watch::Sender<NetStatus>,
}

/// Starts the network task: listens, redials remembered partners, and runs until shutdown.
pub(crate) async fn spawn(
    config: &NetConfig,
    key: &SecretKey,
    engine: EngineHandle,
    links: NetLinks,
) -> Result<tokio::task::JoinHandle<()>, NodeError> {
    task::spawn(config, key, engine, links).await
}
