//! The sessions the sync protocol drives, carried out: the [`Driver`]
//! (`twinmesh_protocol::session`) decides,
//! and this file turns its [`Step`]s into engine jobs and libp2p requests, and the finished
//! jobs back into driver calls. Also the bookkeeping around a round or a document taken in
//! (counts, bans, announcements) and the answers to a partner's requests.

use crate::net::work::Work;
use std::time::{Instant, SystemTime};

use libp2p::PeerId;
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    schema::DocKind,
    wire::Refusal,
};

use super::super::{
    jobs::Answer,
    session::{self, At, Driver, Step},
    task::{NetTask, Pending},
};
use crate::{
    engine::{Installed, sync::Received},
    error::NodeError,
    event::{NodeEvent, Origin},
    identity::key_of_peer,
};

impl NetTask {
    /// Hands the session driver the present moment and who is connected, and carries out the
    /// steps `f` returns.
    pub(in crate::net) fn drive_sessions(
        &mut self,
        f: impl FnOnce(&mut Driver<PeerId>, &At<'_, PeerId>) -> Vec<Step<PeerId>>,
    ) {
        let peers = &self.peers;
        let connected = |p: &PeerId| peers.is_connected(p);
        let steps = f(&mut self.sessions, &At { now: Instant::now(), connected: &connected });
        for step in steps {
            self.carry_out(step);
        }
        self.check_waiters();
    }

    /// Starts a sync session with `peer` about `doc`, or notes that one must run (see
    /// [`Driver::start`]).
    pub(in crate::net) fn start_session(&mut self, peer: PeerId, doc: DocId) {
        if key_of_peer(&peer).is_none() {
            return;
        }
        self.drive_sessions(|d, at| d.start(peer, doc, at));
    }

    fn carry_out(&mut self, step: Step<PeerId>) {
        match step {
            Step::Open { peer, doc, id, whole } => {
                let Some(key) = key_of_peer(&peer) else { return };
                self.job(Work::OpenSession { peer, key, doc, id, whole });
            }
            Step::Send { peer, request, sent } => {
                let rid = self.swarm.behaviour_mut().sync.send_request(&peer, request.into());
                self.pending.insert(rid, (peer, Pending::Session(sent)));
            }
            Step::TakeRound { peer, msg, id } => self.receive(peer, msg, Answer::Session(id)),
            Step::TakeWhole { peer, snap, id } => self.install(peer, snap, Answer::Session(id)),
            Step::PartnerInstalled { peer, doc, heads_digest } => {
                // Queued before any later session's opening, so the engine records the shared
                // heads first.
                if let Some(key) = key_of_peer(&peer) {
                    self.job(Work::PartnerInstalled { key, doc, heads_digest });
                }
            }
            Step::Ended { peer, doc } => {
                tracing::debug!(%peer, %doc, "session ended");
                self.note_round(peer, 0);
                let _ = self.events.send(NodeEvent::Peers);
                if let Some(s) = self.peers.connected.get_mut(&peer) {
                    s.last_sync = Some(SystemTime::now());
                }
            }
        }
    }

    /// How session `id` opens, from the engine.
    pub(in crate::net) fn session_opened(
        &mut self,
        peer: PeerId,
        doc: DocId,
        id: u64,
        opening: Result<crate::engine::Opening, NodeError>,
    ) {
        self.drive_sessions(|d, at| d.opened(peer, doc, id, opening, at));
    }

    /// Bookkeeping for a round taken in from `peer` (refused changes count towards its ban;
    /// new changes are announced to the other partners, so edits travel on through every
    /// member), then its answer or the session's next round.
    pub(in crate::net) fn received(
        &mut self,
        peer: PeerId,
        round: (SpaceId, DocId, DocKind),
        to: Answer,
        received: Result<Result<Received, Refusal>, NodeError>,
    ) {
        let Ok(r) = received else {
            // The engine is shutting down: no answer; the session ends with the task.
            return;
        };
        let doc = round.1;
        // A partner that disconnected meanwhile has no counts to add to (its next connection
        // starts afresh); the changes it sent are stored all the same.
        if let Ok(rec) = &r {
            self.note_round(peer, rec.applied);
            self.announced.synced(peer, doc, std::time::Instant::now());
            let offences = rec.rejected.len().saturating_sub(rec.excused);
            if let Some(state) = self.peers.connected.get_mut(&peer) {
                state.applied += rec.applied as u64;
                state.duplicates += rec.duplicates as u64;
                state.rejected = state.rejected.saturating_add(offences as u32);
            }
            if rec.excused > 0 {
                tracing::debug!(%peer, %doc, excused = rec.excused, "refused changes the partner passed on from a town that lost its write access");
            }
            if let Some(first) = rec.rejected.first()
                && offences > 0
            {
                let reason = format!("sent {offences} change(s) we refused; first: {first}");
                let ban = self.peers.misbehaved(peer, &reason);
                self.cut_off_if(ban, peer);
            }
            if rec.applied > 0 && rec.space.is_some() {
                let _ = self.events.send(NodeEvent::Doc { doc, origin: Origin::Remote });
                self.announce(doc, false);
            }
        }
        if let Err(Refusal::BadMessage(why)) = &r {
            // Undecodable, a bad Bloom filter, a wrong signature count: refused whole, as a frame.
            self.refused_frame(peer, &format!("sync round refused whole: {why}"));
        }
        match to {
            Answer::Inbound(channel) => {
                let response = session::round_reply(round, r);
                let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
            }
            Answer::Session(id) => {
                let next = r.map(|rec| rec.reply);
                self.drive_sessions(|d, at| d.round_taken(peer, doc, id, next, at));
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
                self.announce(doc, false);
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
                let Some(response) = session::installed_reply(doc, installed) else { return };
                let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
            }
            Answer::Session(id) => {
                let ok = installed.is_ok();
                self.drive_sessions(|d, at| d.whole_taken(peer, doc, id, ok, at));
            }
        }
    }
}
