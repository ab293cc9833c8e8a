//! The sessions the sync protocol drives: starting and opening one, finishing a round or a
//! whole-document transfer taken in (answering it, or sending the session's next round), and
//! ending a session, after which the sessions that wait for its slot start.

use std::time::{Instant, SystemTime};

use libp2p::PeerId;
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    schema::DocKind,
    wire::{DocSync, Refusal, Request as WireRequest, Response as WireResponse},
};

use super::super::{
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
    /// Starts a sync session with `peer` about `doc`, or notes that one must run (see
    /// [`super::session::Sessions::start`]). The slot is taken now; the opening comes from
    /// the engine as [`Done::SessionOpened`].
    pub(in crate::net) fn start_session(&mut self, peer: PeerId, doc: DocId) {
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

    pub(in crate::net) fn session_opened(
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
    pub(in crate::net) fn received(
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
    pub(in crate::net) fn installed(
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

    /// Session `id` with `peer` about `doc` ended (a stale id ends nothing); the sessions
    /// waiting for it start.
    pub(super) fn end_session(&mut self, peer: PeerId, doc: DocId, id: u64) {
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
    pub(super) fn whole_doc_failed(&mut self, peer: PeerId, doc: DocId, id: u64) {
        if self.sessions.whole_doc_failed(peer, doc, id) && self.peers.is_connected(&peer) {
            self.start_session(peer, doc);
        }
        self.run_queued(doc);
        self.check_waiters();
    }

    /// Starts the sessions about `doc` that wait, one at a time, while the document is not busy.
    pub(in crate::net) fn run_queued(&mut self, doc: DocId) {
        loop {
            let peers = &self.peers;
            let Some(peer) = self.sessions.next_queued(doc, Instant::now(), |p| peers.is_connected(p)) else {
                return;
            };
            self.start_session(peer, doc);
        }
    }
}
