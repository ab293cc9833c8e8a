//! The session table: which sync sessions run, and which wait for a running one (the gate and
//! the queue). Generic over how a partner is named (a `PeerId` in the node, an index in the
//! node's simulator); no I/O and no clock: the caller passes the time.

use std::{
    collections::{HashMap, HashSet},
    hash::Hash,
    time::Instant,
};

use crate::ids::DocId;

use super::{MAX_SESSIONS, SESSION_GATE};

/// A sync session this node drives.
#[derive(Debug)]
pub(crate) struct Session {
    /// Tells this session from an earlier one with the same partner about the same document
    /// (the partner disconnected and came back while an answer about the old one was on its
    /// way): such an answer is dropped.
    pub(crate) id: u64,
    /// Rounds sent so far (the opening counts as the first).
    pub(crate) rounds: u32,
    /// Run it again when it ends (the partner announced new heads meanwhile).
    pub(crate) again: bool,
    /// When it started.
    since: Instant,
}

/// What [`Sessions::start`] decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// A session with the partner about the document runs: it runs again when it ends.
    Again,
    /// It waits: another session about the document runs (`busy`), or the partner has its
    /// share of sessions.
    Queued {
        /// Whether another session about the document runs.
        busy: bool,
    },
    /// [`MAX_SESSIONS`] run: the next hello catches up.
    Full,
    /// The slot is taken (so the gate holds while the engine prepares the opening): open
    /// session `id`, whole if `whole`.
    Open {
        /// The session.
        id: u64,
        /// Whether a whole-document exchange may open it.
        whole: bool,
    },
}

/// The sessions this node drives.
#[derive(Debug)]
pub struct Sessions<P> {
    running: HashMap<(P, DocId), Session>,
    /// Per document, partners to run a session with once the document's running session ends
    /// (in order, each once).
    queued: HashMap<DocId, Vec<P>>,
    /// (peer, document) pairs whose whole-document transfer failed on the current connection:
    /// their sessions use ordinary sync.
    no_snapshot: HashSet<(P, DocId)>,
    /// Most sessions with one peer at once.
    per_peer: usize,
    next_id: u64,
}

impl<P: Copy + Eq + Hash> Sessions<P> {
    /// A table that runs at most `per_peer` sessions with one partner at a time.
    pub fn new(per_peer: usize) -> Self {
        Self {
            running: HashMap::new(),
            queued: HashMap::new(),
            no_snapshot: HashSet::new(),
            per_peer: per_peer.max(1),
            next_id: 0,
        }
    }

    /// Sessions running.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether no session runs.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Starts a session with `peer` about `doc`, or notes that one must run.
    ///
    /// At most one session per document runs at a time (unless it has run for longer than
    /// [`SESSION_GATE`]): the others wait in the queue and start, one by one, when it ends.
    /// Sessions opened at the same moment with several partners all carried the same Bloom
    /// filter, so every partner sent the same changes this node lacked: in the `converge`
    /// benchmark (10 nodes, all connected) each change reached each node about six times.
    /// A session that starts after the previous one ended asks only for what is still missing.
    pub(crate) fn start(&mut self, peer: P, doc: DocId, now: Instant) -> Start {
        if let Some(s) = self.running.get_mut(&(peer, doc)) {
            s.again = true;
            return Start::Again;
        }
        let busy = self.doc_busy(&doc, now);
        if busy || self.peer_sessions(&peer) >= self.per_peer {
            let q = self.queued.entry(doc).or_default();
            if !q.contains(&peer) {
                q.push(peer);
            }
            return Start::Queued { busy };
        }
        if self.running.len() >= MAX_SESSIONS {
            return Start::Full;
        }
        self.next_id += 1;
        let id = self.next_id;
        self.running.insert((peer, doc), Session { id, rounds: 1, again: false, since: now });
        Start::Open { id, whole: !self.no_snapshot.contains(&(peer, doc)) }
    }

    /// Session `id` with `peer` about `doc`, if it still runs.
    pub(crate) fn get_mut(&mut self, peer: P, doc: DocId, id: u64) -> Option<&mut Session> {
        self.running.get_mut(&(peer, doc)).filter(|s| s.id == id)
    }

    /// Ends session `id`, if it still runs; one marked to run again goes to the back of the
    /// document's queue when `requeue` (the partner is still connected).
    pub(crate) fn end(&mut self, peer: P, doc: DocId, id: u64, requeue: bool) -> Option<Session> {
        self.get_mut(peer, doc, id)?;
        let session = self.running.remove(&(peer, doc))?;
        if session.again && requeue {
            // Behind the partners already waiting for this document.
            let q = self.queued.entry(doc).or_default();
            if !q.contains(&peer) {
                q.push(peer);
            }
        }
        Some(session)
    }

    /// Session `id`'s whole-document transfer failed: ends it, and later sessions with `peer`
    /// about `doc` on this connection use ordinary sync. False if the session no longer runs.
    pub(crate) fn whole_doc_failed(&mut self, peer: P, doc: DocId, id: u64) -> bool {
        if self.end(peer, doc, id, false).is_none() {
            return false;
        }
        self.no_snapshot.insert((peer, doc));
        true
    }

    /// True if a session about `doc` started less than [`SESSION_GATE`] before `now` runs.
    pub(crate) fn doc_busy(&self, doc: &DocId, now: Instant) -> bool {
        self.running
            .iter()
            .any(|((_, d), s)| d == doc && now.saturating_duration_since(s.since) < SESSION_GATE)
    }

    /// True if a session with `peer` about `doc` runs or waits to.
    pub fn has(&self, peer: &P, doc: &DocId) -> bool {
        self.running.contains_key(&(*peer, *doc)) || self.queued.get(doc).is_some_and(|q| q.contains(peer))
    }

    /// Sessions running with `peer`.
    pub fn peer_sessions(&self, peer: &P) -> usize {
        self.running.keys().filter(|(p, _)| p == peer).count()
    }

    /// Most sessions with one partner at once.
    pub fn per_peer(&self) -> usize {
        self.per_peer
    }

    /// True if sessions wait.
    pub fn has_queued(&self) -> bool {
        !self.queued.is_empty()
    }

    /// Documents with waiting sessions.
    pub(crate) fn queued_docs(&self) -> Vec<DocId> {
        self.queued.keys().copied().collect()
    }

    /// Documents other than `except` that `peer` waits for.
    pub fn waiting_for(&self, peer: &P, except: &DocId) -> Vec<DocId> {
        self.queued.iter().filter(|(d, q)| *d != except && q.contains(peer)).map(|(d, _)| *d).collect()
    }

    /// The next partner to start a session with about `doc`, taken off the queue, while the
    /// document is not busy. A partner that has its share of sessions running keeps its place
    /// (the periodic sweep looks again); one no longer `connected` is dropped on the way.
    pub(crate) fn next_queued(
        &mut self,
        doc: DocId,
        now: Instant,
        connected: impl Fn(&P) -> bool,
    ) -> Option<P> {
        while !self.doc_busy(&doc, now) {
            let q = self.queued.get_mut(&doc)?;
            let i = q.iter().position(|p| {
                !connected(p) || self.running.keys().filter(|(r, _)| r == p).count() < self.per_peer
            })?;
            let peer = q.remove(i);
            if q.is_empty() {
                self.queued.remove(&doc);
            }
            if connected(&peer) {
                return Some(peer);
            }
        }
        None
    }

    /// `peer` disconnected: its sessions, places in queues and snapshot failures go. Returns
    /// the documents whose sessions ended.
    pub(crate) fn drop_peer(&mut self, peer: &P) -> Vec<DocId> {
        let mut freed = Vec::new();
        self.running.retain(|(p, d), _| {
            if p == peer {
                freed.push(*d);
            }
            p != peer
        });
        for q in self.queued.values_mut() {
            q.retain(|p| p != peer);
        }
        self.queued.retain(|_, q| !q.is_empty());
        self.no_snapshot.retain(|(p, _)| p != peer);
        freed
    }

    /// True while a session with one of `peers` runs or waits.
    pub fn busy_with(&self, peers: &HashSet<P>) -> bool {
        self.running.keys().any(|(p, _)| peers.contains(p))
            || self.queued.values().flatten().any(|p| peers.contains(p))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{super::MAX_SESSIONS_PER_PEER, *};

    /// A partner name never used before in the test.
    fn peer() -> u32 {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed)
    }

    fn doc(n: u8) -> DocId {
        DocId::from_bytes([n; 16])
    }

    #[test]
    fn one_session_per_document_at_a_time_the_others_queue_in_order() {
        let (a, b, c) = (peer(), peer(), peer());
        let now = Instant::now();
        let mut s = Sessions::new(MAX_SESSIONS_PER_PEER);
        let Start::Open { id, whole: true } = s.start(a, doc(1), now) else { panic!("a opens") };
        assert_eq!(s.start(b, doc(1), now), Start::Queued { busy: true });
        assert_eq!(s.start(c, doc(1), now), Start::Queued { busy: true });
        assert_eq!(s.start(b, doc(1), now), Start::Queued { busy: true }, "queued once");
        assert!(matches!(s.start(b, doc(2), now), Start::Open { .. }), "another document is not gated");
        // While a's session runs, nobody else starts.
        assert_eq!(s.next_queued(doc(1), now, |_| true), None);
        assert!(s.end(a, doc(1), id, true).is_some());
        assert_eq!(s.next_queued(doc(1), now, |_| true), Some(b));
        // b has not opened yet (the caller opens it): the queue holds c for later.
        assert!(matches!(s.start(b, doc(1), now), Start::Open { .. }));
        assert_eq!(s.next_queued(doc(1), now, |_| true), None);
    }

    #[test]
    fn a_slow_session_stops_holding_the_gate() {
        let (a, b) = (peer(), peer());
        let now = Instant::now();
        let mut s = Sessions::new(MAX_SESSIONS_PER_PEER);
        assert!(matches!(s.start(a, doc(1), now), Start::Open { .. }));
        assert_eq!(s.start(b, doc(1), now), Start::Queued { busy: true });
        let later = now + SESSION_GATE + Duration::from_millis(1);
        assert_eq!(s.next_queued(doc(1), later, |_| true), Some(b));
    }

    #[test]
    fn an_answer_about_an_ended_session_is_not_taken_for_a_newer_one() {
        let a = peer();
        let now = Instant::now();
        let mut s = Sessions::new(MAX_SESSIONS_PER_PEER);
        let Start::Open { id: old, .. } = s.start(a, doc(1), now) else { panic!("opens") };
        // The partner disconnects while the engine prepares the opening, and comes back.
        assert_eq!(s.drop_peer(&a), vec![doc(1)]);
        let Start::Open { id: new, .. } = s.start(a, doc(1), now) else { panic!("opens again") };
        assert_ne!(old, new);
        assert!(s.get_mut(a, doc(1), old).is_none(), "the old opening finds no session");
        assert!(s.end(a, doc(1), old, true).is_none(), "and cannot end the new one");
        assert!(s.get_mut(a, doc(1), new).is_some());
    }

    #[test]
    fn again_requeues_behind_the_waiting_partners_and_per_peer_share_holds() {
        let (a, b) = (peer(), peer());
        let now = Instant::now();
        let mut s = Sessions::new(1);
        let Start::Open { id, .. } = s.start(a, doc(1), now) else { panic!("opens") };
        assert_eq!(s.start(a, doc(1), now), Start::Again);
        assert_eq!(s.start(a, doc(2), now), Start::Queued { busy: false }, "a has its one session");
        assert_eq!(s.start(b, doc(1), now), Start::Queued { busy: true });
        assert!(s.end(a, doc(1), id, true).is_some());
        assert_eq!(s.waiting_for(&a, &doc(1)), vec![doc(2)]);
        assert_eq!(s.next_queued(doc(1), now, |_| true), Some(b), "b waited first");
        assert!(matches!(s.start(b, doc(1), now), Start::Open { .. }));
        // A disconnected partner is dropped from the queue, not started.
        assert_eq!(s.next_queued(doc(2), now, |p| *p != a), None);
        assert!(s.queued_docs().iter().all(|d| *d != doc(2)));
    }

    #[test]
    fn whole_document_failure_switches_to_ordinary_sync_until_disconnect() {
        let a = peer();
        let now = Instant::now();
        let mut s = Sessions::new(MAX_SESSIONS_PER_PEER);
        let Start::Open { id, whole: true } = s.start(a, doc(1), now) else { panic!("opens whole") };
        assert!(s.whole_doc_failed(a, doc(1), id));
        assert!(matches!(s.start(a, doc(1), now), Start::Open { whole: false, .. }));
        s.drop_peer(&a);
        assert!(matches!(s.start(a, doc(1), now), Start::Open { whole: true, .. }));
    }

    #[test]
    fn sessions_are_capped() {
        let now = Instant::now();
        let one = peer();
        let mut s = Sessions::new(MAX_SESSIONS);
        for i in 0..MAX_SESSIONS as u64 {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&i.to_le_bytes());
            assert!(matches!(s.start(one, DocId::from_bytes(b), now), Start::Open { .. }));
        }
        assert_eq!(s.start(peer(), doc(0xff), now), Start::Full);
    }
}
