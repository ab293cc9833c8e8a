//! Membership and document sync with partner nodes.
//!
//! The network layer moves [`twinmesh_protocol::wire`] messages; everything that decides what to accept lives
//! here, next to the store: who is a member, which documents differ, and which incoming
//! changes are signed by a member who may write. Accepted changes are applied in one batch and
//! persisted with their signatures before the reply is sent.

use std::collections::{HashMap, HashSet};

use automerge::{
    Automerge, Change, ChangeHash,
    sync::{self as am_sync, SyncDoc},
};
use serde::{Deserialize, Serialize};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::{PublicKey, Signature},
    schema::DocKind,
    signed::{self, ChangeRejection, ChangeToVerify},
    space::Municipality,
    time::Timestamp,
    wire::{ChunkSignatures, DocSummary, DocSync, Refusal, SpaceSummary},
};

// The round checks and the heads digest are rules every node shares (protocol crate); named
// here too for the fuzz targets and the tests.
pub use twinmesh_protocol::round::heads_digest;
#[doc(hidden)]
pub use twinmesh_protocol::round::open_round;

use super::{DocMeta, Engine, decode, encode, now};
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

/// How stale a partner's stored `last_seen` may be before a connection or hello rewrites it.
pub const LAST_SEEN_RESOLUTION_MS: i64 = 5 * 60 * 1000;

/// Most documents listed by members and not held here that the engine remembers (about 70 B
/// each): a member listing made-up documents cannot make the list grow without bound.
pub const MAX_PENDING_DOCS: usize = 50_000;

/// Most addresses remembered per partner (newest first; the oldest are dropped).
pub const MAX_PEER_ADDRS: usize = 8;

/// What this node remembers about a partner node.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PeerRecord {
    /// The partner's self-declared profile, from its last hello.
    pub profile: Option<Municipality>,
    /// Addresses it was reached at or announced (multiaddr text, ending in its id), newest
    /// first, at most [`MAX_PEER_ADDRS`]; emptied when it stops being a member of every space
    /// shared with this node.
    pub addrs: Vec<String>,
    /// When it was last connected.
    pub last_seen: Option<Timestamp>,
}

/// The result of receiving one sync round.
#[derive(Debug, Default)]
pub struct Received {
    /// Changes that were new here and were applied.
    pub applied: usize,
    /// Changes refused, with the reason.
    pub rejected: Vec<ChangeRejection>,
    /// Valid changes held until the changes they depend on arrive.
    pub waiting: usize,
    /// Signed changes this node already held (applied or held back): sent to it twice.
    pub duplicates: usize,
    /// The reply to send, if any.
    pub reply: Option<DocSync>,
    /// Space of the document, when known.
    pub space: Option<SpaceId>,
}

/// The signature a round carries for each of its change chunks: named by change hash (versions
/// 1 to 3: a change the sender listed no signature for has none) or given by position (version
/// 4, whose count [`open_round`] checked).
enum RoundSignatures {
    ByHash(HashMap<ChangeHash, Signature>),
    InOrder(Vec<Signature>),
}

impl RoundSignatures {
    fn new(signatures: ChunkSignatures) -> Self {
        match signatures {
            ChunkSignatures::Hashed(pairs) => {
                RoundSignatures::ByHash(pairs.into_iter().map(|(h, s)| (ChangeHash(h), s)).collect())
            }
            ChunkSignatures::InOrder(sigs) => RoundSignatures::InOrder(sigs),
        }
    }

    /// The signature of the chunk at `index`, whose change has `hash`.
    fn of_chunk(&self, index: usize, hash: &ChangeHash) -> Option<Signature> {
        match self {
            RoundSignatures::ByHash(by_hash) => by_hash.get(hash).copied(),
            RoundSignatures::InOrder(sigs) => sigs.get(index).copied(),
        }
    }
}

pub(crate) fn sync_key(peer: &PublicKey, doc: &DocId) -> Vec<u8> {
    let mut k = peer.to_bytes().to_vec();
    k.extend_from_slice(doc.as_bytes());
    k
}

impl Engine {
    // ---- peers ----

    /// Every remembered partner node.
    pub fn peers(&self) -> Result<Vec<(PublicKey, PeerRecord)>, NodeError> {
        let mut out = Vec::new();
        for (k, v) in self.store.scan(Table::Peers, &[])? {
            let key = PublicKey::from_bytes(&k).map_err(|_| NodeError::Corrupt("peer key".into()))?;
            out.push((key, decode("peer record", &v)?));
        }
        Ok(out)
    }

    /// A remembered partner, if any.
    pub fn peer(&self, key: &PublicKey) -> Result<Option<PeerRecord>, NodeError> {
        self.store.get(Table::Peers, &key.to_bytes())?.map(|v| decode("peer record", &v)).transpose()
    }

    /// Remembers that a partner was seen, at `addrs` (newest first) if any: they go before
    /// the addresses remembered already, and only the newest [`MAX_PEER_ADDRS`] are kept.
    pub fn note_peer(
        &self,
        key: &PublicKey,
        addrs: Vec<String>,
        profile: Option<Municipality>,
    ) -> Result<(), NodeError> {
        let old = self.peer(key)?;
        let mut rec = old.clone().unwrap_or_default();
        if !addrs.is_empty() {
            let mut merged: Vec<String> = Vec::with_capacity(MAX_PEER_ADDRS);
            for a in addrs.into_iter().chain(std::mem::take(&mut rec.addrs)) {
                if merged.len() < MAX_PEER_ADDRS && !merged.contains(&a) {
                    merged.push(a);
                }
            }
            rec.addrs = merged;
        }
        if let Some(p) = profile {
            rec.profile = Some(p);
        }
        let t = now();
        // Skip the (flushed) write when the addresses and the profile are unchanged and the
        // stored `last_seen` is recent: it is shown to people ("last seen 10:42") and nothing
        // decides on it, so a resolution of LAST_SEEN_RESOLUTION costs nothing and keeps a
        // reconnect free of disk writes.
        if let Some(old) = &old
            && old.addrs == rec.addrs
            && old.profile == rec.profile
            && old.last_seen.is_some_and(|s| t.0.saturating_sub(s.0) < LAST_SEEN_RESOLUTION_MS)
        {
            return Ok(());
        }
        rec.last_seen = Some(t);
        let mut b = Batch::default();
        b.put(Table::Peers, key.to_bytes().to_vec(), encode(&rec));
        self.store.commit(b)?;
        Ok(())
    }

    /// Remembers the addresses a partner announced (identify's listen addresses, relayed ones
    /// included), newest first, if it is a member of a space this node holds: a node that
    /// shares nothing with this one cannot make it remember, or later dial, addresses.
    /// Returns whether they were remembered.
    pub fn note_partner_addrs(&self, key: &PublicKey, addrs: Vec<String>) -> Result<bool, NodeError> {
        let member = self.member_anywhere(key)?;
        if member {
            self.note_peer(key, addrs, None)?;
        }
        Ok(member)
    }

    /// Whether `key` is a member of some space held here.
    fn member_anywhere(&self, key: &PublicKey) -> Result<bool, NodeError> {
        for s in self.spaces()? {
            if self.is_member(&s.id, key)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Forgets the addresses of `removed` towns that are no longer a member of any space held
    /// here (called when a membership change removed them): this node stops redialling them.
    pub(crate) fn forget_removed_addrs(&self, removed: &[PublicKey]) -> Result<(), NodeError> {
        if removed.is_empty() {
            return Ok(());
        }
        let mut b = Batch::default();
        for key in removed {
            let Some(mut rec) = self.peer(key)? else { continue };
            if !rec.addrs.is_empty() && !self.member_anywhere(key)? {
                rec.addrs.clear();
                b.put(Table::Peers, key.to_bytes().to_vec(), encode(&rec));
            }
        }
        if !b.is_empty() {
            self.store.commit(b)?;
        }
        Ok(())
    }

    // ---- summaries ----

    /// The spaces `peer` belongs or belonged to: their logs, and the documents it may read.
    pub fn hello_for(&mut self, peer: &PublicKey) -> Result<Vec<SpaceSummary>, NodeError> {
        let mut out = Vec::new();
        for info in self.spaces()? {
            // The log goes to anyone who ever was a member, so that a removed admin learns
            // about concurrent removals and every node ends with the same membership.
            // Documents go only to current members, and only while we are one.
            let m = self.membership(&info.id)?;
            if m.member(peer).is_none() {
                continue;
            }
            let readers = m.can_read(peer) && m.can_read(&self.key.public());
            let mut docs = Vec::new();
            for d in self.docs(Some(&info.id))?.into_iter().filter(|_| readers) {
                // From the Heads table: a hello loads no document.
                let heads = self.heads_of(&d.id, &d.meta)?;
                docs.push(DocSummary { doc: d.id, kind: d.meta.kind, heads_digest: heads_digest(&heads) });
            }
            out.push(SpaceSummary { space: self.space(&info.id)?, log: self.member_ops(&info.id)?, docs });
        }
        Ok(out)
    }

    /// Takes in a partner's hello: learns spaces it shares with us and their membership logs,
    /// and returns the documents that differ between the two nodes, and whether any log grew
    /// (so other partners can be told).
    pub fn on_hello(
        &mut self,
        peer: &PublicKey,
        from: Municipality,
        spaces: Vec<SpaceSummary>,
    ) -> Result<(Vec<DocId>, bool), NodeError> {
        if from.key != *peer {
            return Err(NodeError::NotAllowed("hello profile does not match the connection's key".into()));
        }
        self.note_peer(peer, Vec::new(), Some(from))?;
        self.peer_lacks.retain(|(p, _)| *p != peer.to_bytes());
        let me = self.key.public();
        let mut differ = Vec::new();
        let mut log_changed = false;
        let mut new_space_budget = twinmesh_protocol::membership::MAX_NEW_SPACE_OPS_PER_HELLO;
        if spaces.len() > twinmesh_protocol::membership::MAX_SPACES_PER_HELLO {
            tracing::warn!(peer = %peer.fmt_short(), spaces = spaces.len(), "hello lists too many spaces; reading the first ones");
        }
        for summary in spaces.into_iter().take(twinmesh_protocol::membership::MAX_SPACES_PER_HELLO) {
            let Ok(space_id) = summary.space.verify() else {
                tracing::warn!(peer = %peer.fmt_short(), "hello carried a badly signed space; ignored");
                continue;
            };
            // Learn a new space only from one of its admins, and only if its (small) log makes
            // us a member; joining with an invitation is the usual way in.
            let known = self.store.get(Table::Spaces, space_id.as_bytes())?.is_some();
            if !known
                && !self.learn_space_from_hello(peer, &summary.space, &summary.log, &mut new_space_budget)?
            {
                continue;
            }
            // The log is merged only from a partner that is or was a member.
            match self.merge_ops_from_peer(&space_id, peer, summary.log) {
                Ok(changed) => log_changed |= changed,
                Err(e @ NodeError::NotAllowed(_)) => {
                    tracing::warn!(peer = %peer.fmt_short(), space = %space_id, error = %e, "membership log not merged");
                }
                Err(e) => return Err(e),
            }
            if !self.is_member(&space_id, peer)? || !self.is_member(&space_id, &me)? {
                continue;
            }
            let local: HashMap<DocId, DocMeta> =
                self.docs(Some(&space_id))?.into_iter().map(|d| (d.id, d.meta)).collect();
            let mut theirs = HashSet::new();
            for d in summary.docs.iter().take(twinmesh_protocol::wire::MAX_DOCS_PER_SPACE) {
                theirs.insert(d.doc);
                match local.get(&d.doc) {
                    Some(meta) => {
                        let ours = heads_digest(&self.heads_of(&d.doc, meta)?);
                        if ours != d.heads_digest {
                            differ.push(d.doc);
                        }
                    }
                    None => {
                        if self.store.get(Table::Docs, d.doc.as_bytes())?.is_none() {
                            self.want_doc(d.doc, space_id, d.kind);
                            differ.push(d.doc);
                        }
                    }
                }
            }
            for id in local.keys() {
                let key = (peer.to_bytes(), *id);
                if theirs.contains(id) {
                    self.served_whole.remove(&key);
                } else if !self.served_whole.contains(&key) {
                    self.peer_lacks.insert(key);
                    differ.push(*id);
                }
            }
        }
        // Forget sync state kept in memory for this peer: a new connection starts from the
        // persisted shared heads.
        self.sync_states.retain(|(p, _), _| *p != peer.to_bytes());
        Ok((differ, log_changed))
    }

    /// Takes in a hello this node answers (see [`Engine::on_hello`]) and returns whether a log
    /// grew. Only the side that sent the hello compares documents and opens sessions, so what
    /// this hello says the partner lacks is not remembered: a whole-document push planned here
    /// would go out at some later session, after the partner fetched the document itself.
    pub fn on_hello_answered(
        &mut self,
        peer: &PublicKey,
        from: Municipality,
        spaces: Vec<SpaceSummary>,
    ) -> Result<bool, NodeError> {
        // What this node's own hello exchange found the partner lacks stays true unless this
        // hello lists the document: both sides send a hello when they connect, and the answer
        // to ours may be acted on (its sessions opened) after this hello is answered.
        let who = peer.to_bytes();
        let listed: HashSet<DocId> = spaces.iter().flat_map(|s| s.docs.iter().map(|d| d.doc)).collect();
        let still_lacks: Vec<([u8; 32], DocId)> =
            self.peer_lacks.iter().filter(|(p, d)| *p == who && !listed.contains(d)).copied().collect();
        let (_, changed) = self.on_hello(peer, from, spaces)?;
        self.peer_lacks.retain(|(p, _)| *p != who);
        self.peer_lacks.extend(still_lacks);
        Ok(changed)
    }

    // ---- sync rounds ----

    /// The document to sync: loaded if `stored` (its Docs row exists; the caller read it),
    /// else the in-memory copy of one arriving now.
    fn doc_for_sync_as(&mut self, doc: &DocId, stored: bool) -> Result<&mut Automerge, NodeError> {
        if stored {
            return self.load(doc);
        }
        let actor = self.actor();
        Ok(self.docs.entry(*doc).or_insert_with(|| Automerge::new().with_actor(actor)))
    }

    fn take_state(&mut self, peer: &PublicKey, doc: &DocId) -> Result<am_sync::State, NodeError> {
        if let Some(s) = self.sync_states.remove(&(peer.to_bytes(), *doc)) {
            return Ok(s);
        }
        Ok(match self.store.get(Table::SyncStates, &sync_key(peer, doc))? {
            Some(bytes) => am_sync::State::decode(&bytes).unwrap_or_else(|_| am_sync::State::new()),
            None => am_sync::State::new(),
        })
    }

    fn put_state(&mut self, peer: &PublicKey, doc: &DocId, state: am_sync::State) -> Result<(), NodeError> {
        let mut b = Batch::default();
        b.put(Table::SyncStates, sync_key(peer, doc), state.encode());
        self.sync_states.insert((peer.to_bytes(), *doc), state);
        if self.store.get(Table::Docs, doc.as_bytes())?.is_some() {
            self.store.commit(b)?;
        }
        Ok(())
    }

    /// Starts a new sync session with `peer` about `doc`: forgets the in-memory session state
    /// (keeping the persisted shared heads, so nothing already shared is sent again) and returns
    /// the opening message.
    pub fn sync_start(&mut self, peer: &PublicKey, doc: &DocId) -> Result<Option<DocSync>, NodeError> {
        self.sync_states.remove(&(peer.to_bytes(), *doc));
        self.sync_generate(peer, doc)
    }

    /// The next message of a sync session with `peer` about `doc`, or `None` if this side has
    /// nothing to say. Fails if the peer may not read the document's space.
    pub fn sync_generate(&mut self, peer: &PublicKey, doc: &DocId) -> Result<Option<DocSync>, NodeError> {
        let stored = self.stored_meta(doc)?;
        let (space, kind) = match &stored {
            Some(m) => (m.space, m.kind),
            None => {
                self.pending_docs.get(doc).copied().ok_or_else(|| NodeError::UnknownDoc(doc.to_string()))?
            }
        };
        if !self.is_member(&space, peer)? {
            return Err(NodeError::NotAllowed(format!(
                "{} is not a member of the document's space",
                peer.fmt_short()
            )));
        }
        let mut state = self.take_state(peer, doc)?;
        let shared_before = state.shared_heads.clone();
        let am_doc = self.doc_for_sync_as(doc, stored.is_some())?;
        let msg = am_doc.generate_sync_message(&mut state);
        let out = match msg {
            None => None,
            Some(mut m) => {
                // Stay on the V1 message format: one chunk per change, so that every change can
                // be checked against its signature on arrival.
                m.flags = None;
                self.ask_for_what_held_changes_wait_for(doc, &mut m)?;
                let signatures = self.signatures_of_chunks(doc, &m)?;
                Some(DocSync {
                    space,
                    doc: *doc,
                    kind,
                    message: Some(m.encode()),
                    signatures: ChunkSignatures::Hashed(signatures),
                })
            }
        };
        // Only the shared heads are persisted, and generating a message does not move them:
        // nothing to write (the round that moved them wrote them with its changes).
        if state.shared_heads == shared_before {
            self.sync_states.insert((peer.to_bytes(), *doc), state);
        } else {
            self.put_state(peer, doc, state)?;
        }
        Ok(out)
    }

    /// One `(hash, signature)` per change chunk of `m`, in chunk order: what every protocol
    /// version can send (version 4 sends the signatures alone and the receiver pairs them with
    /// the chunks by position, so a skipped change would shift every later signature). Only the
    /// signatures of the changes sent are read: reading every signature of the document made
    /// each round cost time proportional to its history.
    ///
    /// # Errors
    /// [`NodeError::Corrupt`] naming the document and the change if a change to send does not
    /// parse or has no stored signature: the round is not sent at all.
    fn signatures_of_chunks(
        &self,
        doc: &DocId,
        m: &am_sync::Message,
    ) -> Result<Vec<([u8; 32], Signature)>, NodeError> {
        let hashes = m
            .changes
            .iter()
            .map(|chunk| {
                Change::from_bytes(chunk.to_vec()).map(|c| c.hash()).map_err(|e| {
                    NodeError::Corrupt(format!("document {doc}: a change to send does not parse: {e}"))
                })
            })
            .collect::<Result<Vec<ChangeHash>, NodeError>>()?;
        // The one signature lookup of the sync path: one answer per hash, in order.
        let found = self.signatures_of(doc, &hashes)?;
        hashes
            .iter()
            .zip(found)
            .map(|(hash, sig)| match sig {
                Some(sig) => Ok((hash.0, sig)),
                None => {
                    tracing::error!(%doc, change = %hash, "a change to send has no stored signature");
                    Err(NodeError::Corrupt(format!(
                        "document {doc}: change {hash} has no usable signature; not sending the round"
                    )))
                }
            })
            .collect()
    }

    /// Changes held because a dependency is missing are invisible to Automerge, which would
    /// ask the partner for the held changes themselves (already sent, so never resent in this
    /// session) instead of what they wait for — after a Bloom filter false positive the two
    /// nodes would never converge. The message asks for the missing dependencies instead.
    fn ask_for_what_held_changes_wait_for(
        &mut self,
        doc: &DocId,
        m: &mut am_sync::Message,
    ) -> Result<(), NodeError> {
        let held = self.quarantined(doc)?;
        if held.is_empty() {
            return Ok(());
        }
        let held_hashes: HashSet<ChangeHash> = held.iter().map(|(c, _)| c.hash()).collect();
        let deps: Vec<ChangeHash> = held
            .iter()
            .flat_map(|(c, _)| c.deps().iter().copied())
            .filter(|d| !held_hashes.contains(d))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let Some(am_doc) = self.docs.get(doc) else { return Ok(()) };
        let present = super::admit::present(am_doc, &deps);
        let mut need: Vec<ChangeHash> = m.need.iter().filter(|h| !held_hashes.contains(h)).copied().collect();
        need.extend(deps.into_iter().filter(|d| !present.contains(d)));
        need.sort();
        need.dedup();
        m.need = need;
        Ok(())
    }

    /// Receives one sync round from `peer`: verifies every change it carries (signature, and
    /// that its author may write to the space), applies the accepted ones in one batch, persists
    /// them with their signatures, and prepares the reply. Refused changes are reported; the
    /// valid rest of the round still applies. A round that cannot be read as a whole (an
    /// undecodable message, a bad Bloom filter, or on version 4 a signature count that differs
    /// from the chunk count) is refused and nothing of it is applied.
    pub fn sync_receive(&mut self, peer: &PublicKey, msg: DocSync) -> Result<Received, Refusal> {
        self.sync_receive_inner(peer, msg).map_err(|e| match e {
            NodeError::NotAllowed(_) => Refusal::NotAMember,
            NodeError::UnknownDoc(_) | NodeError::UnknownSpace(_) => Refusal::UnknownDoc,
            other => Refusal::BadMessage(other.to_string()),
        })
    }

    fn sync_receive_inner(&mut self, peer: &PublicKey, msg: DocSync) -> Result<Received, NodeError> {
        let space = msg.space;
        self.space(&space)?;
        if !self.is_member(&space, peer)? || !self.is_member(&space, &self.key.public())? {
            return Err(NodeError::NotAllowed("not a member".into()));
        }
        // The document's row, read once for the whole round.
        let stored = self.stored_meta(&msg.doc)?;
        let known_space = match &stored {
            Some(m) => Some(m.space),
            None => self.pending_docs.get(&msg.doc).map(|(s, _)| *s),
        };
        if known_space.is_some_and(|s| s != space) {
            return Err(NodeError::NotAllowed("document is in another space".into()));
        }
        let unknown = known_space.is_none();
        let doc_id = msg.doc;
        let round = open_round(&doc_id, msg.message.as_deref(), &msg.signatures)?;
        if unknown {
            self.want_doc(doc_id, space, msg.kind);
        }
        let mut received = Received { space: Some(space), ..Default::default() };
        let mut state = self.take_state(peer, &doc_id)?;
        if let Some(mut m) = round {
            // Every change is checked against the signature the round carries for it, whichever
            // version carried the round: the versions differ only in how the two are paired.
            let sigs = RoundSignatures::new(msg.signatures);
            let mut parsed: Vec<(Change, Option<Signature>)> = Vec::new();
            for (i, chunk) in m.changes.iter().enumerate() {
                match super::parse_incoming_change(chunk.to_vec()) {
                    Ok(c) => {
                        let sig = sigs.of_chunk(i, &c.hash());
                        parsed.push((c, sig));
                    }
                    Err(reason) => received.rejected.push(ChangeRejection::Malformed { reason }),
                }
            }
            // The chunks are parsed; what reaches Automerge is set below (admitted changes only).
            m.changes = am_sync::ChunkList::from(Vec::<Vec<u8>>::new());
            let checks: Vec<ChangeToVerify<'_>> = parsed
                .iter()
                .map(|(c, sig)| ChangeToVerify { hash: c.hash(), actor: c.actor_id(), signature: *sig })
                .collect();
            let results = signed::verify_batch(&doc_id, &checks);
            let mut signed_ok: Vec<(Change, Signature)> = Vec::new();
            for ((c, sig), r) in parsed.into_iter().zip(results) {
                match (r, sig) {
                    (Ok(_), Some(s)) => signed_ok.push((c, s)),
                    // `verify_batch` refuses a change without a signature (`Unsigned`).
                    (Ok(_), None) => received.rejected.push(ChangeRejection::Unsigned { hash: c.hash() }),
                    (Err(rej), _) => received.rejected.push(rej),
                }
            }
            // Authors are checked against the membership log; held changes join the pool, since
            // a change in this round may make one of them valid, or bring what it waits for.
            let incoming: HashSet<ChangeHash> = signed_ok.iter().map(|(c, _)| c.hash()).collect();
            let quarantined = self.quarantined(&doc_id)?;
            let q_hashes: HashSet<ChangeHash> = quarantined.iter().map(|(c, _)| c.hash()).collect();
            let mut pool = signed_ok;
            pool.extend(quarantined.into_iter().filter(|(c, _)| !incoming.contains(&c.hash())));
            let (ok, bad) = self.classify(&space, &doc_id, pool)?;
            let mut qb = Batch::default();
            let new_bad: Vec<(Change, Signature)> = bad
                .iter()
                .filter(|(c, _, _)| incoming.contains(&c.hash()) && !q_hashes.contains(&c.hash()))
                .map(|(c, s, _)| (c.clone(), *s))
                .collect();
            for (c, _, why) in &bad {
                if incoming.contains(&c.hash()) {
                    received.rejected.push(why.clone());
                }
            }
            self.quarantine_batch(&mut qb, &doc_id, &new_bad, &[])?;
            let was_stored = stored.is_some();
            let meta = match stored {
                Some(m) => m,
                None => {
                    let (space, kind) = self.pending_docs.get(&doc_id).copied().unwrap_or((space, msg.kind));
                    DocMeta::arriving(space, kind)
                }
            };
            let incoming: Vec<ChangeHash> = incoming.into_iter().collect();
            received.duplicates =
                super::admit::present(self.doc_for_sync_as(&doc_id, was_stored)?, &incoming).len()
                    + incoming.iter().filter(|h| q_hashes.contains(h)).count();
            // Only changes whose dependencies are present reach Automerge (see `admit`). The
            // sync state goes in the same batch as the changes: one flush per round. It is
            // kept only for a document that is (or is now being) stored, as in `put_state`.
            let state_key = sync_key(peer, &doc_id);
            let admitted = self.admit_with(&doc_id, meta, ok, &q_hashes, qb, |doc, ready, writes| {
                let keep_state = was_stored || !ready.is_empty();
                let mut m = m.clone();
                m.changes = am_sync::ChunkList::from(
                    ready.iter().map(|c| c.raw_bytes().to_vec()).collect::<Vec<_>>(),
                );
                doc.receive_sync_message(&mut state, m).map_err(|e| {
                    NodeError::InvalidInput(format!("sync message could not be applied: {e}"))
                })?;
                if keep_state {
                    writes.put(Table::SyncStates, state_key.clone(), state.encode());
                } else {
                    writes.remove(Table::SyncStates, state_key.clone());
                }
                Ok(())
            })?;
            received.applied = admitted.applied;
            received.waiting = admitted.waiting;
            received.rejected.extend(admitted.refused);
            for r in &received.rejected {
                // The network task logs the peer at warn, rate-limited (`net::NetTask::misbehaved`).
                tracing::debug!(peer = %peer.fmt_short(), doc = %doc_id, reason = %r, "rejected change");
            }
            // Persisted with the round's changes above.
            self.sync_states.insert((peer.to_bytes(), doc_id), state);
        } else {
            self.put_state(peer, &doc_id, state)?;
        }
        received.reply = self.sync_generate(peer, &doc_id)?;
        Ok(received)
    }

    /// The current heads of a document, sorted.
    pub fn heads(&mut self, doc: &DocId) -> Result<Vec<ChangeHash>, NodeError> {
        let meta = self.doc_meta(doc)?;
        self.heads_of(doc, &meta)
    }

    /// The space and heads digest of a document, for announcements.
    pub fn doc_digest(&mut self, doc: &DocId) -> Result<(SpaceId, [u8; 32]), NodeError> {
        let meta = self.doc_meta(doc)?;
        let heads = self.heads_of(doc, &meta)?;
        Ok((meta.space, heads_digest(&heads)))
    }

    /// True if the local copy of `doc` has a different heads digest than `digest`.
    pub fn differs(&mut self, doc: &DocId, digest: &[u8; 32]) -> Result<bool, NodeError> {
        if self.store.get(Table::Docs, doc.as_bytes())?.is_none() {
            return Ok(true);
        }
        Ok(self.doc_digest(doc)?.1 != *digest)
    }

    /// Marks a document announced by a member as wanted, so a sync can create it here.
    pub fn expect_doc(&mut self, space: SpaceId, doc: DocId, kind: DocKind) {
        if !self.pending_docs.contains_key(&doc) {
            self.want_doc(doc, space, kind);
        }
    }

    /// Remembers that a member listed `doc`, which this node does not hold. The list is only a
    /// cache of what hellos and announcements said (the next hello lists every document again),
    /// so when a member has listed [`MAX_PENDING_DOCS`] documents that never arrive it is
    /// cleared rather than left to grow.
    fn want_doc(&mut self, doc: DocId, space: SpaceId, kind: DocKind) {
        if self.pending_docs.len() >= MAX_PENDING_DOCS && !self.pending_docs.contains_key(&doc) {
            tracing::warn!(
                count = self.pending_docs.len(),
                "too many announced documents never arrived; forgetting them"
            );
            self.pending_docs.clear();
        }
        self.pending_docs.insert(doc, (space, kind));
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::{CommitOptions, Transactable};
    use twinmesh_protocol::{
        export::DocExport,
        keys::SecretKey,
        membership::Role,
        signed::{actor_id, sign_change},
        wire::{Request, Version},
    };

    use super::*;
    use crate::{identity::DataDir, store::trees};

    /// Documents listed by a member and never sent are forgotten in bulk past the cap, and the
    /// one just listed is kept.
    #[test]
    fn documents_listed_but_never_sent_are_bounded() {
        let dir = tempfile::tempdir().expect("dir");
        let mut e = Engine::init(&DataDir::new(dir.path()), "Saint-Pol", "FR", false).expect("init");
        let space = e.create_space("S").expect("space").id;
        let id = |i: usize| {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&(i as u64).to_be_bytes());
            DocId::from_bytes(b)
        };
        for i in 0..MAX_PENDING_DOCS {
            e.expect_doc(space, id(i), DocKind::Plan);
        }
        assert_eq!(e.pending_docs.len(), MAX_PENDING_DOCS);
        e.expect_doc(space, id(0), DocKind::Plan);
        assert_eq!(e.pending_docs.len(), MAX_PENDING_DOCS, "one already listed changes nothing");
        e.expect_doc(space, id(MAX_PENDING_DOCS), DocKind::Plan);
        assert_eq!(e.pending_docs.len(), 1);
        assert!(e.pending_docs.contains_key(&id(MAX_PENDING_DOCS)));
    }

    /// A founder with a plan of a few changes, and a member that learned the space (and that
    /// the plan exists) from the founder's hello.
    fn pair() -> (Engine, Engine, DocId, [tempfile::TempDir; 2]) {
        let dirs = [tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir")];
        let mut a = Engine::init(&DataDir::new(dirs[0].path()), "Saint-Pol", "FR", false).expect("init");
        let mut b = Engine::init(&DataDir::new(dirs[1].path()), "Warstein", "DE", false).expect("init");
        let space = a.create_space("S").expect("space").id;
        a.add_member(&space, b.me().key, "Warstein", Role::Editor).expect("add");
        let doc = a.create_doc(&space, DocKind::Plan, "P", None).expect("doc").id;
        let path = "summary".parse().expect("path");
        for i in 0..5 {
            a.splice_text(&doc, &path, &[(0, 0, &format!("{i} "))], None, None).expect("splice");
        }
        let hello = a.hello_for(&b.me().key).expect("hello");
        let a_me = a.me().clone();
        b.on_hello(&a_me.key, a_me.clone(), hello).expect("on hello");
        (a, b, doc, dirs)
    }

    /// `msg` as a node speaking `version` receives it: written and read by that version.
    fn over(version: Version, msg: DocSync) -> DocSync {
        let bytes = Request::Sync(msg).to_wire(version).expect("a node's round goes out on every version");
        match Request::from_wire(&bytes, version) {
            Ok(Request::Sync(m)) => m,
            other => panic!("{version}: {other:?}"),
        }
    }

    #[test]
    fn rounds_a_node_builds_go_out_on_every_version_and_the_partner_converges() {
        for version in [Version::V4, Version::V3] {
            let (mut a, mut b, doc, _dirs) = pair();
            let (a_key, b_key) = (a.me().key, b.me().key);
            let mut next = b.sync_start(&a_key, &doc).expect("start");
            let mut rounds = 0;
            while let Some(req) = next {
                rounds += 1;
                assert!(rounds < 16, "{version}: the session ends");
                let at_a = a.sync_receive(&b_key, over(version, req)).expect("a receives");
                assert!(at_a.rejected.is_empty(), "{version}: {:?}", at_a.rejected);
                let reply = at_a.reply.unwrap_or_else(|| DocSync {
                    space: at_a.space.expect("space"),
                    doc,
                    kind: DocKind::Plan,
                    message: None,
                    signatures: ChunkSignatures::default(),
                });
                if let ChunkSignatures::Hashed(pairs) = &reply.signatures
                    && let Some(bytes) = &reply.message
                {
                    // One pair per chunk, in chunk order: what lets version 4 drop the hashes.
                    let m = am_sync::Message::decode(bytes).expect("decodes");
                    let hashes: Vec<[u8; 32]> = m
                        .changes
                        .iter()
                        .map(|c| Change::from_bytes(c.to_vec()).expect("change").hash().0)
                        .collect();
                    assert_eq!(pairs.iter().map(|(h, _)| *h).collect::<Vec<_>>(), hashes);
                }
                let at_b = b.sync_receive(&a_key, over(version, reply)).expect("b receives");
                assert!(at_b.rejected.is_empty(), "{version}: {:?}", at_b.rejected);
                next = at_b.reply;
            }
            assert_eq!(b.heads(&doc).expect("b heads"), a.heads(&doc).expect("a heads"), "{version}");
            let history = b.history(&doc).expect("history");
            assert_eq!(history.len() as u64, a.doc_meta(&doc).expect("meta").changes, "{version}");
            assert!(history.iter().all(|h| h.signature == crate::engine::SignatureStatus::Verified));
        }
    }

    /// A received round is one flushed batch: its changes and the sync state together, and the
    /// reply it generates writes nothing. The state so written is what the next session (after
    /// a restart) starts from: nothing already shared is sent again.
    #[test]
    fn a_received_round_is_one_flushed_batch_and_its_sync_state_survives_a_restart() {
        let (mut a, mut b, doc, dirs) = pair();
        let (a_key, b_key) = (a.me().key, b.me().key);
        let before = b.store.commits();
        let mut next = b.sync_start(&a_key, &doc).expect("start");
        assert_eq!(b.store.commits(), before, "opening a session writes nothing");
        let mut rounds = 0;
        while let Some(req) = next {
            rounds += 1;
            assert!(rounds < 16, "the session ends");
            let at_a = a.sync_receive(&b_key, req).expect("a receives");
            let Some(reply) = at_a.reply else { break };
            let commits = b.store.commits();
            let at_b = b.sync_receive(&a_key, reply).expect("b receives");
            assert!(at_b.rejected.is_empty(), "{:?}", at_b.rejected);
            assert!(
                b.store.commits() - commits <= 1,
                "round {rounds}: {} flushes for one received round",
                b.store.commits() - commits
            );
            next = at_b.reply;
        }
        assert_eq!(b.heads(&doc).expect("b heads"), a.heads(&doc).expect("a heads"));
        // After a restart, B's first message tells A the shared heads: A has nothing to send.
        b.close();
        let mut b = Engine::open(&DataDir::new(dirs[1].path())).expect("reopen");
        let opening = b.sync_start(&a_key, &doc).expect("start").expect("an opening message");
        let at_a = a.sync_receive(&b_key, opening).expect("a receives");
        let sent_changes = at_a
            .reply
            .and_then(|r| r.message)
            .map(|m| am_sync::Message::decode(&m).expect("decodes").changes.len())
            .unwrap_or(0);
        assert_eq!(sent_changes, 0, "nothing already shared is sent again after a restart");
    }

    #[test]
    fn a_tampered_signature_is_refused_by_name_whichever_form_carries_it() {
        let (mut a, _b, doc, _dirs) = pair();
        let member = SecretKey::from_bytes([7; 32]);
        let space = a.doc_meta(&doc).expect("meta").space;
        a.add_member(&space, member.public(), "Kaštela", Role::Editor).expect("add");
        let saved = DocExport::from_bytes(&a.export(&doc).expect("export")).expect("decodes").saved;
        let change = |suffix: u8, field: &str| {
            let mut d =
                Automerge::load(&saved).expect("load").with_actor(actor_id(&member.public(), [suffix; 16]));
            let mut tx = d.transaction();
            tx.put(automerge::ROOT, field, "x").expect("put");
            let (h, _) = tx.commit_with(CommitOptions::default().with_time(0));
            automerge::ReadDoc::get_change_by_hash(&d, &h.expect("hash")).expect("change")
        };
        let (good, tampered) = (change(1, "acronym"), change(2, "working_language"));
        let good_sig = sign_change(&member, &doc, &good.hash());
        let wrong_sig = sign_change(&member, &doc, &ChangeHash([9; 32]));
        let m = am_sync::Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: am_sync::ChunkList::from(vec![good.raw_bytes().to_vec(), tampered.raw_bytes().to_vec()]),
            flags: None,
            version: am_sync::MessageVersion::V1,
        }
        .encode();
        let forms = [
            ChunkSignatures::InOrder(vec![good_sig, wrong_sig]),
            ChunkSignatures::Hashed(vec![(good.hash().0, good_sig), (tampered.hash().0, wrong_sig)]),
        ];
        for (i, signatures) in forms.into_iter().enumerate() {
            let msg = DocSync { space, doc, kind: DocKind::Plan, message: Some(m.clone()), signatures };
            let got = a.sync_receive(&member.public(), msg).expect("answered");
            assert_eq!(got.rejected, vec![ChangeRejection::BadSignature { hash: tampered.hash() }]);
            // The good change applies the first time and is a duplicate the second.
            assert_eq!((got.applied, got.duplicates), if i == 0 { (1, 0) } else { (0, 1) });
        }
    }

    #[test]
    fn a_change_without_a_stored_signature_stops_the_round_instead_of_shifting_signatures() {
        let (mut a, mut b, doc, _dirs) = pair();
        let (a_key, b_key) = (a.me().key, b.me().key);
        let head = a.heads(&doc).expect("heads")[0];
        let mut batch = Batch::default();
        batch.remove(Table::Sigs, trees::change_key(doc.as_bytes(), &head.0));
        a.store.commit(batch).expect("commit");
        let first = b.sync_start(&a_key, &doc).expect("start").expect("a first message");
        match a.sync_receive_inner(&b_key, first) {
            Err(NodeError::Corrupt(m)) => {
                assert!(m.contains(&doc.to_string()) && m.contains(&head.to_string()), "{m}")
            }
            other => panic!("a corrupt-store error naming the document, got {other:?}"),
        }
    }
}
