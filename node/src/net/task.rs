//! The network task's event loop: one `select!` over shutdown, finished engine jobs, commands,
//! swarm events and two timers. Each arm only moves messages: engine work goes out as a job
//! (`jobs.rs`) and comes back as a [`Done`]; no arm awaits.

use std::collections::{HashMap, HashSet};

use futures::{StreamExt, stream::FuturesUnordered};
use libp2p::{
    Multiaddr, PeerId, Swarm, autonat,
    core::transport::ListenerId,
    dcutr, gossipsub, identify, kad, mdns,
    multiaddr::Protocol,
    ping, relay,
    request_response::OutboundRequestId,
    swarm::{ConnectionId, SwarmEvent, dial_opts::DialOpts},
};
use serde_json::{Value, json};
use tokio::sync::{broadcast, oneshot, watch};
use twinmesh_protocol::{
    ids::DocId,
    keys::SecretKey,
    wire::{self, Announce},
};

use super::{
    NetCmd, NetConfig, NetLinks, NetRequest,
    behaviour::{Behaviour, BehaviourEvent, build_swarm},
    jobs::{Done, Job, MAX_ENGINE_JOBS},
    peers::{Peers, REDIAL_INTERVAL, announced_addrs, is_loopback, with_peer_id},
    presence::PresenceBook,
    relay::{RELAY_RETRY, RelayAllow, StrangerLog},
    session::{GATE_SWEEP, Sessions, SyncWaiter},
    status::SyncLog,
};
use crate::{engine::EngineHandle, error::NodeError, event::NodeEvent, identity::key_of_peer};

/// A request of this node waiting for its answer.
#[derive(Debug)]
pub(super) enum Pending {
    Hello,
    /// A round of session `id`.
    Sync {
        doc: DocId,
        id: u64,
    },
    /// Asked for a document whole (session `id`).
    Fetch {
        doc: DocId,
        id: u64,
    },
    /// Sent a document whole (session `id`).
    Push {
        doc: DocId,
        id: u64,
    },
    Join(oneshot::Sender<Result<Value, NodeError>>),
}

type Reply = oneshot::Sender<Result<Value, NodeError>>;

pub(super) struct NetTask {
    pub(super) swarm: Swarm<Behaviour>,
    pub(super) engine: EngineHandle,
    /// Engine jobs in flight (see `jobs.rs`).
    pub(super) jobs: FuturesUnordered<Job>,
    pub(super) peers: Peers,
    pub(super) sessions: Sessions,
    pub(super) pending: HashMap<OutboundRequestId, (PeerId, Pending)>,
    dials: HashMap<ConnectionId, (Reply, Multiaddr)>,
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
    status: watch::Sender<Value>,
    /// Who has which document open (see `presence.rs`).
    pub(super) presence: PresenceBook,
    /// Per partner: connections, sync rounds, changes received (see `status.rs`).
    pub(super) sync_log: SyncLog,
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
        sessions: Sessions::new(config.sessions_per_peer),
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
                _ = sweep.tick(), if room && self.sessions.has_queued() => {
                    for doc in self.sessions.queued_docs() {
                        self.run_queued(doc);
                    }
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
    fn status_json(&self) -> Value {
        let pid = *self.swarm.local_peer_id();
        json!({
            "id": pid.to_string(),
            "listen": self.listen_addrs.iter().map(|a| with_peer_id(a.clone(), pid).to_string()).collect::<Vec<_>>(),
            "external": self.swarm.external_addresses().map(|a| a.to_string()).collect::<Vec<_>>(),
            "reachability": self.nat,
            "relay_reservations": self.reservations.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            "connected_peers": self.peers.connected.len(),
            "sessions": self.sessions.len(),
            "attachments": self.blobs.status(),
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
            self.job(super::relay::space_members, |r| Done::RelayMembers(r.and_then(|m| m)));
        }
    }

    /// `peer` misbehaved or sent a refused frame: cut it off if that was one too many.
    pub(super) fn cut_off_if(&mut self, ban: bool, peer: PeerId) {
        if ban {
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }

    // ---- commands ----

    fn on_cmd(&mut self, cmd: NetCmd) {
        match cmd {
            NetCmd::ListenAddrs(reply) => {
                let _ = reply.send(self.listen_addrs.clone());
            }
            NetCmd::Announce(doc) => self.announce(doc),
            // The hello batch subscribes to new spaces' topics too.
            NetCmd::Rehello => {
                self.refresh_relay_allow();
                self.send_hellos(self.peers.ids(), false, None, None)
            }
            NetCmd::Api(req, reply) => match req {
                NetRequest::Dial { addr } => self.dial(addr, reply),
                NetRequest::Peers => self.peer_list(reply),
                NetRequest::Sync { doc } => {
                    // "Sync now" reaches the partners that are offline too, now rather than at
                    // the next redial; they sync as they connect.
                    if doc.is_none() {
                        self.redial_known();
                    }
                    self.start_sync(doc, reply)
                }
                NetRequest::SpaceInvite { space, role, valid_secs } => {
                    let pid = *self.swarm.local_peer_id();
                    let addrs: Vec<String> =
                        self.listen_addrs.iter().map(|a| with_peer_id(a.clone(), pid).to_string()).collect();
                    let ms =
                        valid_secs.unwrap_or(7 * 24 * 3600).saturating_mul(1000).min(i64::MAX as u64) as i64;
                    self.job(
                        move |e| e.invite(&space, role, ms, addrs),
                        move |r| Done::Reply {
                            reply,
                            result: r
                                .and_then(|x| x)
                                .map(|t| {
                                    json!({"qr_svg": crate::qr::svg(&t), "link": crate::qr::join_link(&t), "ticket": t, "role": role})
                                }),
                        },
                    );
                }
                NetRequest::SpaceJoin { ticket } => self.join(ticket, reply),
                NetRequest::SyncStatus => self.sync_status(reply),
                NetRequest::Presence { doc, viewer } => self.presence_request(doc, viewer, reply),
            },
        }
    }

    fn dial(&mut self, addr: String, reply: Reply) {
        // A bare PeerId: find its addresses through the partners (Kademlia), then dial.
        if let Ok(peer) = addr.trim().parse::<PeerId>() {
            if self.peers.is_connected(&peer) {
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
        self.dial_for(reply, DialOpts::unknown_peer_id().address(ma.clone()).build(), ma);
    }

    /// Dials for an API caller, who gets the answer when the connection is up or failed.
    fn dial_for(&mut self, reply: Reply, opts: DialOpts, shown: Multiaddr) {
        let id = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.dials.insert(id, (reply, shown));
            }
            Err(e) => {
                let _ = reply.send(Err(NodeError::Network(format!("cannot dial {shown}: {e}"))));
            }
        }
    }

    fn join(&mut self, ticket: String, reply: Reply) {
        let t = match crate::engine::Ticket::decode(&ticket, crate::engine::now()) {
            Ok(t) => t,
            Err(e) => {
                let _ = reply.send(Err(e.into()));
                return;
            }
        };
        let inviter = crate::identity::peer_id(&t.inviter);
        let addrs: Vec<Multiaddr> = t.addrs.iter().filter_map(|a| a.parse().ok()).collect();
        let (space, secret) = (t.space, t.secret);
        self.job(|e| e.me().clone(), move |me| Done::JoinReady { inviter, addrs, space, secret, reply, me });
    }

    fn start_sync(&mut self, doc: Option<DocId>, reply: Reply) {
        let peers = self.peers.ids();
        let (start_applied, start_rejected) = self.peers.totals();
        self.next_waiter += 1;
        let id = self.next_waiter;
        self.waiters.push(SyncWaiter {
            id,
            peers: peers.iter().copied().collect(),
            failed: HashSet::new(),
            hellos: HashSet::new(),
            preparing: doc.is_none(),
            start_applied,
            start_rejected,
            reply,
        });
        match doc {
            Some(d) => {
                for p in peers {
                    self.start_session(p, d);
                }
                self.check_waiters();
            }
            None => self.send_hellos(peers, false, Some(id), None),
        }
    }

    // ---- swarm events (the sync protocol's are in `sync.rs`) ----

    pub(super) fn on_swarm_event(&mut self, ev: SwarmEvent<BehaviourEvent>) {
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
                let key = key_of_peer(&peer_id);
                if self.peers.is_banned(&peer_id) || key.is_none() {
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    if let Some((reply, addr)) = self.dials.remove(&connection_id) {
                        let _ = reply.send(Err(NodeError::Network(format!(
                            "{addr} refused: peer is banned or not a Twinmesh node"
                        ))));
                    }
                    return;
                }
                let dialed_addr = endpoint.is_dialer().then(|| endpoint.get_remote_address().clone());
                let state = self.peers.connected.entry(peer_id).or_default();
                state.links.insert(connection_id, endpoint.is_relayed());
                if dialed_addr.is_some() {
                    state.addr = dialed_addr.clone();
                }
                let seen_at: Vec<String> =
                    dialed_addr.map(|a| with_peer_id(a, peer_id).to_string()).into_iter().collect();
                if let Some((reply, addr)) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Ok(
                        json!({"id": peer_id.to_string(), "addr": addr.to_string(), "connected": true}),
                    ));
                }
                tracing::info!(peer = %peer_id, "connected");
                if num_established.get() == 1 {
                    self.sync_log.connected(peer_id);
                    self.presence_peer_connected(peer_id);
                }
                let _ = self.events.send(NodeEvent::Peers);
                // The dialer says hello at once; the partner is noted in the same engine job
                // (one hop to the engine thread fewer on every reconnect).
                let hello_now = num_established.get() == 1 && endpoint.is_dialer();
                if let Some(key) = key {
                    if hello_now {
                        self.send_hellos(vec![peer_id], false, None, Some((key, seen_at)));
                    } else {
                        self.job(move |e| e.note_peer(&key, seen_at, None), |_| Done::Nothing);
                    }
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, connection_id, num_established, .. }
                if num_established > 0 =>
            {
                if let Some(state) = self.peers.connected.get_mut(&peer_id) {
                    state.links.remove(&connection_id);
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                tracing::info!(peer = %peer_id, "disconnected");
                let _ = self.events.send(NodeEvent::Peers);
                self.peers.disconnected(&peer_id);
                self.sync_log.disconnected(peer_id);
                self.presence_peer_gone(&peer_id);
                // Its sessions end here; jobs and answers about them still on their way find no
                // session and are dropped (see `session::Session::id`).
                for doc in self.sessions.drop_peer(&peer_id) {
                    self.run_queued(doc);
                }
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
            SwarmEvent::Behaviour(BehaviourEvent::Sync(ev)) => self.on_sync_event(ev),
            SwarmEvent::Behaviour(BehaviourEvent::Presence(ev)) => self.on_presence_event(ev),
            SwarmEvent::Behaviour(BehaviourEvent::Blobs(ev)) => self.on_blob_event(ev),
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message,
                ..
            })) => {
                if message.data.len() > wire::MAX_ANNOUNCE_BYTES {
                    return;
                }
                // Sync with the town that published the announcement when it is connected: it
                // holds the heads it announced, while the partner that forwarded it may not
                // have them yet (gossipsub forwards before anyone syncs). Following forwarders
                // made an edit travel hop by hop at 30 towns, with a wasted session per hop.
                // (`source` is the publisher, verified by gossipsub's signed, strict mode.)
                let me = *self.swarm.local_peer_id();
                let peer = message
                    .source
                    .filter(|s| *s != me && self.swarm.is_connected(s))
                    .unwrap_or(propagation_source);
                let Ok(a) = wire::decode::<Announce>(&message.data) else { return };
                let Some(key) = key_of_peer(&peer) else { return };
                let (space, doc, kind, digest) = (a.space, a.doc, a.kind, a.heads_digest);
                self.job(
                    move |e| -> Result<bool, NodeError> {
                        if !e.is_member(&space, &key)? || !e.is_member(&space, &e.me().key)? {
                            return Ok(false);
                        }
                        e.note_partner_digest(&key, &doc, &digest);
                        if e.differs(&doc, &digest)? {
                            e.expect_doc(space, doc, kind);
                            return Ok(true);
                        }
                        Ok(false)
                    },
                    move |r| Done::AnnounceHeard { peer, doc, wanted: r.and_then(|w| w) },
                );
            }
            // A partner joined a space's topic (it just learned the space): compare.
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Subscribed {
                peer_id,
                topic,
            })) if self.subscribed.contains(&topic) => {
                self.send_hellos(vec![peer_id], true, None, None);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                // Remember what the partner announces (relayed addresses included, pushed again
                // when its reservation comes up), after the address this node reached it at, so
                // that a restart dials it at once (see `redial_known`).
                let mut addrs: Vec<String> = self
                    .peers
                    .connected
                    .get(&peer_id)
                    .and_then(|s| s.addr.clone())
                    .map(|a| with_peer_id(a, peer_id).to_string())
                    .into_iter()
                    .collect();
                // It saw this node at a loopback address: it runs on this machine.
                let same_machine = is_loopback(&info.observed_addr);
                addrs.extend(announced_addrs(peer_id, &info.listen_addrs, same_machine));
                for addr in info.listen_addrs {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
                if let Some(key) = key_of_peer(&peer_id) {
                    self.job(move |e| e.note_partner_addrs(&key, addrs), |_| Done::Nothing);
                }
            }
            // A town took a slot on this relay: partners that ask this relay for the town's
            // addresses (`twin dial TOWN_ID`) learn its relayed address here.
            SwarmEvent::Behaviour(BehaviourEvent::Relay(relay::Event::ReservationReqAccepted {
                src_peer_id,
                ..
            })) => {
                let me = *self.swarm.local_peer_id();
                let circuits: Vec<Multiaddr> = self
                    .swarm
                    .external_addresses()
                    .filter(|a| !a.iter().any(|p| matches!(p, Protocol::P2pCircuit)))
                    .map(|a| {
                        with_peer_id(a.clone(), me)
                            .with(Protocol::P2pCircuit)
                            .with(Protocol::P2p(src_peer_id))
                    })
                    .collect();
                for addr in circuits {
                    self.swarm.behaviour_mut().kad.add_address(&src_peer_id, addr);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                id,
                result: kad::QueryResult::GetClosestPeers(result),
                step,
                ..
            })) => {
                let Some((target, reply)) = self.lookups.remove(&id) else { return };
                // The lookup itself may have connected to it (Kademlia asks the target too, over
                // the relay if need be), even if that request then failed (a hole punch that
                // replaced the relayed connection midway): then it is reached.
                if self.peers.is_connected(&target) {
                    let _ = reply.send(Ok(json!({"id": target.to_string(), "connected": true})));
                    return;
                }
                let found: Vec<Multiaddr> = match &result {
                    Ok(ok) => ok
                        .peers
                        .iter()
                        .filter(|p| p.peer_id == target)
                        .flat_map(|p| p.addrs.clone())
                        .collect(),
                    Err(_) => Vec::new(),
                };
                match found.first() {
                    Some(first) => {
                        let first = first.clone();
                        self.dial_for(reply, DialOpts::peer_id(target).addresses(found).build(), first);
                    }
                    None if step.last => {
                        let _ = reply.send(Err(NodeError::Network(format!(
                            "no partner knows an address of {target}; give its address instead"
                        ))));
                    }
                    None => {
                        self.lookups.insert(id, (target, reply));
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
                relay::client::Event::ReservationReqAccepted { relay_peer_id, renewal, .. },
            )) => {
                self.reservations.insert(relay_peer_id);
                if !renewal {
                    tracing::info!(relay = %relay_peer_id, "reserved a slot on the relay");
                    // A slot regained (the relay restarted, a circuit was cut): partners that
                    // reach this town only through the relay can now, so dial them at once
                    // rather than at the next redial; the hello resumes the sync.
                    self.redial_known();
                }
            }
            SwarmEvent::ListenerClosed { listener_id, reason, .. } => {
                let Some(relay) = self.relay_listeners.remove(&listener_id) else { return };
                if let Some(Protocol::P2p(peer)) = relay.iter().last() {
                    self.reservations.remove(&peer);
                }
                match reason {
                    Ok(()) => tracing::info!(%relay, "slot on the relay lost; asking again"),
                    Err(e) => {
                        tracing::warn!(%relay, error = %e, "the relay refused or dropped this town's slot; asking again")
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Relay(relay::Event::ReservationReqDenied {
                src_peer_id,
                status,
            })) => self.relay_refused(src_peer_id, "reservation", status),
            SwarmEvent::Behaviour(BehaviourEvent::Relay(relay::Event::CircuitReqDenied {
                src_peer_id,
                status,
                ..
            })) => self.relay_refused(src_peer_id, "circuit", status),
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
                if let Some(state) = self.peers.connected.get_mut(&remote_peer_id) {
                    state.hole_punch = Some(outcome);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(list))) => {
                for (peer, addr) in list {
                    if !self.peers.is_connected(&peer) && !self.peers.is_banned(&peer) {
                        let _ = self.swarm.dial(DialOpts::peer_id(peer).addresses(vec![addr]).build());
                    }
                }
            }
            _ => {}
        }
    }

    /// This node's relay refused `peer` a reservation or a circuit: a stranger is logged at
    /// warn (rate-limited per peer); a town it serves hit a limit (debug).
    fn relay_refused(&mut self, peer: PeerId, what: &str, status: relay::StatusCode) {
        if self.relay_allow.as_ref().is_some_and(|a| a.allows(&peer)) {
            tracing::debug!(%peer, refused = what, ?status, "relay limit");
        } else {
            self.strangers.refused(peer, what, std::time::Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mdns_cannot_announce_loopback_only_listen_addresses() {
        let addrs =
            |list: &[&str]| -> Vec<Multiaddr> { list.iter().map(|a| a.parse().expect("addr")).collect() };
        assert!(mdns_cannot_announce(&addrs(&["/ip4/127.0.0.1/tcp/4001", "/ip6/::1/udp/4001/quic-v1"])));
        assert!(!mdns_cannot_announce(&addrs(&["/ip4/127.0.0.1/tcp/4001", "/ip4/192.0.2.2/tcp/4001"])));
        assert!(!mdns_cannot_announce(&addrs(&["/ip4/0.0.0.0/tcp/4001"])));
        assert!(!mdns_cannot_announce(&[]), "a node listening nowhere has nothing to announce anyway");
    }
}
