//! The sync protocol in the event loop: partners' requests, the answers to this node's
//! requests, and the sessions they drive. Engine work goes out as jobs; what comes back
//! (`jobs::Done`) is finished here.

use std::time::{Instant, SystemTime};

use libp2p::{
    PeerId,
    request_response::{self, OutboundRequestId, ResponseChannel},
};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    schema::DocKind,
    space::Municipality,
    wire::{DocSync, Refusal, Request as WireRequest, Response as WireResponse, SpaceSummary},
};

use super::{
    codec::{self, Inbound},
    jobs::{Answer, Done},
    session::{MAX_ROUNDS, Start},
    task::{NetTask, Pending},
};
use crate::{
    engine::{Installed, Opening, sync::Received},
    error::NodeError,
    event::{NodeEvent, Origin},
    identity::key_of_peer,
};

impl NetTask {
    pub(super) fn on_sync_event(&mut self, ev: request_response::Event<Inbound, WireResponse>) {
        match ev {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request { request: Inbound::Refused(why), channel, .. } => {
                    self.refused_frame(peer, &format!("sent a frame we refused: {why}"));
                    let refusal = WireResponse::Refused(Refusal::BadMessage(why));
                    let _ = self.swarm.behaviour_mut().sync.send_response(channel, refusal);
                }
                request_response::Message::Request {
                    request: Inbound::Request(request), channel, ..
                } => self.on_request(peer, request, channel),
                request_response::Message::Response { request_id, response } => {
                    self.on_response(request_id, response)
                }
            },
            request_response::Event::OutboundFailure { peer, request_id, error, .. } => {
                tracing::debug!(%peer, %error, "request failed");
                if let request_response::OutboundFailure::Io(e) = &error
                    && codec::is_refused_frame(e)
                {
                    self.refused_frame(peer, &format!("answered with a frame we refused: {e}"));
                }
                let Some((_, kind)) = self.pending.remove(&request_id) else { return };
                for w in &mut self.waiters {
                    if w.hellos.remove(&request_id) {
                        w.failed.insert(peer);
                    }
                }
                match kind {
                    Pending::Sync { doc, id } => self.end_session(peer, doc, id),
                    // Typically a peer that speaks only version 1: the request failed before
                    // it was sent.
                    Pending::Fetch { doc, id } | Pending::Push { doc, id } => {
                        self.whole_doc_failed(peer, doc, id)
                    }
                    Pending::Join(reply) => {
                        let _ = reply.send(Err(NodeError::Network(format!(
                            "cannot reach the inviting town's node ({error}); it may be offline: try again later"
                        ))));
                    }
                    Pending::Hello => {}
                }
                self.check_waiters();
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, %error, "inbound request failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    /// A frame from `peer` was refused: it counts towards the peer's ban.
    fn refused_frame(&mut self, peer: PeerId, reason: &str) {
        let ban = self.peers.refused_frame(peer, reason);
        self.cut_off_if(ban, peer);
    }

    /// A partner's request: each kind becomes one engine job, answered when it is done.
    fn on_request(&mut self, peer: PeerId, request: WireRequest, channel: ResponseChannel<WireResponse>) {
        let Some(key) = key_of_peer(&peer) else {
            let refusal = Refusal::BadMessage(NodeError::NotAllowed("no key".into()).to_string());
            let _ = self.swarm.behaviour_mut().sync.send_response(channel, WireResponse::Refused(refusal));
            return;
        };
        match request {
            WireRequest::Hello { from, spaces } => self.job(
                move |e| -> Result<_, NodeError> {
                    e.note_partner_summaries(&key, &spaces);
                    let changed = e.on_hello_answered(&key, from, spaces)?;
                    let mine = e.spaces()?.into_iter().map(|s| s.id).collect();
                    Ok((e.me().clone(), e.hello_for(&key)?, changed, mine))
                },
                move |r| Done::HelloAnswered { peer, channel, answer: r.and_then(|a| a) },
            ),
            WireRequest::Join { space, secret, from } => {
                if from.key != key {
                    let refusal = Refusal::Invitation("profile does not match the connection".into());
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .sync
                        .send_response(channel, WireResponse::Refused(refusal));
                    return;
                }
                self.job(
                    move |e| e.redeem(&space, &secret, from),
                    move |r| Done::Redeemed { peer, channel, redeemed: r.and_then(|x| x) },
                );
            }
            WireRequest::Fetch { space: _, doc } => self.job(
                move |e| e.snapshot_for(&key, &doc),
                move |r| Done::Served { peer, channel, snapshot: r.and_then(|x| x) },
            ),
            WireRequest::Snapshot(snap) => {
                let doc = snap.doc;
                self.job(
                    move |e| e.install_snapshot(&key, snap),
                    move |r| Done::Installed {
                        peer,
                        doc,
                        to: Answer::Inbound(channel),
                        installed: r.and_then(|x| x),
                    },
                );
            }
            WireRequest::Sync(msg) => self.receive(peer, msg, Answer::Inbound(channel)),
        }
    }

    /// The answer to one of this node's requests.
    fn on_response(&mut self, request_id: OutboundRequestId, response: WireResponse) {
        let Some((peer, kind)) = self.pending.remove(&request_id) else { return };
        let key = key_of_peer(&peer);
        match (kind, response) {
            (Pending::Hello, WireResponse::Hello { from, spaces }) => match key {
                // The waiters keep counting this hello until its sessions are started.
                Some(key) => self.job(
                    move |e| -> Result<_, NodeError> {
                        e.note_partner_summaries(&key, &spaces);
                        let (docs, log_changed) = e.on_hello(&key, from, spaces)?;
                        Ok((docs, log_changed, e.spaces()?.into_iter().map(|s| s.id).collect()))
                    },
                    move |r| Done::HelloResponse { peer, request_id, differ: r.and_then(|d| d) },
                ),
                None => self.hello_done(request_id),
            },
            (Pending::Hello, other) => {
                tracing::info!(%peer, response = ?std::mem::discriminant(&other), "hello refused");
                self.hello_done(request_id);
            }
            (Pending::Sync { id, .. }, WireResponse::Sync(msg)) => {
                self.receive(peer, msg, Answer::Session(id))
            }
            (Pending::Sync { doc, id }, WireResponse::Refused(r)) => {
                tracing::info!(%peer, %doc, reason = %r, "partner refused sync");
                self.end_session(peer, doc, id);
            }
            (Pending::Sync { doc, id }, _) => self.end_session(peer, doc, id),
            (Pending::Join(reply), WireResponse::Joined { space, log }) => self.job(
                move |e| -> Result<_, NodeError> {
                    let id = e.accept_join(space, log)?;
                    Ok((id, e.spaces()?.into_iter().map(|s| s.id).collect()))
                },
                move |r| Done::Joined { inviter: peer, reply, joined: r.and_then(|j| j) },
            ),
            (Pending::Join(reply), WireResponse::Refused(r)) => {
                let _ = reply.send(Err(NodeError::NotAllowed(r.to_string())));
            }
            (Pending::Join(reply), _) => {
                let _ = reply.send(Err(NodeError::Network("unexpected answer to a join".into())));
            }
            (Pending::Fetch { doc, id }, WireResponse::Snapshot(snap)) if snap.doc == doc => match key {
                Some(key) => self.job(
                    move |e| e.install_snapshot(&key, snap),
                    move |r| Done::Installed {
                        peer,
                        doc,
                        to: Answer::Session(id),
                        installed: r.and_then(|x| x),
                    },
                ),
                None => self.whole_doc_failed(peer, doc, id),
            },
            (Pending::Push { doc, id }, WireResponse::Installed { doc: d, heads_digest }) if d == doc => {
                // Queued before any later session's opening, so the engine records the shared
                // heads first.
                if let Some(key) = key {
                    self.job(move |e| e.snapshot_installed(&key, &doc, &heads_digest), |_| Done::Nothing);
                }
                self.end_session(peer, doc, id);
            }
            (Pending::Fetch { doc, id } | Pending::Push { doc, id }, other) => {
                tracing::debug!(%peer, %doc, response = ?std::mem::discriminant(&other), "whole-document transfer not done; ordinary sync");
                self.whole_doc_failed(peer, doc, id);
            }
        }
    }

    /// A hello is answered and acted on: the waiters stop counting it.
    fn hello_done(&mut self, request_id: OutboundRequestId) {
        for w in &mut self.waiters {
            w.hellos.remove(&request_id);
        }
        self.check_waiters();
    }

    /// Takes in a sync round from `peer` (one engine job).
    fn receive(&mut self, peer: PeerId, msg: DocSync, to: Answer) {
        let round = (msg.space, msg.doc, msg.kind);
        let Some(key) = key_of_peer(&peer) else {
            self.received(peer, round, to, Ok(Err(Refusal::NotAMember)));
            return;
        };
        self.job(
            move |e| e.sync_receive(&key, msg),
            move |r| Done::Received { peer, round, to, received: r },
        );
    }

    // ---- finishing jobs ----

    pub(super) fn hello_answered(
        &mut self,
        peer: PeerId,
        channel: ResponseChannel<WireResponse>,
        answer: Result<(Municipality, Vec<SpaceSummary>, bool, Vec<SpaceId>), NodeError>,
    ) {
        let response = match answer {
            Ok((me, spaces, changed, mine)) => {
                self.subscribe(mine);
                if changed {
                    self.refresh_relay_allow();
                    let _ = self.events.send(NodeEvent::Spaces);
                    // Tell everyone, the sender too: it may hold documents of a space we just
                    // learned, and only the side that sends a hello compares documents.
                    self.send_hellos(self.peers.ids(), false, None, None);
                }
                self.peers.hello_is_news(peer, &spaces, false);
                WireResponse::Hello { from: me, spaces }
            }
            Err(NodeError::Shutdown) => return,
            Err(e) => WireResponse::Refused(Refusal::BadMessage(e.to_string())),
        };
        // A partner that disconnected meanwhile: the channel is closed and this fails.
        let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
    }

    pub(super) fn hello_response(
        &mut self,
        peer: PeerId,
        request_id: OutboundRequestId,
        differ: Result<(Vec<DocId>, bool, Vec<SpaceId>), NodeError>,
    ) {
        if let Ok((docs, log_changed, mine)) = differ {
            self.subscribe(mine);
            if log_changed {
                self.refresh_relay_allow();
                let _ = self.events.send(NodeEvent::Spaces);
                self.rehello_except(peer);
            }
            // A partner that disconnected meanwhile gets its sessions at the next hello.
            if self.peers.is_connected(&peer) {
                for d in docs {
                    self.start_session(peer, d);
                }
            }
        }
        self.hello_done(request_id);
    }

    /// Starts a sync session with `peer` about `doc`, or notes that one must run (see
    /// [`super::session::Sessions::start`]). The slot is taken now; the opening comes from
    /// the engine as [`Done::SessionOpened`].
    pub(super) fn start_session(&mut self, peer: PeerId, doc: DocId) {
        let Some(key) = key_of_peer(&peer) else { return };
        match self.sessions.start(peer, doc, Instant::now()) {
            Start::Again => tracing::debug!(%peer, %doc, "session running; will run again"),
            Start::Queued { busy: true } => {
                tracing::debug!(%peer, %doc, "another session about the document runs; this one waits")
            }
            Start::Queued { busy: false } => {
                tracing::debug!(%peer, %doc, "the partner has its share of sessions; this one waits")
            }
            Start::Full => tracing::debug!(%peer, %doc, "too many sessions; sync deferred to the next hello"),
            Start::Open { id, whole } => {
                tracing::debug!(%peer, %doc, "session start");
                self.job(
                    move |e| e.session_open(&key, &doc, whole),
                    move |r| Done::SessionOpened { peer, doc, id, opening: r.and_then(|o| o) },
                );
            }
        }
    }

    pub(super) fn session_opened(
        &mut self,
        peer: PeerId,
        doc: DocId,
        id: u64,
        opening: Result<Opening, NodeError>,
    ) {
        if self.sessions.get_mut(peer, doc, id).is_none() {
            tracing::debug!(%peer, %doc, "session ended while it opened (the partner left)");
            return;
        }
        let (req, pending) = match opening {
            Ok(Opening::Sync(Some(msg))) => (WireRequest::Sync(msg), Pending::Sync { doc, id }),
            Ok(Opening::Fetch { space, doc }) => {
                (WireRequest::Fetch { space, doc }, Pending::Fetch { doc, id })
            }
            Ok(Opening::Push(snap)) => (WireRequest::Snapshot(snap), Pending::Push { doc, id }),
            other => {
                if let Err(e) = other {
                    tracing::debug!(%peer, %doc, error = %e, "no sync");
                }
                // Nothing to say: the slot is freed without counting as a sync.
                self.sessions.end(peer, doc, id, true);
                self.after_session(peer, doc);
                return;
            }
        };
        let rid = self.swarm.behaviour_mut().sync.send_request(&peer, req.into());
        self.pending.insert(rid, (peer, pending));
    }

    /// Bookkeeping for a round taken in from `peer` (refused changes count towards its ban;
    /// new changes are announced to the other partners, so edits travel on through every
    /// member), then its answer or the session's next round.
    pub(super) fn received(
        &mut self,
        peer: PeerId,
        (space, doc, kind): (SpaceId, DocId, DocKind),
        to: Answer,
        received: Result<Result<Received, Refusal>, NodeError>,
    ) {
        let Ok(r) = received else {
            // The engine is shutting down: no answer; the session ends with the task.
            return;
        };
        // A partner that disconnected meanwhile has no counts to add to (its next connection
        // starts afresh); the changes it sent are stored all the same.
        if let Ok(rec) = &r {
            self.note_round(peer, rec.applied);
            if let Some(state) = self.peers.connected.get_mut(&peer) {
                state.applied += rec.applied as u64;
                state.duplicates += rec.duplicates as u64;
                state.rejected = state.rejected.saturating_add(rec.rejected.len() as u32);
            }
            if let Some(first) = rec.rejected.first() {
                let reason = format!("sent {} change(s) we refused; first: {first}", rec.rejected.len());
                let ban = self.peers.misbehaved(peer, &reason);
                self.cut_off_if(ban, peer);
            }
            if rec.applied > 0 && rec.space.is_some() {
                let _ = self.events.send(NodeEvent::Doc { doc, origin: Origin::Remote });
                self.announce(doc);
            }
        }
        if let Err(Refusal::BadMessage(why)) = &r {
            // Undecodable, a bad Bloom filter, a wrong signature count: refused whole, as a frame.
            self.refused_frame(peer, &format!("sync round refused whole: {why}"));
        }
        match to {
            Answer::Inbound(channel) => {
                let response = match r {
                    Ok(rec) => WireResponse::Sync(rec.reply.unwrap_or(DocSync {
                        space,
                        doc,
                        kind,
                        message: None,
                        signatures: Default::default(),
                    })),
                    Err(refusal) => WireResponse::Refused(refusal),
                };
                let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
            }
            Answer::Session(id) => {
                let connected = self.peers.is_connected(&peer);
                let Some(session) = self.sessions.get_mut(peer, doc, id) else { return };
                match r {
                    Ok(Received { reply: Some(next), .. }) if session.rounds < MAX_ROUNDS && connected => {
                        session.rounds += 1;
                        let rid = self
                            .swarm
                            .behaviour_mut()
                            .sync
                            .send_request(&peer, WireRequest::Sync(next).into());
                        self.pending.insert(rid, (peer, Pending::Sync { doc, id }));
                    }
                    Ok(Received { reply: Some(_), .. }) if session.rounds >= MAX_ROUNDS => {
                        tracing::warn!(%peer, %doc, "sync session hit the round limit");
                        self.end_session(peer, doc, id);
                    }
                    Ok(_) => self.end_session(peer, doc, id),
                    Err(refusal) => {
                        tracing::debug!(%peer, %doc, %refusal, "sync round refused");
                        self.end_session(peer, doc, id);
                    }
                }
            }
        }
    }

    /// Bookkeeping for a document sent whole by `peer`, as for a sync round (refused changes
    /// count towards the peer's limit; a stored document is announced), then the answer or
    /// the session's end.
    pub(super) fn installed(
        &mut self,
        peer: PeerId,
        doc: DocId,
        to: Answer,
        installed: Result<Installed, NodeError>,
    ) {
        match &installed {
            Ok(inst) => {
                self.note_round(peer, inst.changes);
                if let Some(state) = self.peers.connected.get_mut(&peer) {
                    state.applied += inst.changes as u64;
                }
                tracing::debug!(%peer, %doc, changes = inst.changes, "document received whole");
                let _ = self.events.send(NodeEvent::Doc { doc, origin: Origin::Remote });
                self.announce(doc);
            }
            Err(NodeError::Rejected { count, first }) => {
                if let Some(state) = self.peers.connected.get_mut(&peer) {
                    state.rejected = state.rejected.saturating_add(*count as u32);
                }
                let reason =
                    format!("sent document {doc} whole with {count} change(s) we refused; first: {first}");
                let ban = self.peers.misbehaved(peer, &reason);
                self.cut_off_if(ban, peer);
            }
            Err(e) => tracing::info!(%peer, %doc, error = %e, "whole document not stored"),
        }
        match to {
            Answer::Inbound(channel) => {
                let response = match installed {
                    Ok(inst) => WireResponse::Installed { doc, heads_digest: inst.heads_digest },
                    Err(NodeError::NotAllowed(_)) => WireResponse::Refused(Refusal::NotAMember),
                    Err(NodeError::Shutdown) => return,
                    Err(NodeError::Rejected { count, first }) => {
                        WireResponse::Refused(Refusal::BadMessage(format!(
                            "snapshot refused, nothing stored: {count} change(s) failed verification; first: {first}"
                        )))
                    }
                    Err(e) => WireResponse::Refused(Refusal::BadMessage(e.to_string())),
                };
                let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
            }
            Answer::Session(id) if installed.is_ok() => self.end_session(peer, doc, id),
            Answer::Session(id) => self.whole_doc_failed(peer, doc, id),
        }
    }

    // ---- session ends ----

    /// Session `id` with `peer` about `doc` ended (a stale id ends nothing); the sessions
    /// waiting for it start.
    fn end_session(&mut self, peer: PeerId, doc: DocId, id: u64) {
        tracing::debug!(%peer, %doc, "session end");
        if self.sessions.end(peer, doc, id, self.peers.is_connected(&peer)).is_some() {
            self.note_round(peer, 0);
            let _ = self.events.send(NodeEvent::Peers);
            if let Some(s) = self.peers.connected.get_mut(&peer) {
                s.last_sync = Some(SystemTime::now());
            }
        }
        self.after_session(peer, doc);
    }

    /// A session with `peer` about `doc` freed its slot: start what waits for the document,
    /// and what the partner waits for about other documents.
    fn after_session(&mut self, peer: PeerId, doc: DocId) {
        self.run_queued(doc);
        for d in self.sessions.waiting_for(&peer, &doc) {
            if self.sessions.peer_sessions(&peer) >= self.sessions.per_peer() {
                break;
            }
            self.run_queued(d);
        }
        self.check_waiters();
    }

    /// A whole-document transfer with `peer` failed (the peer speaks only version 1, refused
    /// the snapshot, or sent one we refused): run the session again as ordinary sync.
    fn whole_doc_failed(&mut self, peer: PeerId, doc: DocId, id: u64) {
        if self.sessions.whole_doc_failed(peer, doc, id) && self.peers.is_connected(&peer) {
            self.start_session(peer, doc);
        }
        self.run_queued(doc);
        self.check_waiters();
    }

    /// Starts the sessions about `doc` that wait, one at a time, while the document is not busy.
    pub(super) fn run_queued(&mut self, doc: DocId) {
        loop {
            let peers = &self.peers;
            let Some(peer) = self.sessions.next_queued(doc, Instant::now(), |p| peers.is_connected(p)) else {
                return;
            };
            self.start_session(peer, doc);
        }
    }
}
