//! Engine jobs: every engine call the network task makes is a [`Work`] (`work.rs`, one variant
//! per operation) run as a future in its job set, polled by the event loop's `select!` beside
//! the swarm; the loop never awaits the engine. A job ends in a [`Done`], which carries what
//! the loop needs to finish the step without another look at the engine (the reply channel,
//! the session it belongs to, ...).
//!
//! The set polls a new job first in the order jobs were pushed, and a job's first step is
//! to queue itself on the engine's (first come, first served) queue: the engine runs the jobs
//! of one step of the loop in the order the loop pushed them.

use super::answers::{Joined, NetAnswer, SyncReport};
use super::{
    announce::{ANNOUNCE_WINDOW, When},
    work::Work,
};
use libp2p::{
    Multiaddr, PeerId, gossipsub,
    request_response::{OutboundRequestId, ResponseChannel},
    swarm::dial_opts::DialOpts,
};
use tokio::sync::oneshot;
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::PublicKey,
    membership::SignedOp,
    schema::DocKind,
    space::{Municipality, SignedSpace},
    wire::{
        self, Announce, DocSnapshot, Refusal, Request as WireRequest, Response as WireResponse, SpaceSummary,
    },
};

use super::{
    peers::KnownPeer,
    session::{self, SyncWaiter},
    task::{NetTask, Pending},
};
use crate::{
    engine::{
        Installed, Opening,
        sync::{PeerRecord, Received},
    },
    error::NodeError,
    identity::key_of_peer,
};

/// Engine jobs in flight from the network task. Past this the loop stops taking commands and
/// swarm events (so peers' streams wait in libp2p, bounded there) until jobs complete; the
/// engine's own queue holds 64, so this leaves room for a burst without letting a flood of
/// requests grow the set without bound.
pub(super) const MAX_ENGINE_JOBS: usize = 256;

/// A job's future.
pub(super) type Job = futures::future::BoxFuture<'static, Done>;

/// Where the result of a received round or document goes.
pub(super) enum Answer {
    /// A request from the partner: answer it on this channel.
    Inbound(ResponseChannel<WireResponse>),
    /// The answer to a request of this node's session with this id.
    Session(u64),
}

/// The hellos a batch job built: this node's profile, its spaces (to subscribe to), and per
/// partner its summaries.
pub(super) type HelloBatch =
    (Municipality, Vec<SpaceId>, Vec<(PeerId, Result<Vec<SpaceSummary>, NodeError>)>);

/// A finished engine job and what the loop needs to act on it. An outer `Err` is an engine
/// that is shutting down.
pub(super) enum Done {
    /// Nothing left to do (the engine recorded something).
    Nothing,
    /// The announcement window of a document ended: announce it again if it changed since.
    AnnounceWindowEnded(DocId),
    /// A caller's dial through a relay failed: try it again now (see `swarm.rs`).
    DialAgain { reply: oneshot::Sender<Result<NetAnswer, NodeError>>, addr: libp2p::Multiaddr, retried: u8 },
    /// This node's spaces: subscribe to their topics.
    Spaces(Result<Vec<SpaceId>, NodeError>),
    /// The towns this node's relay serves (members of its spaces).
    RelayMembers(Result<std::collections::HashSet<PeerId>, NodeError>),
    /// Hellos to send (for `waiter`, a `twin sync`, if any).
    Hellos { unless_recent: bool, waiter: Option<u64>, built: Result<HelloBatch, NodeError> },
    /// The remembered partners, to redial.
    Redial(Result<Vec<(PublicKey, PeerRecord)>, NodeError>),
    /// The remembered partners and their shared spaces, for the peer list.
    PeerList {
        reply: oneshot::Sender<Result<NetAnswer, NodeError>>,
        known: Result<Vec<KnownPeer>, NodeError>,
    },
    /// A presence job (see `presence.rs`).
    Presence(super::presence::PresenceDone),
    /// An answer for an API caller.
    Reply { reply: oneshot::Sender<Result<NetAnswer, NodeError>>, result: Result<NetAnswer, NodeError> },
    /// This node's profile, to ask the inviter of a ticket to let it join.
    JoinReady {
        inviter: PeerId,
        addrs: Vec<Multiaddr>,
        space: SpaceId,
        secret: [u8; 16],
        reply: oneshot::Sender<Result<NetAnswer, NodeError>>,
        me: Result<Municipality, NodeError>,
    },
    /// The joined space stored (and this node's spaces).
    Joined {
        inviter: PeerId,
        reply: oneshot::Sender<Result<NetAnswer, NodeError>>,
        joined: Result<(SpaceId, Vec<SpaceId>), NodeError>,
    },
    /// A local document's digest, to announce.
    Announce(Result<(SpaceId, DocId, [u8; 32], DocKind), NodeError>),
    /// Whether a partner's announcement asks for a session.
    AnnounceHeard { peer: PeerId, doc: DocId, wanted: Result<bool, NodeError> },
    /// How session `id` opens.
    SessionOpened { peer: PeerId, doc: DocId, id: u64, opening: Result<Opening, NodeError> },
    /// The answer to a partner's hello (and whether a log grew, and this node's spaces).
    HelloAnswered {
        peer: PeerId,
        channel: ResponseChannel<WireResponse>,
        answer: Result<(Municipality, Vec<SpaceSummary>, bool, Vec<SpaceId>), NodeError>,
    },
    /// A partner answered this node's hello: the documents that differ, whether a log grew,
    /// and this node's spaces.
    HelloResponse {
        peer: PeerId,
        request_id: OutboundRequestId,
        differ: Result<(Vec<DocId>, bool, Vec<SpaceId>), NodeError>,
    },
    /// A partner's ticket redeemed, or not.
    Redeemed {
        peer: PeerId,
        channel: ResponseChannel<WireResponse>,
        redeemed: Result<(SignedSpace, Vec<SignedOp>), NodeError>,
    },
    /// A document whole, for a partner's `Fetch`.
    Served { peer: PeerId, channel: ResponseChannel<WireResponse>, snapshot: Result<DocSnapshot, NodeError> },
    /// A document sent whole by a partner, checked and stored or refused.
    Installed { peer: PeerId, doc: DocId, to: Answer, installed: Result<Installed, NodeError> },
    /// An attachment job (see `blobs.rs`).
    Blob(super::blobs::BlobDone),
    /// A sync round from a partner, taken in.
    Received {
        peer: PeerId,
        round: (SpaceId, DocId, DocKind),
        to: Answer,
        received: Result<Result<Received, Refusal>, NodeError>,
    },
}

impl NetTask {
    /// Runs `work` on the engine thread as a job; its [`Done`] comes back to the loop.
    pub(super) fn job(&mut self, work: Work) {
        self.jobs.push(Box::pin(work.run(self.engine.clone())));
    }

    /// Acts on a finished job. Never awaits.
    pub(super) fn on_done(&mut self, done: Done) {
        match done {
            Done::Nothing => {}
            Done::AnnounceWindowEnded(doc) => {
                if self.announced.window_ended(doc) {
                    self.announce(doc, false);
                }
            }
            Done::DialAgain { reply, addr, retried } => {
                let opts =
                    libp2p::swarm::dial_opts::DialOpts::unknown_peer_id().address(addr.clone()).build();
                self.dial_attempt(reply, opts, addr, retried);
            }
            Done::Blob(done) => self.on_blob_done(done),
            Done::Spaces(spaces) => self.subscribe(spaces.unwrap_or_default()),
            Done::RelayMembers(Ok(members)) => {
                if let Some(allow) = &self.relay_allow {
                    allow.set_members(members);
                }
            }
            Done::RelayMembers(Err(e)) => tracing::debug!(error = %e, "relay members not reloaded"),
            Done::Hellos { unless_recent, waiter, built } => self.hellos_built(unless_recent, waiter, built),
            Done::Redial(known) => {
                let Ok(known) = known else { return };
                for (peer, addrs) in self.peers.redial_targets(known) {
                    // From a fresh port, as for mDNS (`task/swarm.rs`): a town that restarts
                    // redials its partners while they may be dialing it; dialing from the
                    // listening port then makes a TCP simultaneous open in which both sides are
                    // the dialer, and the handshake fails for both dials ("input error").
                    let opts = DialOpts::peer_id(peer).addresses(addrs).allocate_new_port().build();
                    if let Err(e) = self.swarm.dial(opts) {
                        tracing::debug!(%peer, error = %e, "redial failed");
                    }
                }
            }
            Done::PeerList { reply, known } => {
                let sessions = self.sessions.table();
                let list = known.map(|k| NetAnswer::Peers(self.peers.list(k, |p| sessions.peer_sessions(p))));
                let _ = reply.send(list);
            }
            Done::Reply { reply, result } => {
                let _ = reply.send(result);
            }
            Done::Presence(p) => self.on_presence_done(p),
            Done::JoinReady { inviter, addrs, space, secret, reply, me } => match me {
                Ok(me) => {
                    let req = WireRequest::Join { space, secret, from: me };
                    let id = self.swarm.behaviour_mut().sync.send_request_with_addresses(
                        &inviter,
                        req.into(),
                        addrs,
                    );
                    self.pending.insert(id, (inviter, Pending::Join(reply)));
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            Done::Joined { inviter, reply, joined } => {
                let result = joined.map(|(id, spaces)| {
                    self.subscribe(spaces);
                    self.refresh_relay_allow();
                    self.send_hellos(vec![inviter], false, None, None);
                    NetAnswer::Joined(Joined { space: id, joined: true, inviter: inviter.to_string() })
                });
                let _ = reply.send(result);
            }
            Done::Announce(Ok((space, doc, digest, kind))) => self.publish(space, doc, digest, kind),
            Done::Announce(Err(_)) => {}
            Done::AnnounceHeard { peer, doc, wanted } => {
                tracing::debug!(%doc, ?wanted, "announce");
                if matches!(wanted, Ok(true)) && self.peers.is_connected(&peer) {
                    self.start_session(peer, doc);
                }
            }
            Done::SessionOpened { peer, doc, id, opening } => self.session_opened(peer, doc, id, opening),
            Done::HelloAnswered { peer, channel, answer } => self.hello_answered(peer, channel, answer),
            Done::HelloResponse { peer, request_id, differ } => self.hello_response(peer, request_id, differ),
            Done::Redeemed { peer, channel, redeemed } => {
                let response = match redeemed {
                    Ok((space, log)) => {
                        self.refresh_relay_allow();
                        self.rehello_except(peer);
                        WireResponse::Joined { space, log }
                    }
                    Err(NodeError::Shutdown) => return,
                    Err(e) => WireResponse::Refused(Refusal::Invitation(e.to_string())),
                };
                let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
            }
            Done::Served { peer, channel, snapshot } => {
                if snapshot.is_ok() {
                    self.note_round(peer, 0);
                }
                let Some(response) = session::served_reply(snapshot) else { return };
                let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
            }
            Done::Installed { peer, doc, to, installed } => self.installed(peer, doc, to, installed),
            Done::Received { peer, round, to, received } => self.received(peer, round, to, received),
        }
    }

    /// Subscribes to the topics of `spaces` not yet subscribed to.
    pub(super) fn subscribe(&mut self, spaces: Vec<SpaceId>) {
        for s in spaces {
            let topic = gossipsub::IdentTopic::new(wire::space_topic(&s));
            if self.subscribed.insert(topic.hash()) {
                let _ = self.swarm.behaviour_mut().gossipsub.subscribe(&topic);
            }
        }
    }

    /// Subscribes to every space's topic (one job).
    pub(super) fn subscribe_spaces(&mut self) {
        self.job(Work::Subscribe);
    }

    /// Redials the remembered partners that are not connected (one job for all).
    pub(super) fn redial_known(&mut self) {
        self.job(Work::Redial);
    }

    /// Answers the peer list (one job for all partners).
    pub(super) fn peer_list(&mut self, reply: oneshot::Sender<Result<NetAnswer, NodeError>>) {
        self.job(Work::PeerList { reply });
    }

    /// Announces the heads of a document this node changed or received (one job): at once,
    /// unless its window's burst is spent, then at the window's end with the heads it has
    /// then; a `local` change (this town's edit) also goes at once by a session to the
    /// partners following the document live (see `announce.rs`).
    pub(super) fn announce(&mut self, doc: DocId, local: bool) {
        match self.announced.changed(doc) {
            When::Later => {
                // The partners following the document live sync now, not at the window's end.
                // Only for this town's own edits: changes received from a partner travel on
                // through the sessions their arrival starts (doing it for them too made a
                // burst across 30 towns a third slower, twinbench `network`).
                let followers =
                    if local { self.announced.followers(doc, std::time::Instant::now()) } else { Vec::new() };
                for peer in followers {
                    if self.peers.is_connected(&peer) {
                        self.start_session(peer, doc);
                    }
                }
                return;
            }
            When::Now { window_opens: true } => self.jobs.push(Box::pin(async move {
                tokio::time::sleep(ANNOUNCE_WINDOW).await;
                Done::AnnounceWindowEnded(doc)
            })),
            When::Now { window_opens: false } => {}
        }
        self.job(Work::Announce { doc });
    }

    fn publish(&mut self, space: SpaceId, doc: DocId, digest: [u8; 32], kind: DocKind) {
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

    /// Sends hellos to `peers`, built in one engine job (see [`Self::hellos_built`]); with
    /// `note`, first records a partner as connected (at the address dialed, if any) in the same
    /// job. A `waiter` (a `twin sync`) waits for these hellos' answers.
    pub(super) fn send_hellos(
        &mut self,
        peers: Vec<PeerId>,
        unless_recent: bool,
        waiter: Option<u64>,
        note: Option<(PublicKey, Vec<String>)>,
    ) {
        let keyed: Vec<(PeerId, PublicKey)> =
            peers.into_iter().filter_map(|p| Some((p, key_of_peer(&p)?))).collect();
        if keyed.is_empty() && note.is_none() {
            self.waiter_sent(waiter, Vec::new());
            return;
        }
        self.job(Work::Hellos { keyed, note, unless_recent, waiter });
    }

    /// Sends the hellos a batch job built, to the partners still connected, and lets the
    /// waiter, if any, count them.
    fn hellos_built(
        &mut self,
        unless_recent: bool,
        waiter: Option<u64>,
        built: Result<HelloBatch, NodeError>,
    ) {
        let mut sent = Vec::new();
        match built {
            Ok((from, spaces, hellos)) => {
                self.subscribe(spaces);
                for (peer, summaries) in hellos {
                    let summaries = match summaries {
                        Ok(s) => s,
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot build hello");
                            continue;
                        }
                    };
                    // It disconnected while the hello was built: sending would dial it again.
                    if !self.peers.is_connected(&peer) {
                        continue;
                    }
                    if !self.peers.hello_is_news(peer, &summaries, unless_recent) {
                        tracing::debug!(%peer, "hello skipped: the partner has these summaries already");
                        continue;
                    }
                    let req = WireRequest::Hello { from: from.clone(), spaces: summaries };
                    let id = self.swarm.behaviour_mut().sync.send_request(&peer, req.into());
                    self.pending.insert(id, (peer, Pending::Hello));
                    sent.push(id);
                }
            }
            Err(NodeError::Shutdown) => {}
            Err(e) => tracing::warn!(error = %e, "cannot build hellos"),
        }
        self.waiter_sent(waiter, sent);
    }

    /// The hellos for `waiter` are out: it waits for their answers now.
    fn waiter_sent(&mut self, waiter: Option<u64>, sent: Vec<OutboundRequestId>) {
        if let Some(w) = waiter.and_then(|id| self.waiters.iter_mut().find(|w| w.id == id)) {
            w.hellos.extend(sent);
            w.preparing = false;
            self.check_waiters();
        }
    }

    /// Hellos to every connected partner but `except` (one job).
    pub(super) fn rehello_except(&mut self, except: PeerId) {
        let peers = self.peers.ids().into_iter().filter(|p| *p != except).collect();
        self.send_hellos(peers, false, None, None);
    }

    /// Answers the `twin sync` callers whose partners' hellos and sessions are all done.
    pub(super) fn check_waiters(&mut self) {
        let mut i = 0;
        while i < self.waiters.len() {
            if self.waiters[i].busy(self.sessions.table()) {
                i += 1;
                continue;
            }
            let w: SyncWaiter = self.waiters.swap_remove(i);
            let (applied, rejected) = self.peers.totals();
            let unreachable: Vec<String> = w.failed.iter().map(|p| p.to_string()).collect();
            let _ = w.reply.send(Ok(NetAnswer::Synced(SyncReport {
                peers: w.peers.len().saturating_sub(w.failed.len()),
                unreachable,
                changes_received: applied.saturating_sub(w.start_applied),
                changes_rejected: u64::from(rejected.saturating_sub(w.start_rejected)),
            })));
        }
    }
}
