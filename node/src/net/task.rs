//! The network task's event loop: one `select!` over shutdown, finished engine jobs, commands,
//! swarm events and two timers. Each arm only moves messages: engine work goes out as a job
//! (`jobs.rs`) and comes back as a [`Done`]; no arm awaits.
//!
//! Every arm calls a plain (not `async`) method, so none can await: the commands' handlers are
//! in `task/commands.rs`, the swarm events' in `task/swarm.rs` (the sync protocol's in
//! `sync.rs`, presence in `presence.rs`, attachments in `blobs.rs`), finished jobs in
//! `jobs.rs`.

mod commands;
mod swarm;
#[cfg(test)]
mod tests;

use super::answers::{NetAnswer, NetStatus};
use std::collections::{HashMap, HashSet};

use futures::{StreamExt, stream::FuturesUnordered};
use libp2p::{
    Multiaddr, PeerId, Swarm, core::transport::ListenerId, gossipsub, kad, multiaddr::Protocol,
    request_response::OutboundRequestId, swarm::ConnectionId,
};
use tokio::sync::{broadcast, oneshot, watch};
use twinmesh_protocol::keys::SecretKey;

use super::{
    NetCmd, NetConfig, NetLinks,
    behaviour::{Behaviour, build_swarm},
    jobs::{Job, MAX_ENGINE_JOBS},
    peers::{Peers, REDIAL_INTERVAL, is_loopback, with_peer_id},
    presence::PresenceBook,
    relay::{RELAY_RETRY, RelayAllow, StrangerLog},
    session::{Driver, GATE_SWEEP, Sent, SyncWaiter},
    status::SyncLog,
};
use crate::{engine::EngineHandle, error::NodeError, event::NodeEvent};

/// A request of this node waiting for its answer.
#[derive(Debug)]
pub(super) enum Pending {
    Hello,
    /// A request of one of this node's sync sessions.
    Session(Sent),
    Join(oneshot::Sender<Result<NetAnswer, NodeError>>),
}

type Reply = oneshot::Sender<Result<NetAnswer, NodeError>>;

pub(super) struct NetTask {
    pub(super) swarm: Swarm<Behaviour>,
    pub(super) engine: EngineHandle,
    /// Engine jobs in flight (see `jobs.rs`).
    pub(super) jobs: FuturesUnordered<Job>,
    pub(super) peers: Peers,
    pub(super) sessions: Driver<PeerId>,
    pub(super) pending: HashMap<OutboundRequestId, (PeerId, Pending)>,
    /// Dials an API caller waits for: its reply, the address, and how many times a dial
    /// through a relay was tried again (see `DIAL_RETRIES_THROUGH_RELAY`).
    dials: HashMap<ConnectionId, (Reply, Multiaddr, u8)>,
    pub(super) waiters: Vec<SyncWaiter>,
    next_waiter: u64,
    listen_addrs: Vec<Multiaddr>,
    pub(super) subscribed: HashSet<gossipsub::TopicHash>,
    lookups: HashMap<kad::QueryId, (PeerId, Reply)>,
    nat: String,
    reservations: HashSet<PeerId>,
    /// The relays to hold a slot on (`--relay-via`), and the listener holding each slot: a
    /// slot lost (the relay restarted, the connection to it dropped, a refusal) is asked for
    /// again every [`RELAY_RETRY`].
    relays: Vec<Multiaddr>,
    relay_listeners: HashMap<ListenerId, Multiaddr>,
    relay_server: bool,
    /// Who this node's relay serves, when it is one (see `relay.rs`).
    pub(super) relay_allow: Option<RelayAllow>,
    /// Rate-limited log lines about strangers this node's relay refused.
    strangers: StrangerLog,
    /// Live events for front ends (document changes from partners, partner status).
    pub(super) events: broadcast::Sender<NodeEvent>,
    /// Attachments being fetched (see `blobs.rs`).
    pub(super) blobs: super::blobs::Fetcher,
    /// The network status for `GET /api/v1/status`, republished after every step of the
    /// event loop, so a caller reads it without waiting for this task.
    status: watch::Sender<NetStatus>,
    /// Who has which document open (see `presence.rs`).
    pub(super) presence: PresenceBook,
    /// Per partner: connections, sync rounds, changes received (see `status.rs`).
    pub(super) sync_log: SyncLog,
    /// Documents announced within their last window (see `announce.rs`).
    pub(super) announced: super::announce::Announcements<PeerId>,
}

pub(super) async fn spawn(
    config: &NetConfig,
    key: &SecretKey,
    engine: EngineHandle,
    links: NetLinks,
) -> Result<tokio::task::JoinHandle<()>, NodeError> {
    // A relay knows whom it serves before it takes its first reservation (the network loop
    // has not started: waiting for the engine here holds nothing up).
    let relay_allow = if config.relay_server {
        let members = engine.call(super::relay::space_members).await??;
        Some(RelayAllow::new(&config.relay_allow, members))
    } else {
        None
    };
    let mut swarm = build_swarm(config, key, relay_allow.as_ref())?;
    for addr in &config.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| NodeError::Network(format!("cannot listen on {addr}: {e}")))?;
    }
    let NetLinks { cmds, shutdown, events, status } = links;
    let mut task = NetTask {
        swarm,
        engine,
        jobs: FuturesUnordered::new(),
        peers: Peers::default(),
        sessions: Driver::new(config.sessions_per_peer),
        pending: HashMap::new(),
        dials: HashMap::new(),
        waiters: Vec::new(),
        next_waiter: 0,
        listen_addrs: Vec::new(),
        subscribed: HashSet::new(),
        lookups: HashMap::new(),
        nat: "unknown".into(),
        reservations: HashSet::new(),
        relays: config.relays.clone(),
        relay_listeners: HashMap::new(),
        relay_server: config.relay_server,
        relay_allow,
        strangers: StrangerLog::default(),
        events,
        blobs: super::blobs::Fetcher::new(config.attachments_eager, config.attachment_rate),
        status,
        presence: PresenceBook::default(),
        sync_log: SyncLog::default(),
        announced: Default::default(),
    };
    // Wait for the listeners to come up, so callers can read the addresses at once.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while task.listen_addrs.len() < config.listen.len() {
        match tokio::time::timeout_at(deadline, task.swarm.select_next_some()).await {
            Ok(ev) => task.on_swarm_event(ev),
            Err(_) => break,
        }
    }
    if config.mdns && mdns_cannot_announce(&config.listen) {
        tracing::warn!(
            node = %task.swarm.local_peer_id(),
            listen = ?config.listen,
            "mDNS is on, but this node listens on loopback only: mDNS runs on the network interfaces \
             and announces only addresses on them, so no town on this machine or network can find \
             it; listen on all interfaces (e.g. --listen /ip4/0.0.0.0/tcp/4002), with a network \
             interface up (LAN or Wi-Fi)"
        );
    }
    for relay in &config.relays {
        if let Some(Protocol::P2p(peer)) = relay.iter().last() {
            task.swarm.behaviour_mut().kad.add_address(&peer, relay.clone());
        }
    }
    task.reserve_relay_slots();
    task.subscribe_spaces();
    if config.redial {
        task.redial_known();
    }
    task.publish_status();
    // With several towns in one process (tests, demos), debug logs say which town wrote them.
    let span = tracing::debug_span!("town", me = %crate::identity::short_id(task.swarm.local_peer_id()));
    Ok(tokio::spawn(tracing::Instrument::instrument(task.run(cmds, shutdown), span)))
}

/// True when every address to listen on is on loopback: libp2p's mDNS runs on the network interfaces
/// only (it skips loopback ones) and answers a query on an interface with the listen addresses
/// on that interface's IP, so such a node announces nothing, even to a town on the same machine.
fn mdns_cannot_announce(listen: &[Multiaddr]) -> bool {
    !listen.is_empty() && listen.iter().all(is_loopback)
}

impl NetTask {
    /// The event loop. Arms in order: shutdown, finished engine jobs (local work first),
    /// commands, swarm events, timers. Commands, swarm events and timers wait while
    /// [`MAX_ENGINE_JOBS`] jobs are in flight.
    async fn run(
        mut self,
        mut cmds: tokio::sync::mpsc::Receiver<NetCmd>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut redial = tokio::time::interval(REDIAL_INTERVAL);
        redial.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        redial.tick().await;
        let mut relay_retry = tokio::time::interval(RELAY_RETRY);
        relay_retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut blob_tick = tokio::time::interval(super::blobs::BLOB_TICK);
        blob_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sweep = tokio::time::interval(GATE_SWEEP);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut presence = tokio::time::interval(twinmesh_protocol::presence::PRESENCE_HEARTBEAT);
        presence.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.publish_status();
            let room = self.jobs.len() < MAX_ENGINE_JOBS;
            tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                Some(done) = self.jobs.next(), if !self.jobs.is_empty() => self.on_done(done),
                cmd = cmds.recv(), if room => match cmd {
                    Some(cmd) => self.on_cmd(cmd),
                    None => break,
                },
                ev = self.swarm.select_next_some(), if room => self.on_swarm_event(ev),
                _ = sweep.tick(), if room && self.sessions.table().has_queued() => {
                    self.drive_sessions(|d, at| d.sweep(at));
                }
                _ = relay_retry.tick(), if room && self.relay_slot_missing() => self.reserve_relay_slots(),
                _ = presence.tick(), if room => self.presence_tick(),
                _ = blob_tick.tick(), if room => self.blob_tick(),
                _ = redial.tick(), if room => {
                    self.redial_known();
                    self.refresh_relay_allow();
                    // Anti-entropy: compare summaries with every partner now and then, in case
                    // an announcement was missed.
                    self.send_hellos(self.peers.ids(), false, None, None);
                }
            }
        }
        for w in self.waiters.drain(..) {
            let _ = w.reply.send(Err(NodeError::Shutdown));
        }
        tracing::debug!("network task stopped");
    }

    /// The network status, as `GET /api/v1/status` shows it under `network`.
    fn status_now(&self) -> NetStatus {
        let pid = *self.swarm.local_peer_id();
        NetStatus {
            id: pid.to_string(),
            listen: self.listen_addrs.iter().map(|a| with_peer_id(a.clone(), pid).to_string()).collect(),
            external: self.swarm.external_addresses().map(|a| a.to_string()).collect(),
            reachability: self.nat.clone(),
            relay_reservations: self.reservations.iter().map(|p| p.to_string()).collect(),
            connected_peers: self.peers.connected.len(),
            sessions: self.sessions.table().len(),
            attachments: self.blobs.status(),
        }
    }

    /// Republishes the network status if it changed (see [`NetTask::status`]).
    fn publish_status(&self) {
        let now = self.status_now();
        self.status.send_if_modified(|v| {
            let changed = *v != now;
            if changed {
                *v = now;
            }
            changed
        });
    }

    /// True if a relay of `--relay-via` holds no listener of this node (its slot was lost or
    /// refused).
    fn relay_slot_missing(&self) -> bool {
        self.relays.len() > self.relay_listeners.len()
    }

    /// Asks each relay of `--relay-via` that holds no listener of this node for a slot.
    fn reserve_relay_slots(&mut self) {
        for relay in self.relays.clone() {
            if self.relay_listeners.values().any(|r| *r == relay) {
                continue;
            }
            match self.swarm.listen_on(relay.clone().with(Protocol::P2pCircuit)) {
                Ok(id) => {
                    self.relay_listeners.insert(id, relay);
                }
                Err(e) => tracing::warn!(relay = %relay, error = %e, "cannot reserve a slot on the relay"),
            }
        }
    }

    /// Reloads from the engine whom this node's relay serves (one job), after the membership
    /// of its spaces may have changed.
    pub(super) fn refresh_relay_allow(&mut self) {
        if self.relay_allow.is_some() {
            self.job(super::work::Work::RelayMembers);
        }
    }

    /// `peer` misbehaved or sent a refused frame: cut it off if that was one too many.
    pub(super) fn cut_off_if(&mut self, ban: bool, peer: PeerId) {
        if ban {
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }
}
