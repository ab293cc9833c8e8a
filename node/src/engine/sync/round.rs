//! Sync rounds: building this node's next message of a session (each change chunk with its
//! stored signature, and which chunks are their author's latest, the ones version 5 signs) and
//! taking in a partner's round (signatures checked, the rest proven through them on version 5,
//! applied and persisted with the session's sync state in one flushed batch).

use std::collections::HashSet;

use automerge::{
    Automerge, Change, ChangeHash,
    sync::{self as am_sync, SyncDoc},
};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::{PublicKey, Signature},
    membership::WriteRight,
    signed::{self, ChangeRejection, ChangeToVerify},
    vouch,
    wire::{ChunkSignatures, DocSync, OutgoingSignature, Refusal},
};

use super::{
    super::{DocMeta, members::Held, members::SignedChanges},
    Engine, open_round,
    proof::{RoundSignatures, held_witnesses, prove},
};
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

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
    /// How many of `rejected` the sender is not to blame for: changes of another town that was
    /// a member and lost its write access (a removal's cutoff), which a partner passes on when
    /// it accepted them before it heard of the removal, or sends along to prove that town's
    /// earlier changes (`proof.rs`). They do not count towards the sender's ban; a change by a
    /// key the space never knew, a bad signature or a malformed change does.
    pub excused: usize,
    /// The reply to send, if any.
    pub reply: Option<DocSync>,
    /// Space of the document, when known.
    pub space: Option<SpaceId>,
}

pub(crate) fn sync_key(peer: &PublicKey, doc: &DocId) -> Vec<u8> {
    let mut k = peer.to_bytes().to_vec();
    k.extend_from_slice(doc.as_bytes());
    k
}

impl Engine {
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
        if let Some(s) = self.partners.take_state(peer, doc) {
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
        self.partners.keep_state(peer, doc, state);
        if self.store.get(Table::Docs, doc.as_bytes())?.is_some() {
            self.store.commit(b)?;
        }
        Ok(())
    }

    /// Starts a new sync session with `peer` about `doc`: forgets the in-memory session state
    /// (keeping the persisted shared heads, so nothing already shared is sent again) and returns
    /// the opening message.
    pub fn sync_start(&mut self, peer: &PublicKey, doc: &DocId) -> Result<Option<DocSync>, NodeError> {
        self.partners.drop_state(peer, doc);
        self.sync_generate(peer, doc)
    }

    /// The next message of a sync session with `peer` about `doc`, or `None` if this side has
    /// nothing to say. Fails if the peer may not read the document's space.
    pub fn sync_generate(&mut self, peer: &PublicKey, doc: &DocId) -> Result<Option<DocSync>, NodeError> {
        let stored = self.stored_meta(doc)?;
        let (space, kind) = match &stored {
            Some(m) => (m.space, m.kind),
            None => self.partners.expected(doc).ok_or_else(|| NodeError::UnknownDoc(doc.to_string()))?,
        };
        self.sync_generate_known(peer, doc, Known { space, kind, stored: stored.is_some(), held: None })
    }

    /// [`Engine::sync_generate`] with what the caller read already (a received round: its
    /// reply reads no row the round read).
    fn sync_generate_known(
        &mut self,
        peer: &PublicKey,
        doc: &DocId,
        known: Known,
    ) -> Result<Option<DocSync>, NodeError> {
        let Known { space, kind, stored, held } = known;
        if !self.is_member(&space, peer)? {
            return Err(NodeError::NotAllowed(format!(
                "{} is not a member of the document's space",
                peer.fmt_short()
            )));
        }
        let mut state = self.take_state(peer, doc)?;
        let shared_before = state.shared_heads.clone();
        let am_doc = self.doc_for_sync_as(doc, stored)?;
        let msg = am_doc.generate_sync_message(&mut state);
        let out = match msg {
            None => None,
            Some(mut m) => {
                // Stay on the V1 message format: one chunk per change, so that every change can
                // be checked against its signature on arrival.
                m.flags = None;
                let held = match held {
                    Some(h) => h,
                    None => self.quarantined(doc)?,
                };
                self.ask_for_what_held_changes_wait_for(doc, &mut m, &held);
                let signatures = self.sign_chunks(doc, &mut m, &held)?;
                Some(DocSync {
                    space,
                    doc: *doc,
                    kind,
                    message: Some(m.encode()),
                    signatures: ChunkSignatures::Outgoing(signatures),
                })
            }
        };
        // Only the shared heads are persisted, and generating a message does not move them:
        // nothing to write (the round that moved them wrote them with its changes).
        if state.shared_heads == shared_before {
            self.partners.keep_state(peer, doc, state);
        } else {
            self.put_state(peer, doc, state)?;
        }
        Ok(out)
    }

    /// For each change chunk of `m`, in chunk order: its hash, its stored signature, and
    /// whether it is its author's latest change in the round (`vouch::latest_by_author`). The
    /// codec writes what the negotiated version carries: every signature (versions 1 to 4,
    /// which fail to send when one is not kept here) or the latest changes' (version 5). Only
    /// the signatures of the changes sent are read: reading every signature of the document
    /// made each round cost time proportional to its history.
    ///
    /// An author's latest change in the round that this node keeps no signature of was proven
    /// here through a later change of its author; when that later change is held back (refused
    /// after the author's removal, which rebuilt the document without it), the held changes of
    /// that author go along as extra chunks, with their signatures, so the partner can prove the
    /// earlier one the same way (and refuses the held ones as this node did). Without them the
    /// partner held the change unproven until it reached it from a node with the author's own
    /// signature (the sync simulator found such a town).
    ///
    /// # Errors
    /// [`NodeError::Corrupt`] naming the document if a change to send does not parse: the
    /// round is not sent at all.
    fn sign_chunks(
        &self,
        doc: &DocId,
        m: &mut am_sync::Message,
        held: &[(Change, Held)],
    ) -> Result<Vec<OutgoingSignature>, NodeError> {
        let mut changes = m
            .changes
            .iter()
            .map(|chunk| {
                Change::from_bytes(chunk.to_vec()).map_err(|e| {
                    NodeError::Corrupt(format!("document {doc}: a change to send does not parse: {e}"))
                })
            })
            .collect::<Result<Vec<Change>, NodeError>>()?;
        let hashes: Vec<ChangeHash> = changes.iter().map(Change::hash).collect();
        // The one signature lookup of the sync path: one answer per hash, in order.
        let mut found = self.signatures_of(doc, &hashes)?;
        let mut latest = vouch::latest_by_author(&vouch::nodes(&changes));
        let witnesses = held_witnesses(&changes, &found, &latest, held);
        if !witnesses.is_empty() {
            tracing::debug!(%doc, witnesses = witnesses.len(), "sending held changes that prove changes of the round");
            let mut chunks: Vec<Vec<u8>> = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
            for (c, s) in witnesses {
                chunks.push(c.raw_bytes().to_vec());
                changes.push(c);
                found.push(s);
            }
            m.changes = am_sync::ChunkList::from(chunks);
            latest = vouch::latest_by_author(&vouch::nodes(&changes));
        }
        Ok(changes
            .iter()
            .zip(found)
            .zip(latest)
            .map(|((c, signature), latest)| {
                if latest && signature.is_none() {
                    // Proven here through a later change of its author that is held, not
                    // applied, and not sent: the partner holds it until that change reaches it.
                    tracing::debug!(%doc, change = %c.hash(), "sending an author's latest change without its signature");
                }
                OutgoingSignature { hash: c.hash().0, signature, latest }
            })
            .collect())
    }

    /// Changes held because a dependency is missing are invisible to Automerge, which would
    /// ask the partner for the held changes themselves (already sent, so never resent in this
    /// session) instead of what they wait for — after a Bloom filter false positive the two
    /// nodes would never converge. The message asks for the missing dependencies instead.
    fn ask_for_what_held_changes_wait_for(
        &self,
        doc: &DocId,
        m: &mut am_sync::Message,
        held: &[(Change, Held)],
    ) {
        if held.is_empty() {
            return;
        }
        let held_hashes: HashSet<ChangeHash> = held.iter().map(|(c, _)| c.hash()).collect();
        // A held change not proven yet waits for a later change of its author, which is not
        // among its dependencies: asking for those is still right (they are missing too).
        let deps: Vec<ChangeHash> = held
            .iter()
            .flat_map(|(c, _)| c.deps().iter().copied())
            .filter(|d| !held_hashes.contains(d))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let Some(am_doc) = self.docs.get(doc) else { return };
        let present = super::super::admit::present(am_doc, &deps);
        let mut need: Vec<ChangeHash> = m.need.iter().filter(|h| !held_hashes.contains(h)).copied().collect();
        need.extend(deps.into_iter().filter(|d| !present.contains(d)));
        need.sort();
        need.dedup();
        m.need = need;
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

    pub(super) fn sync_receive_inner(
        &mut self,
        peer: &PublicKey,
        msg: DocSync,
    ) -> Result<Received, NodeError> {
        let space = msg.space;
        self.space(&space)?;
        if !self.is_member(&space, peer)? || !self.is_member(&space, &self.key.public())? {
            return Err(NodeError::NotAllowed("not a member".into()));
        }
        // The document's row, read once for the whole round.
        let stored = self.stored_meta(&msg.doc)?;
        let (stored_kind, msg_kind) = (stored.as_ref().map(|m| m.kind), msg.kind);
        let known_space = match &stored {
            Some(m) => Some(m.space),
            None => self.partners.expected(&msg.doc).map(|(s, _)| s),
        };
        if known_space.is_some_and(|s| s != space) {
            return Err(NodeError::NotAllowed("document is in another space".into()));
        }
        let unknown = known_space.is_none();
        let doc_id = msg.doc;
        let round = open_round(&doc_id, msg.message.as_deref(), &msg.signatures)?;
        if unknown {
            self.partners.expect(doc_id, space, msg.kind);
        }
        let mut received = Received { space: Some(space), ..Default::default() };
        let mut state = self.take_state(peer, &doc_id)?;
        // What the reply needs to know of the quarantine, when this round leaves it as read.
        let mut held_after: Option<Vec<(Change, Held)>> = None;
        let mut stored_after = stored.is_some();
        if let Some(mut m) = round {
            // Every change is checked against the signature the round carries for it, whichever
            // version carried the round: the versions differ only in how the two are paired, and
            // in that version 5 leaves out the signatures of changes a later one proves.
            let sigs = RoundSignatures::new(msg.signatures);
            let vouching = sigs.vouching();
            let mut parsed: Vec<(Change, Option<Signature>)> = Vec::new();
            for (i, chunk) in m.changes.iter().enumerate() {
                match super::super::parse_incoming_change(chunk.to_vec()) {
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
            let mut checked: SignedChanges = Vec::new();
            for ((c, sig), r) in parsed.into_iter().zip(results) {
                match (r, sig) {
                    (Ok(_), Some(s)) => checked.push((c, Some(s))),
                    // Version 5: to be proven through a later change of its author.
                    (Err(ChangeRejection::Unsigned { .. }), None) if vouching => checked.push((c, None)),
                    (Err(rej), _) => received.rejected.push(rej),
                    // `verify_batch` refuses a change without a signature (`Unsigned`).
                    (Ok(_), None) => received.rejected.push(ChangeRejection::Unsigned { hash: c.hash() }),
                }
            }
            // Changes this node holds in the document already (sent again: the answer that
            // ended an earlier session may have been lost) have nothing left to prove, hold or
            // apply. Version 5 sends such a change without the signature a later change gave
            // it; taken into the pool, it would be held as unproven next to its applied self
            // and never leave the quarantine (the sync simulator found this).
            let was_stored = stored.is_some();
            let sent: Vec<ChangeHash> = checked.iter().map(|(c, _)| c.hash()).collect();
            let applied_before =
                super::super::admit::present(self.doc_for_sync_as(&doc_id, was_stored)?, &sent);
            checked.retain(|(c, _)| !applied_before.contains(&c.hash()));
            // Held changes join the pool: a change in this round may prove one of them, make it
            // valid, or bring what it waits for. Authors are then checked against the log.
            let incoming: HashSet<ChangeHash> = checked.iter().map(|(c, _)| c.hash()).collect();
            let quarantined = self.quarantined(&doc_id)?;
            let held_before = quarantined.len();
            let quarantined_as_read = quarantined.clone();
            let q_hashes: HashSet<ChangeHash> = quarantined.iter().map(|(c, _)| c.hash()).collect();
            let (pool, unproven, newly_proven) = prove(checked, quarantined);
            let (ok, bad) = self.classify(&space, &doc_id, pool)?;
            let mut qb = Batch::default();
            let new_unproven: Vec<&Change> =
                unproven.iter().filter(|c| !q_hashes.contains(&c.hash())).collect();
            self.hold_counted(
                &mut qb,
                &doc_id,
                held_before,
                new_unproven.iter().map(|c| (*c, Held::Unproven)),
            );
            // Held changes proven now keep their new proof even if they stay held.
            self.hold_counted(
                &mut qb,
                &doc_id,
                held_before,
                newly_proven.iter().map(|(c, s)| (c, Held::from(*s))),
            );
            received.waiting += unproven.iter().filter(|c| incoming.contains(&c.hash())).count();
            let new_bad: SignedChanges = bad
                .iter()
                .filter(|(c, _, _)| incoming.contains(&c.hash()) && !q_hashes.contains(&c.hash()))
                .map(|(c, s, _)| (c.clone(), *s))
                .collect();
            let membership = if bad.is_empty() { None } else { Some(self.membership(&space)?) };
            for (c, _, why) in &bad {
                if incoming.contains(&c.hash()) {
                    received.rejected.push(why.clone());
                    let author = signed::author_of(c.actor_id());
                    if let (Some(a), Some(m)) = (author, &membership)
                        && a != *peer
                        && matches!(m.write_right(&a, &doc_id, c.actor_id().to_bytes()), WriteRight::UpTo(_))
                    {
                        received.excused += 1;
                    }
                }
            }
            self.hold_counted(
                &mut qb,
                &doc_id,
                held_before,
                new_bad.iter().map(|(c, s)| (c, Held::from(*s))),
            );
            let quarantine_kept = qb.is_empty();
            let meta = match stored {
                Some(m) => m,
                None => {
                    let (space, kind) = self.partners.expected(&doc_id).unwrap_or((space, msg.kind));
                    DocMeta::arriving(space, kind)
                }
            };
            received.duplicates =
                applied_before.len() + incoming.iter().filter(|h| q_hashes.contains(h)).count();
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
            stored_after = was_stored || admitted.applied > 0;
            // Nothing was held, released or re-proven: the quarantine is as read above.
            if quarantine_kept && admitted.quarantine_kept {
                held_after = Some(quarantined_as_read);
            }
            received.waiting += admitted.waiting;
            received.rejected.extend(admitted.refused);
            for r in &received.rejected {
                // The network task logs the peer at warn, rate-limited (`net::NetTask::misbehaved`).
                tracing::debug!(peer = %peer.fmt_short(), doc = %doc_id, reason = %r, "rejected change");
            }
            // Persisted with the round's changes above.
            self.partners.keep_state(peer, &doc_id, state);
        } else {
            self.put_state(peer, &doc_id, state)?;
        }
        let (space, kind) = match stored_kind {
            Some(k) => (space, k),
            None => self.partners.expected(&doc_id).unwrap_or((space, msg_kind)),
        };
        let known = Known { space, kind, stored: stored_after, held: held_after };
        received.reply = self.sync_generate_known(peer, &doc_id, known)?;
        Ok(received)
    }
}

/// What a caller of [`Engine::sync_generate_known`] knows of the document already.
struct Known {
    space: SpaceId,
    kind: twinmesh_protocol::schema::DocKind,
    /// Whether its Docs row exists.
    stored: bool,
    /// Its held changes, if the caller read them and nothing changed them since.
    held: Option<Vec<(Change, Held)>>,
}
