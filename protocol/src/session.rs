//! Sync sessions, sans I/O. A [`Driver`] decides everything about the sessions this node opens
//! (which run, which wait for the document's running one, the rounds, the whole-document
//! exchange of a first sync and its fallback to ordinary rounds, the end) and returns each
//! decision as [`Step`]s; it never touches a socket, the engine or a clock. The node's network
//! task carries the steps out (engine jobs and libp2p requests), and the node's seeded
//! simulator carries them out on engines in memory over a network that drops and reorders
//! messages (thousands of schedules in `cargo test`), so the code the node runs is the code it
//! tests.
//!
//! A session, from the side that opens it (the other side only answers each request with one
//! engine call):
//!
//! ```text
//!  start ─► (gate: the document's running session, the partner's share) ─► Open
//!  Open ─► engine: session_open ─► opened ─┬─ Round ─► answer ─► TakeRound ─► round_taken ─┐
//!                                          │   ▲            (next round, ≤ MAX_ROUNDS) ◄───┘
//!                                          ├─ Fetch (it holds none) ─► Snapshot ─► TakeWhole
//!                                          ├─ Push (the partner lacks it) ─► Installed
//!                                          └─ nothing to say ─► Ended (not counted)
//!  a whole-document exchange that fails ─► the session again, ordinary rounds only
//!  any end ─► Ended ─► the sessions that waited for the document or the partner start
//! ```

mod table;
#[cfg(test)]
mod tests;

use std::{fmt::Display, hash::Hash, time::Duration, time::Instant};

pub use self::table::Sessions;
use self::table::Start;
use crate::{
    ids::{DocId, SpaceId},
    wire::{DocSnapshot, DocSync, Refusal, Request as WireRequest, Response as WireResponse},
};

/// Longest sync session, in rounds. Automerge converges in a handful of rounds; a session that
/// goes on is a peer that keeps offering something we refuse.
pub const MAX_ROUNDS: u32 = 32;

/// Parallel sync sessions the node drives at once, over all peers.
pub const MAX_SESSIONS: usize = 256;

/// Parallel sync sessions the node drives with one peer. A partner whose hello lists many
/// differing documents waits for its own sessions to end rather than taking every slot of
/// [`MAX_SESSIONS`] from the other partners.
pub const MAX_SESSIONS_PER_PEER: usize = 32;

/// How long a running session keeps the other sessions this node would start about the same
/// document waiting (see `Sessions::start`). A session slower than this (a slow or
/// stalling partner) no longer holds the document's sync with the other partners up.
pub const SESSION_GATE: Duration = Duration::from_secs(5);

/// How a session about one document opens, as the engine prepared it.
#[derive(Debug)]
pub enum Opening {
    /// An ordinary Automerge sync round (`None`: nothing to say).
    Sync(Option<DocSync>),
    /// This node holds none of the document: ask for it whole.
    Fetch {
        /// The space.
        space: SpaceId,
        /// The document.
        doc: DocId,
    },
    /// The partner holds none of the document: send it whole.
    Push(DocSnapshot),
}

/// A request a session sent, and the session it belongs to: its answer (or failure) is handed
/// back to the [`Driver`] with it. In each variant `doc` is the session's document and `id`
/// the session (its id tells it from an earlier one with the same partner about the same
/// document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // the fields are described above
pub enum Sent {
    /// A sync round.
    Round { doc: DocId, id: u64 },
    /// "Send me the document whole" (this side holds none of it).
    Fetch { doc: DocId, id: u64 },
    /// The document, sent whole to a partner that holds none of it.
    Push { doc: DocId, id: u64 },
}

/// What the [`Driver`] asks its caller to do, in the order given. In each variant `peer` is
/// the partner, `doc` the session's document and `id` the session.
#[derive(Debug)]
#[allow(missing_docs)] // the fields are described above and in each variant
pub enum Step<P> {
    /// Ask the engine how session `id` opens (`Engine::session_open`, with `whole` if a
    /// whole-document exchange may open it); hand its answer to [`Driver::opened`].
    Open { peer: P, doc: DocId, id: u64, whole: bool },
    /// Send `request` to `peer`; hand its answer to [`Driver::answered`], or its failure to
    /// [`Driver::failed`], with `sent`.
    Send { peer: P, request: WireRequest, sent: Sent },
    /// Take in the partner's round `msg` that answers session `id` (`Engine::sync_receive`);
    /// hand the result to [`Driver::round_taken`].
    TakeRound { peer: P, msg: DocSync, id: u64 },
    /// Check and store the document `snap` the partner sent whole for session `id`
    /// (`Engine::install_snapshot`); hand the result to [`Driver::whole_taken`].
    TakeWhole { peer: P, snap: DocSnapshot, id: u64 },
    /// The partner stored the document this side pushed whole, and its heads digest is
    /// `heads_digest` (`Engine::snapshot_installed`: the next session starts from those heads).
    PartnerInstalled { peer: P, doc: DocId, heads_digest: [u8; 32] },
    /// A session with `peer` about `doc` ended after it ran (one that had nothing to say ends
    /// without this step).
    Ended { peer: P, doc: DocId },
}

/// The moment a [`Driver`] decides at, and which partners are connected now.
pub struct At<'a, P> {
    /// Now, as the caller's clock says.
    pub now: Instant,
    /// Whether a partner is connected now.
    pub connected: &'a dyn Fn(&P) -> bool,
}

/// The sessions this node opens (see the module docs). `P` names a partner.
#[derive(Debug)]
pub struct Driver<P> {
    table: Sessions<P>,
}

impl<P: Copy + Eq + Hash + Display> Driver<P> {
    /// A driver that runs at most `per_peer` sessions with one partner at a time.
    pub fn new(per_peer: usize) -> Self {
        Self { table: Sessions::new(per_peer) }
    }

    /// The sessions running and waiting.
    pub fn table(&self) -> &Sessions<P> {
        &self.table
    }

    /// Starts a session with `peer` about `doc`, or notes that one must run.
    pub fn start(&mut self, peer: P, doc: DocId, at: &At<'_, P>) -> Vec<Step<P>> {
        let mut out = Vec::new();
        self.start_into(peer, doc, at, &mut out);
        out
    }

    /// How session `id` opens, as the engine prepared it.
    pub fn opened(
        &mut self,
        peer: P,
        doc: DocId,
        id: u64,
        opening: Result<Opening, impl Display>,
        at: &At<'_, P>,
    ) -> Vec<Step<P>> {
        let mut out = Vec::new();
        if self.table.get_mut(peer, doc, id).is_none() {
            tracing::debug!(%peer, %doc, "session ended while it opened (the partner left)");
            return out;
        }
        let (request, sent) = match opening {
            Ok(Opening::Sync(Some(msg))) => (WireRequest::Sync(msg), Sent::Round { doc, id }),
            Ok(Opening::Fetch { space, doc }) => (WireRequest::Fetch { space, doc }, Sent::Fetch { doc, id }),
            Ok(Opening::Push(snap)) => (WireRequest::Snapshot(snap), Sent::Push { doc, id }),
            other => {
                if let Err(e) = other {
                    tracing::debug!(%peer, %doc, error = %e, "no sync");
                }
                // Nothing to say: the slot is freed without counting as a sync.
                self.table.end(peer, doc, id, true);
                self.after_session(peer, doc, at, &mut out);
                return out;
            }
        };
        out.push(Step::Send { peer, request, sent });
        out
    }

    /// The partner's answer to a request `sent` of a session.
    pub fn answered(&mut self, peer: P, sent: Sent, response: WireResponse, at: &At<'_, P>) -> Vec<Step<P>> {
        let mut out = Vec::new();
        match (sent, response) {
            // Taken in even if the session ended meanwhile: its changes are worth storing.
            (Sent::Round { id, .. }, WireResponse::Sync(msg)) => out.push(Step::TakeRound { peer, msg, id }),
            (Sent::Round { doc, id }, WireResponse::Refused(r)) => {
                tracing::info!(%peer, %doc, reason = %r, "partner refused sync");
                self.end(peer, doc, id, at, &mut out);
            }
            (Sent::Round { doc, id }, _) => self.end(peer, doc, id, at, &mut out),
            (Sent::Fetch { doc, id }, WireResponse::Snapshot(snap)) if snap.doc == doc => {
                out.push(Step::TakeWhole { peer, snap, id })
            }
            (Sent::Push { doc, id }, WireResponse::Installed { doc: d, heads_digest }) if d == doc => {
                // Before any later session's opening, so the engine records the shared heads
                // first.
                out.push(Step::PartnerInstalled { peer, doc, heads_digest });
                self.end(peer, doc, id, at, &mut out);
            }
            (Sent::Fetch { doc, id } | Sent::Push { doc, id }, other) => {
                tracing::debug!(%peer, %doc, response = ?std::mem::discriminant(&other), "whole-document transfer not done; ordinary sync");
                self.whole_failed(peer, doc, id, at, &mut out);
            }
        }
        out
    }

    /// A request `sent` got no answer (the connection went, it timed out, or the partner
    /// speaks a version without whole documents).
    pub fn failed(&mut self, peer: P, sent: Sent, at: &At<'_, P>) -> Vec<Step<P>> {
        let mut out = Vec::new();
        match sent {
            Sent::Round { doc, id } => self.end(peer, doc, id, at, &mut out),
            Sent::Fetch { doc, id } | Sent::Push { doc, id } => {
                self.whole_failed(peer, doc, id, at, &mut out)
            }
        }
        out
    }

    /// The engine took in the partner's round of session `id`: `next` is this side's next
    /// round (`None`: nothing more to say), or why the round was refused.
    pub fn round_taken(
        &mut self,
        peer: P,
        doc: DocId,
        id: u64,
        next: Result<Option<DocSync>, Refusal>,
        at: &At<'_, P>,
    ) -> Vec<Step<P>> {
        let mut out = Vec::new();
        let connected = (at.connected)(&peer);
        let Some(session) = self.table.get_mut(peer, doc, id) else { return out };
        match next {
            Ok(Some(next)) if session.rounds < MAX_ROUNDS && connected => {
                session.rounds += 1;
                let sent = Sent::Round { doc, id };
                out.push(Step::Send { peer, request: WireRequest::Sync(next), sent });
            }
            Ok(Some(_)) if session.rounds >= MAX_ROUNDS => {
                tracing::warn!(%peer, %doc, "sync session hit the round limit");
                self.end(peer, doc, id, at, &mut out);
            }
            Ok(_) => self.end(peer, doc, id, at, &mut out),
            Err(refusal) => {
                tracing::debug!(%peer, %doc, %refusal, "sync round refused");
                self.end(peer, doc, id, at, &mut out);
            }
        }
        out
    }

    /// The engine checked the document the partner sent whole for session `id`: stored
    /// (`installed`) or refused.
    pub fn whole_taken(
        &mut self,
        peer: P,
        doc: DocId,
        id: u64,
        installed: bool,
        at: &At<'_, P>,
    ) -> Vec<Step<P>> {
        let mut out = Vec::new();
        if installed {
            self.end(peer, doc, id, at, &mut out);
        } else {
            self.whole_failed(peer, doc, id, at, &mut out);
        }
        out
    }

    /// `peer` disconnected: its sessions and places in queues go, and what waited for them
    /// starts. Answers about its sessions still on their way find no session.
    pub fn peer_gone(&mut self, peer: P, at: &At<'_, P>) -> Vec<Step<P>> {
        let mut out = Vec::new();
        for doc in self.table.drop_peer(&peer) {
            self.run_queued(doc, at, &mut out);
        }
        out
    }

    /// Starts what waits behind a session that has held its document longer than the gate.
    pub fn sweep(&mut self, at: &At<'_, P>) -> Vec<Step<P>> {
        let mut out = Vec::new();
        for doc in self.table.queued_docs() {
            self.run_queued(doc, at, &mut out);
        }
        out
    }

    fn start_into(&mut self, peer: P, doc: DocId, at: &At<'_, P>, out: &mut Vec<Step<P>>) {
        match self.table.start(peer, doc, at.now) {
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
                out.push(Step::Open { peer, doc, id, whole });
            }
        }
    }

    /// Ends session `id` (a stale id ends nothing); the sessions waiting for it start.
    fn end(&mut self, peer: P, doc: DocId, id: u64, at: &At<'_, P>, out: &mut Vec<Step<P>>) {
        if self.table.end(peer, doc, id, (at.connected)(&peer)).is_some() {
            out.push(Step::Ended { peer, doc });
        }
        self.after_session(peer, doc, at, out);
    }

    /// A session with `peer` about `doc` freed its slot: start what waits for the document,
    /// and what the partner waits for about other documents.
    fn after_session(&mut self, peer: P, doc: DocId, at: &At<'_, P>, out: &mut Vec<Step<P>>) {
        self.run_queued(doc, at, out);
        for d in self.table.waiting_for(&peer, &doc) {
            if self.table.peer_sessions(&peer) >= self.table.per_peer() {
                break;
            }
            self.run_queued(d, at, out);
        }
    }

    /// A whole-document exchange of session `id` failed (the partner speaks only version 1,
    /// refused the document, or sent one this side refused): the session runs again as
    /// ordinary sync.
    fn whole_failed(&mut self, peer: P, doc: DocId, id: u64, at: &At<'_, P>, out: &mut Vec<Step<P>>) {
        if self.table.whole_doc_failed(peer, doc, id) && (at.connected)(&peer) {
            self.start_into(peer, doc, at, out);
        }
        self.run_queued(doc, at, out);
    }

    /// Starts the sessions about `doc` that wait, one at a time, while the document is not busy.
    fn run_queued(&mut self, doc: DocId, at: &At<'_, P>, out: &mut Vec<Step<P>>) {
        while let Some(peer) = self.table.next_queued(doc, at.now, at.connected) {
            self.start_into(peer, doc, at, out);
        }
    }
}
