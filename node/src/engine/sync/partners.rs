//! What the engine keeps in memory about its partners' sync, per (partner, document): the
//! Automerge sync state of the session running now, the documents a partner lacks or was
//! sent whole, the heads its hellos and announcements showed it holds, and the documents
//! members listed that this node does not hold yet.
//!
//! Nothing here is stored: the heads shared with a partner are persisted in
//! `Table::SyncStates` with the changes that moved them, and the rest is rebuilt by the next
//! hello. After an internal error `Engine::drop_caches` drops the session states and the
//! expected documents ([`PartnerSync::clear`]), which costs at most a round more; what
//! partners lack or were sent whole is kept, since forgetting a document sent whole would send
//! it whole again.

use std::collections::{HashMap, HashSet};

use automerge::{ChangeHash, sync::State};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::PublicKey,
    schema::DocKind,
};

/// Most documents listed by members and not held here that the engine remembers (about 70 B
/// each): a member listing made-up documents cannot make the list grow without bound.
pub const MAX_PENDING_DOCS: usize = 50_000;

/// A partner (its key's bytes) and a document.
type Pair = ([u8; 32], DocId);

fn pair(peer: &PublicKey, doc: &DocId) -> Pair {
    (peer.to_bytes(), *doc)
}

/// The partners' sync, as the engine keeps it in memory (see the module docs).
#[derive(Default)]
pub(crate) struct PartnerSync {
    /// The sync state per (partner, document) of the sessions since the partner's last hello.
    states: HashMap<Pair, State>,
    /// Documents a partner's last hello did not list though it may read them: it holds none
    /// of them, so a session can send them whole (see `snapshot.rs`).
    lacks: HashSet<Pair>,
    /// Documents a partner fetched whole from this node: until its hello lists them, they are
    /// on their way, so neither pushed again nor synced (the partner drives its own fallback).
    served_whole: HashSet<Pair>,
    /// Heads a partner's hello or announcement showed it holds (its digest was this node's):
    /// what the sync panel counts from besides the sync states (see `syncstatus.rs`).
    seen: HashMap<Pair, Vec<ChangeHash>>,
    /// Documents a member listed or announced that this node does not hold yet: (space, kind).
    expected: HashMap<DocId, (SpaceId, DocKind)>,
}

impl PartnerSync {
    /// The sync state of the session with `peer` about `doc`, if one ran since its hello.
    pub(crate) fn state(&self, peer: &PublicKey, doc: &DocId) -> Option<&State> {
        self.states.get(&pair(peer, doc))
    }

    /// Takes the sync state out, for a round (put back with [`Self::keep_state`]).
    pub(crate) fn take_state(&mut self, peer: &PublicKey, doc: &DocId) -> Option<State> {
        self.states.remove(&pair(peer, doc))
    }

    /// Keeps the sync state of the session with `peer` about `doc`.
    pub(crate) fn keep_state(&mut self, peer: &PublicKey, doc: &DocId, state: State) {
        self.states.insert(pair(peer, doc), state);
    }

    /// Forgets the sync state: the next session starts from the persisted shared heads.
    pub(crate) fn drop_state(&mut self, peer: &PublicKey, doc: &DocId) {
        self.states.remove(&pair(peer, doc));
    }

    /// Forgets every partner's sync state about `doc` (it was rebuilt).
    pub(crate) fn drop_doc(&mut self, doc: &DocId) {
        self.states.retain(|(_, d), _| d != doc);
    }

    /// `peer` said hello on a new connection: its sessions start from the persisted shared
    /// heads, and what it lacks is what this hello will say. (Called before the hello is read:
    /// if reading it fails, the states are gone all the same, which costs a round at most.)
    pub(crate) fn new_hello(&mut self, peer: &PublicKey) {
        let who = peer.to_bytes();
        self.states.retain(|(p, _), _| *p != who);
        self.lacks.retain(|(p, _)| *p != who);
    }

    /// The heads `peer` was seen to hold of `doc` (see [`Self::note_seen`]).
    pub(crate) fn seen(&self, peer: &PublicKey, doc: &DocId) -> Option<&[ChangeHash]> {
        self.seen.get(&pair(peer, doc)).map(Vec::as_slice)
    }

    /// `peer` holds `heads` of `doc` (its hello or announcement had this node's digest).
    pub(crate) fn note_seen(&mut self, peer: &PublicKey, doc: &DocId, heads: Vec<ChangeHash>) {
        self.seen.insert(pair(peer, doc), heads);
    }

    /// `peer`'s hello listed `doc`: it holds it, so one sent whole has arrived. Its hello did
    /// not list `doc`: it lacks it, unless it was sent whole and is on its way; returns whether
    /// it lacks it.
    pub(crate) fn listed(&mut self, peer: &PublicKey, doc: &DocId, listed: bool) -> bool {
        let key = pair(peer, doc);
        if listed {
            self.served_whole.remove(&key);
            false
        } else if self.served_whole.contains(&key) {
            false
        } else {
            self.lacks.insert(key);
            true
        }
    }

    /// The documents `peer` is known to lack.
    pub(crate) fn lacks(&self, peer: &PublicKey) -> Vec<DocId> {
        let who = peer.to_bytes();
        self.lacks.iter().filter(|(p, _)| *p == who).map(|(_, d)| *d).collect()
    }

    /// `peer` lacks exactly `docs` (what it lacked before a hello that does not say).
    pub(crate) fn set_lacks(&mut self, peer: &PublicKey, docs: impl IntoIterator<Item = DocId>) {
        let who = peer.to_bytes();
        self.lacks.retain(|(p, _)| *p != who);
        self.lacks.extend(docs.into_iter().map(|d| (who, d)));
    }

    /// Whether `peer` lacks `doc`, forgetting it: a session sends it whole once.
    pub(crate) fn take_lack(&mut self, peer: &PublicKey, doc: &DocId) -> bool {
        self.lacks.remove(&pair(peer, doc))
    }

    /// `doc` went to `peer` whole: it lacks it no more, and it is on its way until its hello
    /// lists it.
    pub(crate) fn served(&mut self, peer: &PublicKey, doc: &DocId) {
        self.served_whole.insert(pair(peer, doc));
        self.lacks.remove(&pair(peer, doc));
    }

    /// The space and kind of `doc`, which a member listed and this node does not hold yet.
    pub(crate) fn expected(&self, doc: &DocId) -> Option<(SpaceId, DocKind)> {
        self.expected.get(doc).copied()
    }

    /// Remembers that a member listed `doc`, which this node does not hold. The list is only a
    /// cache of what hellos and announcements said (the next hello lists every document again),
    /// so when members listed [`MAX_PENDING_DOCS`] documents that never arrived it is cleared
    /// rather than left to grow.
    pub(crate) fn expect(&mut self, doc: DocId, space: SpaceId, kind: DocKind) {
        if self.expected.len() >= MAX_PENDING_DOCS && !self.expected.contains_key(&doc) {
            tracing::warn!(
                count = self.expected.len(),
                "too many announced documents never arrived; forgetting them"
            );
            self.expected.clear();
        }
        self.expected.insert(doc, (space, kind));
    }

    /// `doc` is held here now: no longer expected.
    pub(crate) fn arrived(&mut self, doc: &DocId) {
        self.expected.remove(doc);
    }

    /// Forgets the sync states and the expected documents (after an internal error).
    pub(crate) fn clear(&mut self) {
        self.states.clear();
        self.expected.clear();
    }
}

#[cfg(test)]
mod tests {
    use twinmesh_protocol::keys::SecretKey;

    use super::*;

    fn key(n: u8) -> PublicKey {
        SecretKey::from_bytes([n; 32]).public()
    }

    #[test]
    fn a_document_sent_whole_is_not_lacking_until_the_partners_hello_lists_it() {
        let (a, doc) = (key(1), DocId::from_bytes([9; 16]));
        let mut p = PartnerSync::default();
        assert!(p.listed(&a, &doc, false), "not listed, never sent: lacking");
        assert!(p.take_lack(&a, &doc));
        assert!(!p.take_lack(&a, &doc), "sent whole once");
        p.served(&a, &doc);
        assert!(!p.listed(&a, &doc, false), "on its way: not lacking");
        assert!(!p.listed(&a, &doc, true));
        assert!(p.listed(&a, &doc, false), "listed once, then missing again: lacking");
    }

    #[test]
    fn a_new_hello_forgets_that_partners_states_and_lacks_only() {
        let (a, b, doc) = (key(1), key(2), DocId::from_bytes([9; 16]));
        let mut p = PartnerSync::default();
        p.keep_state(&a, &doc, State::new());
        p.keep_state(&b, &doc, State::new());
        p.listed(&a, &doc, false);
        p.listed(&b, &doc, false);
        p.new_hello(&a);
        assert!(p.state(&a, &doc).is_none() && p.lacks(&a).is_empty());
        assert!(p.state(&b, &doc).is_some());
        assert_eq!(p.lacks(&b), vec![doc]);
        p.set_lacks(&b, []);
        assert!(p.lacks(&b).is_empty());
    }

    #[test]
    fn expected_documents_are_bounded() {
        let space = SpaceId::from_bytes([3; 32]);
        let mut p = PartnerSync::default();
        for i in 0..MAX_PENDING_DOCS as u32 {
            let mut id = [0; 16];
            id[..4].copy_from_slice(&i.to_be_bytes());
            p.expect(DocId::from_bytes(id), space, DocKind::Minutes);
        }
        let first = DocId::from_bytes([0; 16]);
        p.expect(first, space, DocKind::Minutes);
        assert!(p.expected(&first).is_some(), "one listed again at the cap changes nothing");
        let one_more = DocId::from_bytes([0xff; 16]);
        p.expect(one_more, space, DocKind::Minutes);
        assert!(p.expected(&first).is_none(), "the list was cleared, not grown");
        assert_eq!(p.expected(&one_more), Some((space, DocKind::Minutes)));
        p.arrived(&one_more);
        assert!(p.expected(&one_more).is_none());
    }
}
