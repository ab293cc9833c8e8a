//! The libp2p network: one task owns the Swarm; the rest of the node talks to it through
//! `NetCmd`s on a bounded channel.
//!
//! Protocols: TCP and QUIC transports, Noise, Yamux, identify, ping, optional mDNS, gossipsub
//! (one topic per space, announcing new heads) and the request-response sync protocol
//! [`twinmesh_protocol::wire::SYNC_PROTOCOL`] (version 4, preferred: version 3 with a round's
//! signatures sent without their change hashes), [`twinmesh_protocol::wire::SYNC_PROTOCOL_V3`]
//! (compressed frames), [`twinmesh_protocol::wire::SYNC_PROTOCOL_V2`] and
//! [`twinmesh_protocol::wire::SYNC_PROTOCOL_V1`] (still answered and dialled).
//!
//! Sessions: on a new connection the dialing side sends a `Hello`; the answer tells it which
//! documents differ, and it runs one Automerge sync session per differing document. A session
//! is a chain of request/response rounds driven by the side that started it, at most one per
//! (peer, document) at a time, and at most [`MAX_ROUNDS`] rounds long. On a version 2
//! connection, a document one side holds none of opens with a whole-document transfer instead
//! (`Fetch`/`Snapshot`, see `engine/snapshot.rs`); if the peer speaks only version 1 (the
//! request fails before it is sent), or refuses the snapshot, the session falls back to
//! ordinary sync.

mod codec;
pub mod town_tcp;

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use futures::StreamExt;
use libp2p::{
    Multiaddr, PeerId, StreamProtocol, Swarm, autonat, dcutr, gossipsub, identify, kad, mdns,
    multiaddr::Protocol,
    noise, ping, relay,
    request_response::{self, OutboundRequestId, ProtocolSupport},
    swarm::{NetworkBehaviour, SwarmEvent, behaviour::toggle::Toggle, dial_opts::DialOpts},
    yamux,
};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot, watch};
use twinmesh_protocol::{
    ids::DocId,
    keys::{PublicKey, SecretKey},
    wire::{self, Announce, DocSync, Request as WireRequest, Response as WireResponse},
};

pub use codec::{Inbound, SyncCodec, WireStats, wire_stats};

use crate::{
    api::Request,
    engine::{Installed, Opening, sync::Received},
    error::NodeError,
    identity::{key_of_peer, libp2p_keypair},
    node::{Config, EngineHandle},
};

/// Longest sync session, in rounds. Automerge converges in a handful of rounds; a session that
/// goes on is a peer that keeps offering something we refuse.
pub const MAX_ROUNDS: u32 = 32;

/// Refused changes from one peer before it is disconnected and ignored for [`BAN_TIME`]. Refused
/// frames count towards the same limit, [`REFUSED_FRAME_WEIGHT`] each.
pub const MAX_REJECTED_PER_PEER: u32 = 64;

/// What one refused frame (oversized, a deflate bomb, an unknown encoding, truncated, undecodable,
/// or a round refused whole: a bad Bloom filter, a wrong signature count) counts for towards
/// [`MAX_REJECTED_PER_PEER`]: a peer is banned at its ninth. An honest node never sends one (its
/// codec checks the same limits before writing), so a few are enough to tell a broken or hostile
/// peer, while one garbled frame does not cut a partner off.
pub const REFUSED_FRAME_WEIGHT: u32 = 8;

/// Each misbehaving peer is logged at warn at most once per this interval (a hostile peer must
/// not flood the log); the next line says how many offences were not logged.
pub const OFFENCE_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// The name and version this node announces over identify (`twinmesh/0.1.0`).
pub const AGENT_VERSION: &str = concat!("twinmesh/", env!("CARGO_PKG_VERSION"));

/// How long a misbehaving peer is refused.
pub const BAN_TIME: Duration = Duration::from_secs(600);

/// How long a dial may take before it is reported as failed.
pub const DIAL_TIMEOUT: Duration = Duration::from_secs(10);

/// How often remembered partners that are not connected are dialed again.
pub const REDIAL_INTERVAL: Duration = Duration::from_secs(30);

/// Parallel sync sessions the node drives at once, over all peers.
pub const MAX_SESSIONS: usize = 256;

/// Parallel sync sessions the node drives with one peer. A partner whose hello lists many
/// differing documents waits for its own sessions to end rather than taking every slot of
/// [`MAX_SESSIONS`] from the other partners.
pub const MAX_SESSIONS_PER_PEER: usize = 32;

/// How long a running session keeps the other sessions this node would start about the same
/// document waiting (see `NetTask::start_session`). A session slower than this (a slow or
/// stalling partner) no longer holds the document's sync with the other partners up.
pub const SESSION_GATE: Duration = Duration::from_secs(5);

/// How often sessions kept waiting by a slow one are looked at again.
const GATE_SWEEP: Duration = Duration::from_secs(1);

/// Commands for the network task.
#[derive(Debug)]
pub(crate) enum NetCmd {
    /// An API request that needs the network.
    Api(Request, oneshot::Sender<Result<Value, NodeError>>),
    /// A local change to announce.
    Announce(DocId),
    /// Send a hello to every connected partner (after spaces or documents were added).
    Rehello,
    /// The listen addresses.
    ListenAddrs(oneshot::Sender<Vec<Multiaddr>>),
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    mdns: Toggle<mdns::tokio::Behaviour>,
    gossipsub: gossipsub::Behaviour,
    sync: request_response::Behaviour<SyncCodec>,
    /// Relay v2 server, when this node is a public relay.
    relay: Toggle<relay::Behaviour>,
    /// Reservations on relays and connections through them.
    relay_client: relay::client::Behaviour,
    /// Hole punching: upgrades a relayed connection to a direct one where possible.
    dcutr: dcutr::Behaviour,
    /// Tells this node whether it is reachable from outside.
    autonat: autonat::Behaviour,
    /// Finds a partner's current addresses from its PeerId.
    kad: kad::Behaviour<kad::store::MemoryStore>,
}

#[derive(Debug, Default)]
struct PeerState {
    addr: Option<Multiaddr>,
    /// Open connections, and whether each goes through a relay.
    links: HashMap<libp2p::swarm::ConnectionId, bool>,
    /// The outcome of the last hole punch (DCUtR) with this partner.
    hole_punch: Option<String>,
    applied: u64,
    /// Changes the partner sent that this node already held.
    duplicates: u64,
    /// Changes the partner sent that this node refused.
    rejected: u32,
    /// Frames the partner sent that this node refused (see [`REFUSED_FRAME_WEIGHT`]).
    refused_frames: u32,
    /// When the partner's misbehaviour was last logged, and the offences since then not logged.
    warned: Option<(Instant, u32)>,
    last_sync: Option<std::time::SystemTime>,
}

impl PeerState {
    /// Refused changes plus refused frames by their weight, for [`MAX_REJECTED_PER_PEER`].
    fn offences(&self) -> u32 {
        self.rejected.saturating_add(self.refused_frames.saturating_mul(REFUSED_FRAME_WEIGHT))
    }

    /// "direct" when some connection is direct, else "relayed".
    fn connection(&self) -> &'static str {
        if self.links.values().any(|relayed| !relayed) { "direct" } else { "relayed" }
    }
}

/// A sync session this node drives.
#[derive(Debug)]
struct Session {
    /// Rounds sent so far.
    rounds: u32,
    /// Run it again when it ends (the partner announced new heads meanwhile).
    again: bool,
    /// When it started.
    since: Instant,
}

#[derive(Debug)]
enum Pending {
    Hello,
    Sync(DocId),
    /// Asked for a document whole.
    Fetch(DocId),
    /// Sent a document whole.
    Push(DocId),
    Join(oneshot::Sender<Result<Value, NodeError>>),
}

struct SyncWaiter {
    peers: HashSet<PeerId>,
    /// Partners whose hello failed (unreachable, timed out).
    failed: HashSet<PeerId>,
    hellos: HashSet<OutboundRequestId>,
    start_applied: u64,
    start_rejected: u32,
    reply: oneshot::Sender<Result<Value, NodeError>>,
}

struct NetTask {
    swarm: Swarm<Behaviour>,
    engine: EngineHandle,
    connected: HashMap<PeerId, PeerState>,
    pending: HashMap<OutboundRequestId, (PeerId, Pending)>,
    sessions: HashMap<(PeerId, DocId), Session>,
    /// Per document, partners to run a session with once the document's running session ends
    /// (in order, each once).
    queued: HashMap<DocId, Vec<PeerId>>,
    /// Most sessions with one peer at once ([`MAX_SESSIONS_PER_PEER`] unless configured).
    sessions_per_peer: usize,
    /// (peer, document) pairs whose whole-document transfer failed on the current connection:
    /// their sessions use ordinary sync.
    no_snapshot: HashSet<(PeerId, DocId)>,
    dials: HashMap<libp2p::swarm::ConnectionId, (oneshot::Sender<Result<Value, NodeError>>, Multiaddr)>,
    banned: HashMap<PeerId, Instant>,
    /// When this node last told each partner its space summaries, and their digest.
    last_hello: HashMap<PeerId, (Instant, [u8; 32])>,
    waiters: Vec<SyncWaiter>,
    listen_addrs: Vec<Multiaddr>,
    subscribed: HashSet<gossipsub::TopicHash>,
    lookups: HashMap<kad::QueryId, (PeerId, oneshot::Sender<Result<Value, NodeError>>)>,
    nat: String,
    reservations: HashSet<PeerId>,
    relay_server: bool,
    /// Live events for front ends (document changes from partners, partner status).
    events: tokio::sync::broadcast::Sender<crate::node::NodeEvent>,
    /// The network status for `GET /api/v1/status`, republished after every step of the
    /// event loop, so a caller reads it without waiting for this task (which may be waiting
    /// for the engine).
    status: watch::Sender<Value>,
}

/// How long a hello's summaries count as known to the partner (see `send_hello_with`).
const HELLO_DEDUP: Duration = Duration::from_secs(5);

/// SHA-256 of encoded space summaries.
fn summaries_digest(spaces: &[wire::SpaceSummary]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(wire::encode(&spaces)).into()
}

fn net_err(e: impl std::fmt::Display) -> NodeError {
    NodeError::Network(e.to_string())
}

fn build_swarm(config: &Config, key: &SecretKey) -> Result<Swarm<Behaviour>, NodeError> {
    let keypair = libp2p_keypair(key);
    let mdns_on = config.mdns;
    let relay_on = config.relay_server;
    let proxy = config.proxy.clone();
    let swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_quic()
        // TCP with DNS names and an optional HTTP proxy for dials (see `tcp.rs`).
        .with_other_transport(|key| -> Result<_, Box<dyn std::error::Error + Send + Sync>> {
            use libp2p::Transport as _;
            Ok(self::town_tcp::TownTcp::new(libp2p::tcp::Config::default().nodelay(true), proxy)
                .upgrade(libp2p::core::upgrade::Version::V1)
                .authenticate(noise::Config::new(key)?)
                .multiplex(yamux::Config::default()))
        })
        .map_err(net_err)?
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .map_err(net_err)?
        .with_behaviour(|key, relay_client| {
            let me = key.public().to_peer_id();
            let mut kad = kad::Behaviour::with_config(
                me,
                kad::store::MemoryStore::new(me),
                kad::Config::new(StreamProtocol::new("/twinmesh/kad/1")),
            );
            // Answer queries even before AutoNAT confirms reachability: partners are few and
            // often on private networks.
            kad.set_mode(Some(kad::Mode::Server));
            let gossip_config = gossipsub::ConfigBuilder::default()
                .max_transmit_size(wire::MAX_ANNOUNCE_BYTES * 4)
                .heartbeat_interval(Duration::from_secs(1))
                .validation_mode(gossipsub::ValidationMode::Strict)
                .build()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let gossipsub =
                gossipsub::Behaviour::new(gossipsub::MessageAuthenticity::Signed(key.clone()), gossip_config)
                    .map_err(std::io::Error::other)?;
            let mdns = if mdns_on {
                Some(mdns::tokio::Behaviour::new(mdns::Config::default(), key.public().to_peer_id())?)
            } else {
                None
            };
            Ok(Behaviour {
                identify: identify::Behaviour::new(
                    identify::Config::new("/twinmesh/id/1".into(), key.public())
                        .with_agent_version(AGENT_VERSION.into()),
                ),
                // A partner that stops answering pings is disconnected (libp2p keeps a silent
                // connection open otherwise, and it would never be redialled).
                ping: ping::Behaviour::new(
                    ping::Config::new()
                        .with_interval(Duration::from_secs(10))
                        .with_timeout(Duration::from_secs(10)),
                ),
                mdns: Toggle::from(mdns),
                gossipsub,
                // Newest first: an outbound stream negotiates the first one the peer speaks.
                sync: request_response::Behaviour::new(
                    wire::Version::ALL.map(|v| (StreamProtocol::new(v.protocol()), ProtocolSupport::Full)),
                    request_response::Config::default()
                        .with_request_timeout(Duration::from_secs(30))
                        .with_max_concurrent_streams(64),
                ),
                relay: Toggle::from(relay_on.then(|| relay::Behaviour::new(me, relay::Config::default()))),
                relay_client,
                dcutr: dcutr::Behaviour::new(me),
                autonat: autonat::Behaviour::new(me, autonat::Config::default()),
                kad,
            })
        })
        .map_err(net_err)?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(300)))
        .with_connection_timeout(DIAL_TIMEOUT)
        .build();
    Ok(swarm)
}

/// Starts the network task: listens, redials remembered partners, and runs until `shutdown`.
pub(crate) async fn spawn(
    config: &Config,
    key: &SecretKey,
    engine: EngineHandle,
    cmds: mpsc::Receiver<NetCmd>,
    shutdown: watch::Receiver<bool>,
    events: tokio::sync::broadcast::Sender<crate::node::NodeEvent>,
    status: watch::Sender<Value>,
) -> Result<tokio::task::JoinHandle<()>, NodeError> {
    let mut swarm = build_swarm(config, key)?;
    for addr in &config.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| NodeError::Network(format!("cannot listen on {addr}: {e}")))?;
    }
    let mut task = NetTask {
        swarm,
        engine,
        connected: HashMap::new(),
        pending: HashMap::new(),
        sessions: HashMap::new(),
        queued: HashMap::new(),
        no_snapshot: HashSet::new(),
        dials: HashMap::new(),
        banned: HashMap::new(),
        last_hello: HashMap::new(),
        waiters: Vec::new(),
        listen_addrs: Vec::new(),
        subscribed: HashSet::new(),
        lookups: HashMap::new(),
        nat: "unknown".into(),
        reservations: HashSet::new(),
        relay_server: config.relay_server,
        sessions_per_peer: config.sessions_per_peer.max(1),
        events,
        status,
    };
    // Wait for the listeners to come up, so callers can read the addresses at once.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while task.listen_addrs.len() < config.listen.len() {
        match tokio::time::timeout_at(deadline, task.swarm.select_next_some()).await {
            Ok(ev) => task.on_swarm_event(ev).await,
            Err(_) => break,
        }
    }
    for relay in &config.relays {
        let circuit = relay.clone().with(Protocol::P2pCircuit);
        if let Err(e) = task.swarm.listen_on(circuit.clone()) {
            tracing::warn!(relay = %relay, error = %e, "cannot reserve a slot on the relay");
        }
        if let Some(Protocol::P2p(peer)) = relay.iter().last() {
            task.swarm.behaviour_mut().kad.add_address(&peer, relay.clone());
        }
    }
    task.subscribe_spaces().await;
    if config.redial {
        task.redial_known().await;
    }
    task.publish_status();
    Ok(tokio::spawn(task.run(cmds, shutdown)))
}

impl NetTask {
    async fn run(mut self, mut cmds: mpsc::Receiver<NetCmd>, mut shutdown: watch::Receiver<bool>) {
        let mut redial = tokio::time::interval(REDIAL_INTERVAL);
        redial.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        redial.tick().await;
        let mut sweep = tokio::time::interval(GATE_SWEEP);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.publish_status();
            tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                cmd = cmds.recv() => match cmd {
                    Some(cmd) => self.on_cmd(cmd).await,
                    None => break,
                },
                ev = self.swarm.select_next_some() => self.on_swarm_event(ev).await,
                _ = sweep.tick(), if !self.queued.is_empty() => {
                    let docs: Vec<DocId> = self.queued.keys().copied().collect();
                    for doc in docs {
                        self.run_queued(doc).await;
                    }
                }
                _ = redial.tick() => {
                    self.redial_known().await;
                    // Anti-entropy: compare summaries with every partner now and then, in case
                    // an announcement was missed.
                    let peers: Vec<PeerId> = self.connected.keys().copied().collect();
                    for p in peers {
                        self.send_hello(p).await;
                    }
                }
            }
        }
        for (_, w) in self.waiters.drain(..).map(|w| ((), w)) {
            let _ = w.reply.send(Err(NodeError::Shutdown));
        }
        tracing::debug!("network task stopped");
    }

    async fn subscribe_spaces(&mut self) {
        let Ok(Ok(spaces)) = self.engine.call(|e| e.spaces()).await else { return };
        for s in spaces {
            let topic = gossipsub::IdentTopic::new(wire::space_topic(&s.id));
            if self.subscribed.insert(topic.hash()) {
                let _ = self.swarm.behaviour_mut().gossipsub.subscribe(&topic);
            }
        }
    }

    async fn redial_known(&mut self) {
        let Ok(Ok(peers)) = self.engine.call(|e| e.peers()).await else { return };
        for (key, rec) in peers {
            let peer = crate::identity::peer_id(&key);
            if self.connected.contains_key(&peer) || self.is_banned(&peer) {
                continue;
            }
            let addrs: Vec<Multiaddr> = rec.addrs.iter().filter_map(|a| a.parse().ok()).collect();
            if addrs.is_empty() {
                continue;
            }
            let opts = DialOpts::peer_id(peer).addresses(addrs).build();
            if let Err(e) = self.swarm.dial(opts) {
                tracing::debug!(%peer, error = %e, "redial failed");
            }
        }
    }

    /// The network status, as `GET /api/v1/status` shows it under `network`.
    fn status_json(&self) -> Value {
        let pid = *self.swarm.local_peer_id();
        json!({
            "id": pid.to_string(),
            "listen": self.listen_addrs.iter().map(|a| format!("{a}/p2p/{pid}")).collect::<Vec<_>>(),
            "external": self.swarm.external_addresses().map(|a| a.to_string()).collect::<Vec<_>>(),
            "reachability": self.nat,
            "relay_reservations": self.reservations.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            "connected_peers": self.connected.len(),
            "sessions": self.sessions.len(),
        })
    }

    /// Republishes the network status if it changed (see [`NetTask::status`]).
    fn publish_status(&self) {
        let now = self.status_json();
        self.status.send_if_modified(|v| {
            let changed = *v != now;
            if changed {
                *v = now;
            }
            changed
        });
    }

    // ---- commands ----

    async fn on_cmd(&mut self, cmd: NetCmd) {
        match cmd {
            NetCmd::ListenAddrs(reply) => {
                let _ = reply.send(self.listen_addrs.clone());
            }
            NetCmd::Announce(doc) => self.announce(doc).await,
            NetCmd::Rehello => {
                self.subscribe_spaces().await;
                let peers: Vec<PeerId> = self.connected.keys().copied().collect();
                for p in peers {
                    self.send_hello(p).await;
                }
            }
            NetCmd::Api(req, reply) => match req {
                Request::Dial { addr } => self.dial(addr, reply),
                Request::Peers => {
                    let r = self.peers_json().await;
                    let _ = reply.send(r);
                }
                Request::Sync { doc } => self.start_sync(doc, reply).await,
                Request::Status => {
                    let _ = reply.send(Ok(self.status_json()));
                }
                Request::SpaceInvite { space, role, valid_secs } => {
                    let pid = *self.swarm.local_peer_id();
                    let addrs: Vec<String> =
                        self.listen_addrs.iter().map(|a| format!("{a}/p2p/{pid}")).collect();
                    let ms =
                        valid_secs.unwrap_or(7 * 24 * 3600).saturating_mul(1000).min(i64::MAX as u64) as i64;
                    let r = self.engine.call(move |e| e.invite(&space, role, ms, addrs)).await;
                    let _ = reply.send(r.and_then(|x| x).map(|t| json!({"ticket": t, "role": role})));
                }
                Request::SpaceJoin { ticket } => self.join(ticket, reply).await,
                _ => {
                    let _ = reply.send(Err(NodeError::InvalidInput("not a network request".into())));
                }
            },
        }
    }

    fn dial(&mut self, addr: String, reply: oneshot::Sender<Result<Value, NodeError>>) {
        // A bare PeerId: find its addresses through the partners (Kademlia), then dial.
        if let Ok(peer) = addr.trim().parse::<PeerId>() {
            if self.connected.contains_key(&peer) {
                let _ = reply.send(Ok(json!({"id": peer.to_string(), "connected": true})));
                return;
            }
            let q = self.swarm.behaviour_mut().kad.get_closest_peers(peer);
            self.lookups.insert(q, (peer, reply));
            return;
        }
        let ma: Multiaddr = match addr.trim().parse() {
            Ok(a) => a,
            Err(e) => {
                let _ = reply.send(Err(NodeError::InvalidInput(format!(
                    "'{addr}' is not a multiaddr (e.g. /ip4/192.0.2.10/tcp/4001) or a municipality id: {e}"
                ))));
                return;
            }
        };
        let opts = DialOpts::unknown_peer_id().address(ma.clone()).build();
        let id = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.dials.insert(id, (reply, ma));
            }
            Err(e) => {
                let _ = reply.send(Err(NodeError::Network(format!("cannot dial {ma}: {e}"))));
            }
        }
    }

    async fn rehello_except(&mut self, except: PeerId) {
        let peers: Vec<PeerId> = self.connected.keys().copied().filter(|p| *p != except).collect();
        for p in peers {
            self.send_hello(p).await;
        }
    }

    async fn join(&mut self, ticket: String, reply: oneshot::Sender<Result<Value, NodeError>>) {
        let now = crate::engine::now();
        let t = match crate::engine::Ticket::decode(&ticket, now) {
            Ok(t) => t,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let me = match self.engine.call(|e| e.me().clone()).await {
            Ok(m) => m,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let inviter = crate::identity::peer_id(&t.inviter);
        let addrs: Vec<Multiaddr> = t.addrs.iter().filter_map(|a| a.parse().ok()).collect();
        let req = WireRequest::Join { space: t.space, secret: t.secret, from: me };
        let id = self.swarm.behaviour_mut().sync.send_request_with_addresses(&inviter, req.into(), addrs);
        self.pending.insert(id, (inviter, Pending::Join(reply)));
    }

    async fn peers_json(&mut self) -> Result<Value, NodeError> {
        let known = self.engine.call(|e| e.peers()).await??;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for (key, rec) in known {
            let peer = crate::identity::peer_id(&key);
            seen.insert(peer);
            let state = self.connected.get(&peer);
            let spaces = Self::shared_spaces(self.engine.clone(), key).await;
            out.push(json!({
                "id": peer.to_string(),
                "name": rec.profile.as_ref().map(|p| p.name.clone()),
                "country": rec.profile.as_ref().map(|p| p.country.clone()),
                "connected": state.is_some(),
                "connection": state.map(PeerState::connection),
                "hole_punch": state.and_then(|s| s.hole_punch.clone()),
                "addrs": rec.addrs,
                "last_seen": rec.last_seen,
                "last_seen_utc": rec.last_seen.map(|t| t.to_rfc3339()),
                "syncing_documents": self.sessions.keys().filter(|(p, _)| *p == peer).count(),
                "changes_received": state.map(|s| s.applied).unwrap_or(0),
                "changes_already_held": state.map(|s| s.duplicates).unwrap_or(0),
                "changes_rejected": state.map(|s| s.rejected).unwrap_or(0),
                "frames_refused": state.map(|s| s.refused_frames).unwrap_or(0),
                "spaces": spaces,
            }));
        }
        for (peer, state) in &self.connected {
            if !seen.contains(peer) {
                out.push(json!({
                    "id": peer.to_string(),
                    "name": Value::Null,
                    "connected": true,
                    "connection": state.connection(),
                    "addrs": state.addr.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                    "changes_rejected": state.rejected,
                    "frames_refused": state.refused_frames,
                    "spaces": [],
                }));
            }
        }
        Ok(Value::Array(out))
    }

    async fn shared_spaces(engine: EngineHandle, key: PublicKey) -> Vec<Value> {
        let r = engine
            .call(move |e| -> Result<Vec<Value>, NodeError> {
                let mut out = Vec::new();
                for s in e.spaces()? {
                    if e.is_member(&s.id, &key)? {
                        out.push(json!({"space": s.id, "name": s.name}));
                    }
                }
                Ok(out)
            })
            .await;
        match r {
            Ok(Ok(v)) => v,
            _ => Vec::new(),
        }
    }

    async fn start_sync(&mut self, doc: Option<DocId>, reply: oneshot::Sender<Result<Value, NodeError>>) {
        let peers: Vec<PeerId> = self.connected.keys().copied().collect();
        let mut waiter = SyncWaiter {
            peers: peers.iter().copied().collect(),
            failed: HashSet::new(),
            hellos: HashSet::new(),
            start_applied: self.connected.values().map(|s| s.applied).sum(),
            start_rejected: self.connected.values().map(|s| s.rejected).sum(),
            reply,
        };
        for p in peers {
            match doc {
                Some(d) => self.start_session(p, d).await,
                None => {
                    if let Some(id) = self.send_hello(p).await {
                        waiter.hellos.insert(id);
                    }
                }
            }
        }
        self.waiters.push(waiter);
        self.check_waiters();
    }

    fn check_waiters(&mut self) {
        let mut i = 0;
        while i < self.waiters.len() {
            let w = &self.waiters[i];
            let busy = !w.hellos.is_empty()
                || self.sessions.keys().any(|(p, _)| w.peers.contains(p))
                || self.queued.values().flatten().any(|p| w.peers.contains(p));
            if busy {
                i += 1;
                continue;
            }
            let w = self.waiters.swap_remove(i);
            let applied: u64 = self.connected.values().map(|s| s.applied).sum();
            let rejected: u32 = self.connected.values().map(|s| s.rejected).sum();
            let unreachable: Vec<String> = w.failed.iter().map(|p| p.to_string()).collect();
            let _ = w.reply.send(Ok(json!({
                "peers": w.peers.len().saturating_sub(w.failed.len()),
                "unreachable": unreachable,
                "changes_received": applied.saturating_sub(w.start_applied),
                "changes_rejected": rejected.saturating_sub(w.start_rejected),
            })));
        }
    }

    async fn announce(&mut self, doc: DocId) {
        let Ok(Ok((space, digest, kind))) = self
            .engine
            .call(move |e| e.doc_digest(&doc).and_then(|(s, d)| Ok((s, d, e.doc_meta(&doc)?.kind))))
            .await
        else {
            return;
        };
        let topic = gossipsub::IdentTopic::new(wire::space_topic(&space));
        if self.subscribed.insert(topic.hash()) {
            let _ = self.swarm.behaviour_mut().gossipsub.subscribe(&topic);
        }
        let msg = wire::encode(&Announce { space, doc, kind, heads_digest: digest });
        match self.swarm.behaviour_mut().gossipsub.publish(topic, msg) {
            Ok(_) => {}
            // No partner online: the next hello catches them up.
            Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => {}
            Err(e) => tracing::debug!(error = %e, "announce not published"),
        }
    }

    // ---- hello and sessions ----

    async fn send_hello(&mut self, peer: PeerId) -> Option<OutboundRequestId> {
        self.send_hello_with(peer, false).await
    }

    /// Sends a hello, or, with `unless_recent`, skips it when this node told `peer` the very
    /// same summaries (by request or response) within [`HELLO_DEDUP`]: a reconnect made both
    /// sides say hello again when gossipsub reported the other's topic subscriptions, which
    /// tripled the bytes of a reconnect with nothing new.
    async fn send_hello_with(&mut self, peer: PeerId, unless_recent: bool) -> Option<OutboundRequestId> {
        self.send_hello_noting(peer, unless_recent, None).await
    }

    /// [`Self::send_hello_with`]; with `note`, first records the partner as connected (and at
    /// the address dialed, if any) in the same engine job.
    async fn send_hello_noting(
        &mut self,
        peer: PeerId,
        unless_recent: bool,
        note: Option<Option<String>>,
    ) -> Option<OutboundRequestId> {
        let key = key_of_peer(&peer)?;
        let (from, spaces) = match self
            .engine
            .call(move |e| {
                if let Some(addr) = note
                    && let Err(err) = e.note_peer(&key, addr, None)
                {
                    tracing::warn!(error = %err, "cannot record the partner");
                }
                e.hello_for(&key).map(|s| (e.me().clone(), s))
            })
            .await
        {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot build hello");
                return None;
            }
            Err(_) => return None,
        };
        let digest = summaries_digest(&spaces);
        if unless_recent
            && self.last_hello.get(&peer).is_some_and(|(t, d)| *d == digest && t.elapsed() < HELLO_DEDUP)
        {
            tracing::debug!(%peer, "hello skipped: the partner has these summaries already");
            return None;
        }
        self.last_hello.insert(peer, (Instant::now(), digest));
        let id =
            self.swarm.behaviour_mut().sync.send_request(&peer, WireRequest::Hello { from, spaces }.into());
        self.pending.insert(id, (peer, Pending::Hello));
        Some(id)
    }

    /// Starts a sync session with `peer` about `doc`, or notes that one must run.
    ///
    /// At most one session per document runs at a time (unless it has run for longer than
    /// [`SESSION_GATE`]): the others wait in `queued` and start, one by one, when it ends.
    /// Sessions opened at the same moment with several partners all carried the same Bloom
    /// filter, so every partner sent the same changes this node lacked: in the `converge`
    /// benchmark (10 nodes, all connected) each change reached each node about six times.
    /// A session that starts after the previous one ended asks only for what is still missing.
    async fn start_session(&mut self, peer: PeerId, doc: DocId) {
        if let Some(s) = self.sessions.get_mut(&(peer, doc)) {
            tracing::debug!(%peer, %doc, "session running; will run again");
            s.again = true;
            return;
        }
        let busy = self.doc_busy(&doc);
        if busy || self.peer_sessions(&peer) >= self.sessions_per_peer {
            let q = self.queued.entry(doc).or_default();
            if !q.contains(&peer) {
                if busy {
                    tracing::debug!(%peer, %doc, "another session about the document runs; this one waits");
                } else {
                    tracing::debug!(%peer, %doc, "the partner has its share of sessions; this one waits");
                }
                q.push(peer);
            }
            return;
        }
        tracing::debug!(%peer, %doc, "session start");
        if self.sessions.len() >= MAX_SESSIONS {
            tracing::debug!(%peer, %doc, "too many sessions; sync deferred to the next hello");
            return;
        }
        let Some(key) = key_of_peer(&peer) else { return };
        let whole = !self.no_snapshot.contains(&(peer, doc));
        let (req, pending) = match self.engine.call(move |e| e.session_open(&key, &doc, whole)).await {
            Ok(Ok(Opening::Sync(Some(msg)))) => (WireRequest::Sync(msg), Pending::Sync(doc)),
            Ok(Ok(Opening::Fetch { space, doc })) => (WireRequest::Fetch { space, doc }, Pending::Fetch(doc)),
            Ok(Ok(Opening::Push(snap))) => (WireRequest::Snapshot(snap), Pending::Push(doc)),
            Ok(Ok(Opening::Sync(None))) => return,
            Ok(Err(e)) => {
                tracing::debug!(%peer, %doc, error = %e, "no sync");
                return;
            }
            Err(_) => return,
        };
        let id = self.swarm.behaviour_mut().sync.send_request(&peer, req.into());
        self.pending.insert(id, (peer, pending));
        self.sessions.insert((peer, doc), Session { rounds: 1, again: false, since: Instant::now() });
    }

    /// True if a session about `doc` started less than [`SESSION_GATE`] ago runs.
    fn doc_busy(&self, doc: &DocId) -> bool {
        self.sessions.iter().any(|((_, d), s)| d == doc && s.since.elapsed() < SESSION_GATE)
    }

    /// Sessions running with `peer`.
    fn peer_sessions(&self, peer: &PeerId) -> usize {
        self.sessions.keys().filter(|(p, _)| p == peer).count()
    }

    /// Starts the sessions about `doc` that wait, one at a time, while the document is not busy.
    /// A partner that has its share of sessions running keeps its place; the
    /// periodic sweep looks again.
    async fn run_queued(&mut self, doc: DocId) {
        while !self.doc_busy(&doc) {
            let Some(q) = self.queued.get(&doc) else { return };
            if q.is_empty() {
                self.queued.remove(&doc);
                return;
            }
            let next = q.iter().position(|p| {
                !self.connected.contains_key(p) || self.peer_sessions(p) < self.sessions_per_peer
            });
            let Some(i) = next else { return };
            let Some(q) = self.queued.get_mut(&doc) else { return };
            let peer = q.remove(i);
            if q.is_empty() {
                self.queued.remove(&doc);
            }
            if self.connected.contains_key(&peer) {
                self.start_session(peer, doc).await;
            }
        }
    }

    /// A whole-document transfer with `peer` failed (the peer speaks only version 1, refused
    /// the snapshot, or sent one we refused): run the session again as ordinary sync.
    async fn whole_doc_failed(&mut self, peer: PeerId, doc: DocId) {
        self.no_snapshot.insert((peer, doc));
        self.sessions.remove(&(peer, doc));
        if self.connected.contains_key(&peer) {
            self.start_session(peer, doc).await;
        }
        self.run_queued(doc).await;
        self.check_waiters();
    }

    /// Checks and stores a document sent whole by `peer`, with the same bookkeeping as a sync
    /// round (refused changes count towards the peer's limit; a stored document is announced).
    async fn install(&mut self, peer: PeerId, snap: wire::DocSnapshot) -> Result<Installed, NodeError> {
        let doc = snap.doc;
        let key = key_of_peer(&peer).ok_or_else(|| NodeError::NotAllowed("no key".into()))?;
        let r = self.engine.call(move |e| e.install_snapshot(&key, snap)).await?;
        let state = self.connected.entry(peer).or_default();
        match &r {
            Ok(inst) => {
                state.applied += inst.changes as u64;
                tracing::debug!(%peer, %doc, changes = inst.changes, "document received whole");
                let _ = self
                    .events
                    .send(crate::node::NodeEvent::Doc { doc, origin: crate::node::Origin::Remote });
                self.announce(doc).await;
            }
            Err(NodeError::Rejected { count, first }) => {
                state.rejected = state.rejected.saturating_add(*count as u32);
                let reason =
                    format!("sent document {doc} whole with {count} change(s) we refused; first: {first}");
                self.misbehaved(peer, &reason);
            }
            Err(e) => tracing::info!(%peer, %doc, error = %e, "whole document not stored"),
        }
        r
    }

    async fn end_session(&mut self, peer: PeerId, doc: DocId) {
        tracing::debug!(%peer, %doc, "session end");
        if let Some(session) = self.sessions.remove(&(peer, doc)) {
            let _ = self.events.send(crate::node::NodeEvent::Peers);
            if let Some(s) = self.connected.get_mut(&peer) {
                s.last_sync = Some(std::time::SystemTime::now());
            }
            if session.again && self.connected.contains_key(&peer) {
                // Behind the partners already waiting for this document.
                let q = self.queued.entry(doc).or_default();
                if !q.contains(&peer) {
                    q.push(peer);
                }
            }
        }
        self.run_queued(doc).await;
        // The partner has room again: start what it waits for about other documents.
        let waiting: Vec<DocId> =
            self.queued.iter().filter(|(d, q)| **d != doc && q.contains(&peer)).map(|(d, _)| *d).collect();
        for d in waiting {
            if self.peer_sessions(&peer) >= self.sessions_per_peer {
                break;
            }
            self.run_queued(d).await;
        }
        self.check_waiters();
    }

    /// Receives a round from `peer`, with bookkeeping of refused changes. Changes new to this
    /// node are announced to the other partners, so edits travel on through every member
    /// (store and forward).
    async fn receive(&mut self, peer: PeerId, msg: DocSync) -> Result<Received, wire::Refusal> {
        let doc = msg.doc;
        let Some(key) = key_of_peer(&peer) else {
            return Err(wire::Refusal::NotAMember);
        };
        let r = match self.engine.call(move |e| e.sync_receive(&key, msg)).await {
            Ok(r) => r,
            Err(_) => return Err(wire::Refusal::BadMessage("node shutting down".into())),
        };
        if let Ok(rec) = &r {
            let state = self.connected.entry(peer).or_default();
            state.applied += rec.applied as u64;
            state.duplicates += rec.duplicates as u64;
            state.rejected = state.rejected.saturating_add(rec.rejected.len() as u32);
            if let Some(first) = rec.rejected.first() {
                let reason = format!("sent {} change(s) we refused; first: {first}", rec.rejected.len());
                self.misbehaved(peer, &reason);
            }
            if rec.applied > 0 && rec.space.is_some() {
                let _ = self
                    .events
                    .send(crate::node::NodeEvent::Doc { doc, origin: crate::node::Origin::Remote });
                self.announce(doc).await;
            }
        }
        if let Err(wire::Refusal::BadMessage(why)) = &r {
            // Undecodable, a bad Bloom filter, a wrong signature count: refused whole, as a frame.
            self.refused_frame(peer, &format!("sync round refused whole: {why}"));
        }
        r
    }

    /// A frame from `peer` was refused (by the codec, or whole by the engine): it counts
    /// [`REFUSED_FRAME_WEIGHT`] towards the peer's ban.
    fn refused_frame(&mut self, peer: PeerId, reason: &str) {
        if let Some(state) = self.connected.get_mut(&peer) {
            state.refused_frames = state.refused_frames.saturating_add(1);
            self.misbehaved(peer, reason);
        }
    }

    /// `peer` misbehaved (its counts are already updated): logs it at warn, at most once per
    /// [`OFFENCE_LOG_INTERVAL`], and bans it once its offences pass [`MAX_REJECTED_PER_PEER`]:
    /// it is disconnected, and its connections are refused for [`BAN_TIME`].
    fn misbehaved(&mut self, peer: PeerId, reason: &str) {
        if self.is_banned(&peer) {
            return; // frames still in flight when it was cut off
        }
        let Some(state) = self.connected.get_mut(&peer) else { return };
        let (refused_changes, refused_frames) = (state.rejected, state.refused_frames);
        if state.offences() > MAX_REJECTED_PER_PEER {
            tracing::warn!(
                %peer, reason, refused_changes, refused_frames, ban = ?BAN_TIME,
                "peer misbehaved repeatedly: disconnected, and its connections refused for the ban time"
            );
            self.banned.insert(peer, Instant::now());
            let _ = self.swarm.disconnect_peer_id(peer);
            return;
        }
        match &mut state.warned {
            Some((at, unlogged)) if at.elapsed() < OFFENCE_LOG_INTERVAL => *unlogged += 1,
            warned => {
                let unlogged = warned.map_or(0, |(_, n)| n);
                tracing::warn!(
                    %peer, reason, refused_changes, refused_frames, unlogged,
                    "peer misbehaved (further offences within {OFFENCE_LOG_INTERVAL:?} are not logged)"
                );
                *warned = Some((Instant::now(), 0));
            }
        }
    }

    fn is_banned(&mut self, peer: &PeerId) -> bool {
        match self.banned.get(peer) {
            Some(t) if t.elapsed() < BAN_TIME => true,
            Some(_) => {
                self.banned.remove(peer);
                false
            }
            None => false,
        }
    }

    // ---- swarm events ----

    async fn on_swarm_event(&mut self, ev: SwarmEvent<BehaviourEvent>) {
        match ev {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, "listening");
                // A relay is run on a public address by its operator: its listen addresses are
                // its external addresses (the relay protocol is only offered with one).
                if self.relay_server && !address.iter().any(|p| matches!(p, Protocol::P2pCircuit)) {
                    self.swarm.add_external_address(address.clone());
                }
                self.listen_addrs.push(address);
            }
            SwarmEvent::ConnectionEstablished {
                peer_id, connection_id, endpoint, num_established, ..
            } => {
                if self.is_banned(&peer_id) || key_of_peer(&peer_id).is_none() {
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    if let Some((reply, addr)) = self.dials.remove(&connection_id) {
                        let _ = reply.send(Err(NodeError::Network(format!(
                            "{addr} refused: peer is banned or not a Twinmesh node"
                        ))));
                    }
                    return;
                }
                let dialed_addr = endpoint.is_dialer().then(|| endpoint.get_remote_address().clone());
                let state = self.connected.entry(peer_id).or_default();
                state.links.insert(connection_id, endpoint.is_relayed());
                if dialed_addr.is_some() {
                    state.addr = dialed_addr.clone();
                }
                let seen_at = dialed_addr.as_ref().map(|a| {
                    let mut a = a.clone();
                    if !a.iter().any(|p| matches!(p, libp2p::multiaddr::Protocol::P2p(_))) {
                        a.push(libp2p::multiaddr::Protocol::P2p(peer_id));
                    }
                    a.to_string()
                });
                // The dialer says hello at once; the partner is noted in the same engine job
                // (one hop to the engine thread fewer on every reconnect).
                let hello_now = num_established.get() == 1 && endpoint.is_dialer();
                if !hello_now && let Some(key) = key_of_peer(&peer_id) {
                    let seen_at = seen_at.clone();
                    let _ = self.engine.call(move |e| e.note_peer(&key, seen_at, None)).await;
                }
                if let Some((reply, addr)) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Ok(
                        json!({"id": peer_id.to_string(), "addr": addr.to_string(), "connected": true}),
                    ));
                }
                tracing::info!(peer = %peer_id, "connected");
                let _ = self.events.send(crate::node::NodeEvent::Peers);
                if hello_now {
                    self.send_hello_noting(peer_id, false, Some(seen_at)).await;
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, connection_id, num_established, .. }
                if num_established > 0 =>
            {
                if let Some(state) = self.connected.get_mut(&peer_id) {
                    state.links.remove(&connection_id);
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                tracing::info!(peer = %peer_id, "disconnected");
                let _ = self.events.send(crate::node::NodeEvent::Peers);
                self.connected.remove(&peer_id);
                let mut freed = Vec::new();
                self.sessions.retain(|(p, d), _| {
                    if *p == peer_id {
                        freed.push(*d);
                    }
                    *p != peer_id
                });
                for q in self.queued.values_mut() {
                    q.retain(|p| *p != peer_id);
                }
                self.queued.retain(|_, q| !q.is_empty());
                for doc in freed {
                    self.run_queued(doc).await;
                }
                self.no_snapshot.retain(|(p, _)| *p != peer_id);
                for w in &mut self.waiters {
                    w.peers.remove(&peer_id);
                }
                self.check_waiters();
            }
            SwarmEvent::OutgoingConnectionError { connection_id, peer_id, error } => {
                if let Some((reply, addr)) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Err(NodeError::Network(format!("cannot reach {addr}: {error}"))));
                } else {
                    tracing::debug!(?peer_id, %error, "outgoing connection failed");
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Sync(ev)) => self.on_sync_event(ev).await,
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message,
                ..
            })) => {
                if message.data.len() > wire::MAX_ANNOUNCE_BYTES {
                    return;
                }
                let Ok(a) = wire::decode::<Announce>(&message.data) else { return };
                let Some(key) = key_of_peer(&propagation_source) else { return };
                let (space, doc, kind, digest) = (a.space, a.doc, a.kind, a.heads_digest);
                let wanted = self
                    .engine
                    .call(move |e| -> Result<bool, NodeError> {
                        if !e.is_member(&space, &key)? || !e.is_member(&space, &e.me().key)? {
                            return Ok(false);
                        }
                        if e.differs(&doc, &digest)? {
                            e.expect_doc(space, doc, kind);
                            return Ok(true);
                        }
                        Ok(false)
                    })
                    .await;
                tracing::debug!(%doc, ?wanted, "announce");
                if let Ok(Ok(true)) = wanted {
                    self.start_session(propagation_source, doc).await;
                }
            }
            // A partner joined a space's topic (it just learned the space): compare.
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Subscribed {
                peer_id,
                topic,
            })) if self.subscribed.contains(&topic) => {
                self.send_hello_with(peer_id, true).await;
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                for addr in info.listen_addrs {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                id,
                result: kad::QueryResult::GetClosestPeers(result),
                step,
                ..
            })) => {
                if let Some((target, reply)) = self.lookups.remove(&id) {
                    let found: Vec<Multiaddr> = match &result {
                        Ok(ok) => ok
                            .peers
                            .iter()
                            .filter(|p| p.peer_id == target)
                            .flat_map(|p| p.addrs.clone())
                            .collect(),
                        Err(_) => Vec::new(),
                    };
                    if found.is_empty() {
                        if step.last {
                            let _ = reply.send(Err(NodeError::Network(format!(
                                "no partner knows an address of {target}; give its address instead"
                            ))));
                        } else {
                            self.lookups.insert(id, (target, reply));
                        }
                    } else {
                        let opts = DialOpts::peer_id(target).addresses(found.clone()).build();
                        let cid = opts.connection_id();
                        match self.swarm.dial(opts) {
                            Ok(()) => {
                                self.dials.insert(cid, (reply, found[0].clone()));
                            }
                            Err(e) => {
                                let _ =
                                    reply.send(Err(NodeError::Network(format!("cannot dial {target}: {e}"))));
                            }
                        }
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Autonat(autonat::Event::StatusChanged { new, .. })) => {
                tracing::info!(status = ?new, "reachability");
                self.nat = match new {
                    autonat::NatStatus::Public(a) => format!("public ({a})"),
                    autonat::NatStatus::Private => "private (reachable through relays only)".into(),
                    autonat::NatStatus::Unknown => "unknown".into(),
                };
            }
            SwarmEvent::Behaviour(BehaviourEvent::RelayClient(
                relay::client::Event::ReservationReqAccepted { relay_peer_id, .. },
            )) => {
                tracing::info!(relay = %relay_peer_id, "reserved a slot on the relay");
                self.reservations.insert(relay_peer_id);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event {
                peer,
                connection,
                result: Err(e @ ping::Failure::Timeout),
            })) => {
                tracing::info!(%peer, error = %e, "partner stopped answering; closing the connection");
                self.swarm.close_connection(connection);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Dcutr(dcutr::Event { remote_peer_id, result })) => {
                let outcome = match &result {
                    Ok(_) => "succeeded".to_string(),
                    Err(e) => format!("failed: {e}"),
                };
                tracing::info!(peer = %remote_peer_id, %outcome, "hole punching (direct connection through NAT)");
                if let Some(state) = self.connected.get_mut(&remote_peer_id) {
                    state.hole_punch = Some(outcome);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(list))) => {
                for (peer, addr) in list {
                    if !self.connected.contains_key(&peer) && !self.is_banned(&peer) {
                        let _ = self.swarm.dial(DialOpts::peer_id(peer).addresses(vec![addr]).build());
                    }
                }
            }
            _ => {}
        }
    }

    async fn on_sync_event(&mut self, ev: request_response::Event<Inbound, WireResponse>) {
        match ev {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request { request: Inbound::Refused(why), channel, .. } => {
                    self.refused_frame(peer, &format!("sent a frame we refused: {why}"));
                    let refusal = WireResponse::Refused(wire::Refusal::BadMessage(why));
                    let _ = self.swarm.behaviour_mut().sync.send_response(channel, refusal);
                }
                request_response::Message::Request {
                    request: Inbound::Request(request), channel, ..
                } => {
                    let response = match request {
                        WireRequest::Hello { from, spaces } => {
                            let key = key_of_peer(&peer);
                            let r = match key {
                                Some(k) => {
                                    self.engine
                                        .call(move |e| -> Result<_, NodeError> {
                                            let changed = e.on_hello_answered(&k, from, spaces)?;
                                            Ok((e.me().clone(), e.hello_for(&k)?, changed))
                                        })
                                        .await
                                }
                                None => Ok(Err(NodeError::NotAllowed("no key".into()))),
                            };
                            match r {
                                Ok(Ok((me, spaces, changed))) => {
                                    self.subscribe_spaces().await;
                                    if changed {
                                        let _ = self.events.send(crate::node::NodeEvent::Spaces);
                                        // Tell everyone, the sender too: it may hold documents
                                        // of a space we just learned, and only the side that
                                        // sends a hello compares documents.
                                        let peers: Vec<PeerId> = self.connected.keys().copied().collect();
                                        for p in peers {
                                            self.send_hello(p).await;
                                        }
                                    }
                                    self.last_hello.insert(peer, (Instant::now(), summaries_digest(&spaces)));
                                    WireResponse::Hello { from: me, spaces }
                                }
                                Ok(Err(e)) => WireResponse::Refused(wire::Refusal::BadMessage(e.to_string())),
                                Err(_) => return,
                            }
                        }
                        WireRequest::Join { space, secret, from } => {
                            let Some(key) = key_of_peer(&peer) else { return };
                            if from.key != key {
                                WireResponse::Refused(wire::Refusal::Invitation(
                                    "profile does not match the connection".into(),
                                ))
                            } else {
                                match self.engine.call(move |e| e.redeem(&space, &secret, from)).await {
                                    Ok(Ok((space, log))) => {
                                        self.rehello_except(peer).await;
                                        WireResponse::Joined { space, log }
                                    }
                                    Ok(Err(e)) => {
                                        WireResponse::Refused(wire::Refusal::Invitation(e.to_string()))
                                    }
                                    Err(_) => return,
                                }
                            }
                        }
                        WireRequest::Fetch { space: _, doc } => {
                            let Some(key) = key_of_peer(&peer) else { return };
                            match self.engine.call(move |e| e.snapshot_for(&key, &doc)).await {
                                Ok(Ok(snap)) => WireResponse::Snapshot(snap),
                                Ok(Err(NodeError::NotAllowed(_))) => {
                                    WireResponse::Refused(wire::Refusal::NotAMember)
                                }
                                Ok(Err(NodeError::UnknownDoc(_))) => {
                                    WireResponse::Refused(wire::Refusal::UnknownDoc)
                                }
                                Ok(Err(e)) => WireResponse::Refused(wire::Refusal::BadMessage(e.to_string())),
                                Err(_) => return,
                            }
                        }
                        WireRequest::Snapshot(snap) => {
                            let doc = snap.doc;
                            match self.install(peer, snap).await {
                                Ok(inst) => WireResponse::Installed { doc, heads_digest: inst.heads_digest },
                                Err(NodeError::NotAllowed(_)) => {
                                    WireResponse::Refused(wire::Refusal::NotAMember)
                                }
                                Err(NodeError::Shutdown) => return,
                                Err(NodeError::Rejected { count, first }) => {
                                    WireResponse::Refused(wire::Refusal::BadMessage(format!(
                                        "snapshot refused, nothing stored: {count} change(s) failed verification; first: {first}"
                                    )))
                                }
                                Err(e) => WireResponse::Refused(wire::Refusal::BadMessage(e.to_string())),
                            }
                        }
                        WireRequest::Sync(msg) => {
                            let (space, doc, kind) = (msg.space, msg.doc, msg.kind);
                            match self.receive(peer, msg).await {
                                Ok(rec) => WireResponse::Sync(rec.reply.unwrap_or(DocSync {
                                    space,
                                    doc,
                                    kind,
                                    message: None,
                                    signatures: Default::default(),
                                })),
                                Err(refusal) => WireResponse::Refused(refusal),
                            }
                        }
                    };
                    let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
                }
                request_response::Message::Response { request_id, response } => {
                    let Some((peer, kind)) = self.pending.remove(&request_id) else { return };
                    match (kind, response) {
                        (Pending::Hello, WireResponse::Hello { from, spaces }) => {
                            for w in &mut self.waiters {
                                w.hellos.remove(&request_id);
                            }
                            if let Some(key) = key_of_peer(&peer) {
                                let differ = self.engine.call(move |e| e.on_hello(&key, from, spaces)).await;
                                self.subscribe_spaces().await;
                                if let Ok(Ok((docs, log_changed))) = differ {
                                    if log_changed {
                                        let _ = self.events.send(crate::node::NodeEvent::Spaces);
                                        self.rehello_except(peer).await;
                                    }
                                    for d in docs {
                                        self.start_session(peer, d).await;
                                    }
                                }
                            }
                            self.check_waiters();
                        }
                        (Pending::Sync(doc), WireResponse::Sync(msg)) => {
                            let done_remote = msg.message.is_none();
                            match self.receive(peer, msg).await {
                                Ok(rec) => {
                                    let rounds =
                                        self.sessions.get(&(peer, doc)).map(|s| s.rounds).unwrap_or(0);
                                    match rec.reply {
                                        Some(next)
                                            if rounds < MAX_ROUNDS && self.connected.contains_key(&peer) =>
                                        {
                                            let id = self
                                                .swarm
                                                .behaviour_mut()
                                                .sync
                                                .send_request(&peer, WireRequest::Sync(next).into());
                                            self.pending.insert(id, (peer, Pending::Sync(doc)));
                                            if let Some(s) = self.sessions.get_mut(&(peer, doc)) {
                                                s.rounds += 1;
                                            }
                                        }
                                        Some(_) if rounds >= MAX_ROUNDS => {
                                            tracing::warn!(%peer, %doc, "sync session hit the round limit");
                                            self.end_session(peer, doc).await;
                                        }
                                        _ => {
                                            let _ = done_remote;
                                            self.end_session(peer, doc).await;
                                        }
                                    }
                                }
                                Err(refusal) => {
                                    tracing::debug!(%peer, %doc, %refusal, "sync round refused");
                                    self.end_session(peer, doc).await;
                                }
                            }
                        }
                        (Pending::Join(reply), WireResponse::Joined { space, log }) => {
                            let r = self.engine.call(move |e| e.accept_join(space, log)).await;
                            let result = match r {
                                Ok(Ok(id)) => {
                                    self.subscribe_spaces().await;
                                    self.send_hello(peer).await;
                                    Ok(json!({"space": id, "joined": true, "inviter": peer.to_string()}))
                                }
                                Ok(Err(e)) => Err(e),
                                Err(e) => Err(e),
                            };
                            let _ = reply.send(result);
                        }
                        (Pending::Join(reply), WireResponse::Refused(r)) => {
                            let _ = reply.send(Err(NodeError::NotAllowed(r.to_string())));
                        }
                        (Pending::Join(reply), _) => {
                            let _ = reply.send(Err(NodeError::Network("unexpected answer to a join".into())));
                        }
                        (Pending::Fetch(doc), WireResponse::Snapshot(snap)) if snap.doc == doc => {
                            match self.install(peer, snap).await {
                                Ok(_) => self.end_session(peer, doc).await,
                                Err(_) => self.whole_doc_failed(peer, doc).await,
                            }
                        }
                        (Pending::Push(doc), WireResponse::Installed { doc: d, heads_digest })
                            if d == doc =>
                        {
                            if let Some(key) = key_of_peer(&peer) {
                                let _ = self
                                    .engine
                                    .call(move |e| e.snapshot_installed(&key, &doc, &heads_digest))
                                    .await;
                            }
                            self.end_session(peer, doc).await;
                        }
                        (Pending::Fetch(doc) | Pending::Push(doc), other) => {
                            tracing::debug!(%peer, %doc, response = ?std::mem::discriminant(&other), "whole-document transfer not done; ordinary sync");
                            self.whole_doc_failed(peer, doc).await;
                        }
                        (Pending::Sync(doc), WireResponse::Refused(r)) => {
                            tracing::info!(%peer, %doc, reason = %r, "partner refused sync");
                            self.end_session(peer, doc).await;
                        }
                        (Pending::Hello, other) => {
                            for w in &mut self.waiters {
                                w.hellos.remove(&request_id);
                            }
                            tracing::info!(%peer, response = ?std::mem::discriminant(&other), "hello refused");
                            self.check_waiters();
                        }
                        (Pending::Sync(doc), _) => self.end_session(peer, doc).await,
                    }
                }
            },
            request_response::Event::OutboundFailure { peer, request_id, error, .. } => {
                tracing::debug!(%peer, %error, "request failed");
                if let request_response::OutboundFailure::Io(e) = &error
                    && codec::is_refused_frame(e)
                {
                    self.refused_frame(peer, &format!("answered with a frame we refused: {e}"));
                }
                if let Some((_, kind)) = self.pending.remove(&request_id) {
                    for w in &mut self.waiters {
                        if w.hellos.remove(&request_id) {
                            w.failed.insert(peer);
                        }
                    }
                    match kind {
                        Pending::Sync(doc) => self.end_session(peer, doc).await,
                        // Typically a peer that speaks only version 1: the request failed
                        // before it was sent.
                        Pending::Fetch(doc) | Pending::Push(doc) => self.whole_doc_failed(peer, doc).await,
                        Pending::Join(reply) => {
                            let _ = reply.send(Err(NodeError::Network(format!(
                                "cannot reach the inviting town's node ({error}); it may be offline: try again later"
                            ))));
                        }
                        Pending::Hello => {}
                    }
                    self.check_waiters();
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, %error, "inbound request failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }
}
