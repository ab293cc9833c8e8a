//! Membership of spaces (the signed log), invitations, and the quarantine of changes that are
//! not valid (yet).
//!
//! Validity of a document's changes is a function of the set of signed changes a node holds and
//! the membership log ([`twinmesh_protocol::validity`], the rule every node applies); changes
//! that are not valid are kept in quarantine (never applied, never served), and looked at again
//! when the log or the set of changes grows.
//!
//! When the log changes, each document of the space is checked again; if it holds a change that
//! is no longer valid, it is rebuilt from its valid changes.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::{PublicKey, Signature},
    membership::{self, DocCutoff, MemberOp, Membership, OpBody, Role, SignedOp, WriteRight},
    signed,
    space::{Municipality, SignedSpace},
    ticket::Ticket,
    time::Timestamp,
    validity::{self, Reserved},
};

use super::{DocMeta, Engine, decode, encode, now, random, versions};
use crate::{
    error::NodeError,
    store::{Batch, Table, trees},
};

pub(crate) use twinmesh_protocol::validity::{Refused, SignedChanges};

/// Most quarantined changes kept per document; beyond it new ones are dropped (and logged).
pub(crate) const MAX_QUARANTINE_PER_DOC: usize = 4096;

/// An invitation this node issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invite {
    /// The space.
    pub space: SpaceId,
    /// The role the joiner gets.
    pub role: Role,
    /// When it stops being valid.
    pub expires: Timestamp,
    /// Set once redeemed.
    pub used_by: Option<PublicKey>,
}

fn op_key(space: &SpaceId, hash: &[u8; 32]) -> Vec<u8> {
    let mut k = space.as_bytes().to_vec();
    k.extend_from_slice(hash);
    k
}

impl Engine {
    // ---- the log ----

    /// Every operation of a space's log, as stored.
    pub fn member_ops(&self, space: &SpaceId) -> Result<Vec<SignedOp>, NodeError> {
        let mut out = Vec::new();
        for (_, v) in self.store.scan(Table::MemberOps, space.as_bytes())? {
            out.push(decode::<SignedOp>("membership operation", &v)?);
        }
        Ok(out)
    }

    /// The membership of a space, computed from its log (cached until the log changes).
    pub fn membership(&self, space: &SpaceId) -> Result<Membership, NodeError> {
        if let Some(m) = self.memberships.borrow().get(space) {
            return Ok(m.clone());
        }
        let s = self.space(space)?;
        // The store holds only operations whose signature was checked when they were admitted.
        let m = Membership::compute_verified(&s, &self.member_ops(space)?);
        self.memberships.borrow_mut().insert(*space, m.clone());
        Ok(m)
    }

    /// True if `key` is an active member of `space` (any role): it may read.
    pub fn is_member(&self, space: &SpaceId, key: &PublicKey) -> Result<bool, NodeError> {
        Ok(self.membership(space)?.can_read(key))
    }

    /// Fails unless this node may write to `space`.
    pub(crate) fn check_can_write(&self, space: &SpaceId) -> Result<(), NodeError> {
        let m = self.membership(space)?;
        match m.role(&self.key.public()) {
            Some(r) if r.can_write() => Ok(()),
            Some(r) => {
                Err(NodeError::NotAllowed(format!("this town is a {r} in this space and cannot edit")))
            }
            None if m.member(&self.key.public()).is_some() => {
                Err(NodeError::NotAllowed("this town is no longer a member of this space".into()))
            }
            None => Err(NodeError::NotAllowed("this town is not a member of this space".into())),
        }
    }

    fn sign_op(&mut self, space: &SpaceId, body: OpBody) -> Result<SignedOp, NodeError> {
        let m = self.membership(space)?;
        let op = SignedOp::sign(
            &self.key,
            MemberOp {
                space: *space,
                author: self.key.public(),
                parents: m.heads.clone(),
                time: now(),
                body,
            },
        );
        // Check it applies before storing it: a refused op would only clutter the log.
        let stored = self.member_ops(space)?;
        let admission = admit_within_cap(&self.space(space)?, &stored, vec![op.clone()])?;
        if let Some((_, why)) = admission.refused.first() {
            return Err(NodeError::NotAllowed(why.clone()));
        }
        let hash = hex(&op.hash());
        let outcome = admission.membership.log.iter().find(|o| o.hash == hash);
        if let Some(r) = outcome.and_then(|o| o.rejected.clone()) {
            return Err(NodeError::NotAllowed(r));
        }
        self.store_admitted(space, admission)?;
        Ok(op)
    }

    /// An admin adds a municipality with a role.
    pub fn add_member(
        &mut self,
        space: &SpaceId,
        member: PublicKey,
        name: &str,
        role: Role,
    ) -> Result<SignedOp, NodeError> {
        if member == self.key.public() {
            return Err(NodeError::InvalidInput("this town is already in the space".into()));
        }
        self.sign_op(space, OpBody::Add { member, name: name.trim().to_string(), role })
    }

    /// An admin changes a member's role.
    pub fn set_role(
        &mut self,
        space: &SpaceId,
        member: PublicKey,
        role: Role,
    ) -> Result<SignedOp, NodeError> {
        let cutoff = if role.can_write() { Vec::new() } else { self.cutoff_for(space, &member)? };
        self.sign_op(space, OpBody::SetRole { member, role, cutoff })
    }

    /// An admin removes a member, or this town leaves (when `member` is this town).
    pub fn remove_member(&mut self, space: &SpaceId, member: PublicKey) -> Result<SignedOp, NodeError> {
        // A leave's cutoff is ignored by every node (a town cannot vouch for its own writes), so
        // none is sent.
        let cutoff = if member == self.key.public() { Vec::new() } else { self.cutoff_for(space, &member)? };
        self.sign_op(space, OpBody::Remove { member, cutoff })
    }

    /// The highest seq of each of `member`'s actors in each document of `space`, as held here.
    fn cutoff_for(&mut self, space: &SpaceId, member: &PublicKey) -> Result<Vec<DocCutoff>, NodeError> {
        let mut out = Vec::new();
        for d in self.docs(Some(space))? {
            let doc = self.load(&d.id)?;
            let mut actors: HashMap<Vec<u8>, u64> = HashMap::new();
            for c in doc.get_changes_meta(&[]) {
                if signed::author_of(&c.actor) == Some(*member) {
                    let e = actors.entry(c.actor.to_bytes().to_vec()).or_insert(0);
                    *e = (*e).max(c.seq);
                }
            }
            if !actors.is_empty() {
                let mut actors: Vec<_> = actors.into_iter().collect();
                actors.sort();
                out.push(DocCutoff { doc: d.id, actors });
            }
        }
        Ok(out)
    }

    /// Stores operations new to this node and, if the membership changed, checks every
    /// document of the space again. Returns true if anything was new.
    ///
    /// Only operations that [`membership::admit`] lets through are stored: structurally sound
    /// ([`membership::admissible`]), not junk (an author without the right in its causal past),
    /// and within the author's budget of operations that do not take effect. Fails, storing
    /// nothing, if the log would pass its limits (see [`membership::admit`]).
    pub fn merge_ops(&mut self, space: &SpaceId, ops: Vec<SignedOp>) -> Result<bool, NodeError> {
        let s = self.space(space)?;
        let stored = self.member_ops(space)?;
        let admission = admit_within_cap(&s, &stored, ops)?;
        self.store_admitted(space, admission)
    }

    /// Stores what [`membership::admit`] let in, keeps the membership it computed, and checks
    /// the space's documents again. Returns true if anything was new.
    fn store_admitted(
        &mut self,
        space: &SpaceId,
        admission: membership::Admission,
    ) -> Result<bool, NodeError> {
        if admission.ops.is_empty() {
            return Ok(false);
        }
        let mut b = Batch::default();
        for op in &admission.ops {
            b.put(Table::MemberOps, op_key(space, &op.hash()), encode(op));
        }
        b.put(Table::Meta, trees::meta::revalidate_key(space), Vec::new());
        // Towns this change removes: their remembered addresses are forgotten below (a space
        // new here has no membership before).
        let removed: Vec<PublicKey> = self.membership(space).map_or_else(
            |_| Vec::new(),
            |before| {
                let gone = |k: &PublicKey| before.can_read(k) && !admission.membership.can_read(k);
                before.members.values().map(|m| m.key).filter(gone).collect()
            },
        );
        self.store.commit(b)?;
        self.memberships.borrow_mut().insert(*space, admission.membership);
        self.forget_removed_addrs(&removed)?;
        self.revalidate_space(space)?;
        Ok(true)
    }

    /// Drops, once per store, what a node from before the door rule (`membership::admit`)
    /// stored but would refuse now: junk and operations beyond their author's budget, unless an
    /// applied operation built on them. The log is admitted again from scratch, so the result
    /// is what a fresh node would hold; the space's documents are then checked again.
    pub(crate) fn clean_member_logs(&mut self) -> Result<(), NodeError> {
        if self.store.get(Table::Meta, trees::meta::MEMBER_LOGS_CLEANED.as_bytes())?.is_some() {
            return Ok(());
        }
        for (k, _) in self.store.scan(Table::Spaces, &[])? {
            let Some(id) = SpaceId::from_slice(&k) else { continue };
            let s = self.space(&id)?;
            let stored = self.member_ops(&id)?;
            let kept: HashSet<[u8; 32]> = membership::admit(&s, &[], stored.clone(), false)
                .map_err(|e| {
                    NodeError::Corrupt(format!("membership log of space '{}': {e}", s.genesis.name))
                })?
                .ops
                .iter()
                .map(SignedOp::hash)
                .collect();
            let mut b = Batch::default();
            for op in stored.iter().filter(|o| !kept.contains(&o.hash())) {
                b.remove(Table::MemberOps, op_key(&id, &op.hash()));
            }
            if !b.is_empty() {
                tracing::info!(space = %id, dropped = stored.len() - kept.len(), kept = kept.len(), "dropped membership operations that can never apply");
                b.put(Table::Meta, trees::meta::revalidate_key(&id), Vec::new());
                self.store.commit(b)?;
                self.memberships.borrow_mut().remove(&id);
            }
        }
        let mut b = Batch::default();
        b.put(Table::Meta, trees::meta::MEMBER_LOGS_CLEANED, Vec::new());
        self.store.commit(b)?;
        Ok(())
    }

    /// Checks again the documents of every space whose revalidation a crash or an error left
    /// unfinished (see [`trees::meta::REVALIDATE`]). A space that still fails keeps its entry
    /// and is tried again at the next opening or log change.
    pub(crate) fn finish_revalidations(&mut self) -> Result<(), NodeError> {
        let prefix = trees::meta::REVALIDATE.as_bytes();
        for (k, _) in self.store.scan(Table::Meta, prefix)? {
            let parsed = std::str::from_utf8(&k[prefix.len()..]).ok().and_then(|s| s.parse::<SpaceId>().ok());
            let Some(space) = parsed else {
                tracing::warn!("dropping an unreadable revalidation entry");
                let mut b = Batch::default();
                b.remove(Table::Meta, k);
                self.store.commit(b)?;
                continue;
            };
            tracing::info!(%space, "finishing an interrupted check of the space's documents");
            if let Err(e) = self.revalidate_space(&space) {
                tracing::warn!(%space, error = %e, "could not check the space's documents; will retry");
            }
        }
        Ok(())
    }

    /// Merges the log a partner sent in its hello, if the partner is or was a member of the
    /// space (per this node's log, or per the log once the partner's operations that may be
    /// stored are added, then reading at most [`membership::MAX_NEW_SPACE_OPS_PER_HELLO`] new
    /// operations). Returns true if anything was new.
    pub(crate) fn merge_ops_from_peer(
        &mut self,
        space: &SpaceId,
        peer: &PublicKey,
        ops: Vec<SignedOp>,
    ) -> Result<bool, NodeError> {
        if self.membership(space)?.member(peer).is_some() {
            return self.merge_ops(space, ops);
        }
        // Not a member here (yet): perhaps it was added by an op this node has not seen.
        let s = self.space(space)?;
        let stored = self.member_ops(space)?;
        let known: HashSet<[u8; 32]> = stored.iter().map(SignedOp::hash).collect();
        let unknown: Vec<SignedOp> = ops.into_iter().filter(|o| !known.contains(&o.hash())).collect();
        if unknown.is_empty() || unknown.len() > membership::MAX_NEW_SPACE_OPS_PER_HELLO {
            return Ok(false);
        }
        let admission = admit_within_cap(&s, &stored, unknown)?;
        if admission.membership.member(peer).is_none() {
            tracing::debug!(peer = %peer.fmt_short(), %space, "log from a non-member ignored");
            return Ok(false);
        }
        self.store_admitted(space, admission)
    }

    /// Decides whether to learn a space this node does not hold from a partner's hello: only if
    /// the partner and this town are active members of it, per a log of at most `budget`
    /// operations (the budget shrinks by what was read). Stores the space record if so.
    ///
    /// Any active member will do, not only admins: a town added by PeerId learns the space from
    /// whichever member it meets first (`offline.rs`: a town that never meets the founder).
    /// A stranger cannot, and anyone can found a space of its own anyway.
    pub(crate) fn learn_space_from_hello(
        &mut self,
        peer: &PublicKey,
        space: &SignedSpace,
        log: &[SignedOp],
        budget: &mut usize,
    ) -> Result<bool, NodeError> {
        let me = self.key.public();
        // Cheap checks first: the log must name the partner (or it is the founder) and this
        // town as members before any signature is checked.
        let adds = |k: &PublicKey| {
            log.iter().any(|o| matches!(&o.op.body, OpBody::Add { member, .. } if member == k))
        };
        if (space.genesis.founder.key != *peer && !adds(peer)) || !adds(&me) {
            return Ok(false);
        }
        if log.len() > *budget {
            tracing::warn!(
                peer = %peer.fmt_short(),
                ops = log.len(),
                "hello offers a new space with too large a log; ignored (join with an invitation instead)"
            );
            return Ok(false);
        }
        *budget -= log.len();
        let m = Membership::compute(space, log);
        if !m.can_read(peer) || !m.can_read(&me) {
            return Ok(false);
        }
        let id = space.id();
        let mut b = Batch::default();
        b.put(Table::Spaces, id.as_bytes().to_vec(), space.to_bytes());
        self.store.commit(b)?;
        Ok(true)
    }

    /// The membership of `space` over this node's log merged with `extra` (from a file), as it
    /// will be once `extra` is merged: only what [`Engine::merge_ops`] would store counts, so a
    /// file can neither push out nor outvote the local log.
    pub(crate) fn membership_with(
        &self,
        space: &SignedSpace,
        extra: Vec<SignedOp>,
    ) -> Result<Membership, NodeError> {
        let id = space.id();
        let all = if self.store.get(Table::Spaces, id.as_bytes())?.is_some() {
            self.member_ops(&id)?
        } else {
            Vec::new()
        };
        Ok(admit_within_cap(space, &all, extra)?.membership)
    }

    /// Names of members this node knows, by key.
    pub(crate) fn member_names(&self) -> Result<HashMap<[u8; 32], String>, NodeError> {
        let mut out = HashMap::new();
        for s in self.store.scan(Table::Spaces, &[])? {
            if let Some(id) = SpaceId::from_slice(&s.0)
                && let Ok(m) = self.membership(&id)
            {
                for (k, mem) in m.members {
                    out.entry(k).or_insert(mem.name);
                }
            }
        }
        Ok(out)
    }

    // ---- validity of changes ----

    pub(crate) fn quarantined(&self, doc: &DocId) -> Result<Vec<(Change, Signature)>, NodeError> {
        let mut out = Vec::new();
        for (_, v) in self.store.scan(Table::Quarantine, doc.as_bytes())? {
            if v.len() < 64 {
                continue;
            }
            let sig =
                Signature::from_slice(&v[..64]).ok_or_else(|| NodeError::Corrupt("quarantine".into()))?;
            if let Ok(c) = Change::from_bytes(v[64..].to_vec()) {
                out.push((c, sig));
            }
        }
        Ok(out)
    }

    /// Quarantined changes of a document with the reason they are not applied, for history.
    pub(crate) fn rejected_changes(&self, doc: &DocId) -> Result<Vec<(Change, String)>, NodeError> {
        let meta = self.doc_meta(doc)?;
        let m = self.membership(&meta.space)?;
        Ok(self
            .quarantined(doc)?
            .into_iter()
            .map(|(c, _)| {
                if let Reserved::Forged(why) | Reserved::AdminOnly(why) = versions::check_change(&c, &m) {
                    return (c, why);
                }
                let why = match signed::author_of(c.actor_id()) {
                    Some(k) => match m.write_right(&k, doc, c.actor_id().to_bytes()) {
                        WriteRight::Writer => "waiting for its dependencies".to_string(),
                        WriteRight::UpTo(n) => {
                            format!("made after the author lost write access (seq {} > cutoff {n})", c.seq())
                        }
                        WriteRight::None => "the author may not write to this space".to_string(),
                    },
                    None => "no author".to_string(),
                };
                (c, why)
            })
            .collect())
    }

    /// Splits signed changes into those valid under the space's membership (rule in the module
    /// docs) and the rest. `held` are changes already in the document (valid by construction,
    /// used only as dependency targets).
    pub(crate) fn classify(
        &self,
        space: &SpaceId,
        doc: &DocId,
        pool: Vec<(Change, Signature)>,
    ) -> Result<(SignedChanges, Refused), NodeError> {
        let m = self.membership(space)?;
        Ok(validity::classify_with(&m, doc, pool, versions::rules(&m)))
    }
}

impl Engine {
    /// Adds changes to quarantine and removes the given hashes from it, in one batch.
    pub(crate) fn quarantine_batch(
        &self,
        b: &mut Batch,
        doc: &DocId,
        add: &[(Change, Signature)],
        remove: &[ChangeHash],
    ) -> Result<(), NodeError> {
        let held = self.store.scan(Table::Quarantine, doc.as_bytes())?.len();
        for (i, (c, s)) in add.iter().enumerate() {
            if held + i >= MAX_QUARANTINE_PER_DOC {
                tracing::warn!(%doc, "quarantine full; dropping refused changes");
                break;
            }
            let mut v = s.0.to_vec();
            v.extend_from_slice(c.raw_bytes());
            b.put(Table::Quarantine, trees::change_key(doc.as_bytes(), &c.hash().0), v);
        }
        for h in remove {
            b.remove(Table::Quarantine, trees::change_key(doc.as_bytes(), &h.0));
        }
        Ok(())
    }

    /// Checks every document of a space against the current membership: applies quarantined
    /// changes that became valid, and rebuilds documents that hold changes that no longer are.
    ///
    /// Clears the space's pending-revalidation entry once every document is checked.
    pub(crate) fn revalidate_space(&mut self, space: &SpaceId) -> Result<(), NodeError> {
        for d in self.docs(Some(space))? {
            self.revalidate_doc(space, &d.id, d.meta)?;
        }
        let mut b = Batch::default();
        b.remove(Table::Meta, trees::meta::revalidate_key(space));
        self.store.commit(b)?;
        Ok(())
    }

    fn revalidate_doc(&mut self, space: &SpaceId, id: &DocId, meta: DocMeta) -> Result<(), NodeError> {
        let sigs = self.signatures(id)?;
        let quarantined = self.quarantined(id)?;
        let q_hashes: HashSet<ChangeHash> = quarantined.iter().map(|(c, _)| c.hash()).collect();
        let held: Vec<Change> = self.load(id)?.get_changes(&[]);
        let held_hashes: HashSet<ChangeHash> = held.iter().map(|c| c.hash()).collect();
        let mut pool: Vec<(Change, Signature)> =
            held.into_iter().filter_map(|c| sigs.get(&c.hash()).map(|s| (c.clone(), *s))).collect();
        pool.extend(quarantined.into_iter().filter(|(c, _)| !held_hashes.contains(&c.hash())));
        let (ok, bad) = self.classify(space, id, pool)?;
        let doc_stays_valid = bad.iter().all(|(c, _, _)| !held_hashes.contains(&c.hash()));
        let newly_valid: Vec<(Change, Signature)> =
            ok.iter().filter(|(c, _)| q_hashes.contains(&c.hash())).cloned().collect();
        if doc_stays_valid && newly_valid.is_empty() {
            return Ok(());
        }
        let mut b = Batch::default();
        let bad_pairs: Vec<(Change, Signature)> = bad
            .iter()
            .filter(|(c, _, _)| !q_hashes.contains(&c.hash()))
            .map(|(c, s, _)| (c.clone(), *s))
            .collect();
        if doc_stays_valid {
            // Only additions: admit them as a sync round would.
            self.quarantine_batch(&mut b, id, &bad_pairs, &[])?;
            self.load(id)?;
            self.admit(id, meta, newly_valid, &q_hashes, b, |doc, ready| {
                doc.apply_changes(ready).map_err(super::edit::am)
            })?;
            return Ok(());
        }
        // Rebuild from the valid changes; those still waiting for a dependency stay held.
        tracing::warn!(doc = %id, removed = bad_pairs.len(), "rebuilding document without changes that are no longer valid");
        let mut doc = Automerge::new().with_actor(self.actor());
        let (ok, _waiting) = super::admit::split_ready(&doc, ok);
        let remove_q: Vec<ChangeHash> =
            ok.iter().map(|(c, _)| c.hash()).filter(|h| q_hashes.contains(h)).collect();
        self.quarantine_batch(&mut b, id, &bad_pairs, &remove_q)?;
        doc.apply_changes(ok.iter().map(|(c, _)| c.clone())).map_err(super::edit::am)?;
        for (k, _) in self.store.scan(Table::Changes, id.as_bytes())? {
            b.remove(Table::Changes, k);
        }
        // The removed changes keep their signature in the quarantine record; the stored
        // signatures are exactly the document's changes' (a snapshot is sent with them, see
        // `snapshot.rs`).
        let pairs: Vec<(ChangeHash, Signature)> = ok.iter().map(|(c, s)| (c.hash(), *s)).collect();
        self.replace_signatures(id, &pairs, &mut b)?;
        for (k, _) in self.store.scan(Table::SyncStates, &[])? {
            if k.len() == 48 && k[32..] == id.as_bytes()[..] {
                b.remove(Table::SyncStates, k);
            }
        }
        self.sync_states.retain(|(_, d), _| d != id);
        b.put(Table::Snapshots, id.as_bytes().to_vec(), doc.save());
        let mut meta = meta;
        meta.changes = doc.get_changes_meta(&[]).len() as u64;
        meta.incremental = 0;
        meta.title = super::view::title(&doc);
        meta.updated = now();
        super::put_doc_meta(&mut b, id, &meta, &doc);
        self.store.commit(b)?;
        self.docs.insert(*id, doc);
        Ok(())
    }

    // ---- invitations ----

    /// An admin issues a one-time invitation ticket.
    pub fn invite(
        &mut self,
        space: &SpaceId,
        role: Role,
        valid_for_ms: i64,
        addrs: Vec<String>,
    ) -> Result<String, NodeError> {
        let s = self.space(space)?;
        if !self.membership(space)?.is_admin(&self.key.public()) {
            return Err(NodeError::NotAllowed("only an admin of the space can invite".into()));
        }
        let secret: [u8; 16] = random();
        let expires = Timestamp(now().as_millis().saturating_add(valid_for_ms));
        let invite = Invite { space: *space, role, expires, used_by: None };
        let mut b = Batch::default();
        b.put(Table::Invites, Sha256::digest(secret).to_vec(), encode(&invite));
        self.store.commit(b)?;
        let ticket = Ticket {
            space: *space,
            space_name: s.genesis.name,
            inviter: self.key.public(),
            addrs,
            secret,
            role,
            expires,
        };
        Ok(ticket.encode(&self.key))
    }

    /// The open invitations this node issued for `space` (neither used nor expired), each with
    /// its id: the hex SHA-256 of its secret, under which it is stored. The id names an
    /// invitation; it cannot be redeemed without the secret the ticket carries.
    pub fn invitations(&self, space: &SpaceId) -> Result<Vec<(String, Invite)>, NodeError> {
        self.space(space)?;
        let now = now();
        let mut out = Vec::new();
        for (k, v) in self.store.scan(Table::Invites, &[])? {
            let invite: Invite = decode("invitation", &v)?;
            let Ok(key) = <[u8; 32]>::try_from(k.as_slice()) else { continue };
            if invite.space == *space && invite.used_by.is_none() && invite.expires >= now {
                out.push((hex(&key), invite));
            }
        }
        out.sort_by_key(|(_, i)| i.expires);
        Ok(out)
    }

    /// Revokes an open invitation of `space` (an admin's act): its ticket no longer admits anyone.
    pub fn revoke_invitation(&mut self, space: &SpaceId, id: &str) -> Result<(), NodeError> {
        if !self.membership(space)?.is_admin(&self.key.public()) {
            return Err(NodeError::NotAllowed("only an admin of the space can revoke an invitation".into()));
        }
        let unknown = || NodeError::InvalidInput(format!("no open invitation '{id}' in this space"));
        // 64 ASCII hex digits (checked ASCII first, so slicing by byte cannot split a character).
        let key = (id.len() == 64 && id.is_ascii())
            .then(|| {
                (0..32)
                    .map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).ok())
                    .collect::<Option<Vec<u8>>>()
            })
            .flatten()
            .ok_or_else(unknown)?;
        let bytes = self.store.get(Table::Invites, &key)?.ok_or_else(unknown)?;
        let invite: Invite = decode("invitation", &bytes)?;
        if invite.space != *space || invite.used_by.is_some() {
            return Err(unknown());
        }
        let mut b = Batch::default();
        b.remove(Table::Invites, key);
        self.store.commit(b)?;
        Ok(())
    }

    /// Redeems an invitation presented by `joiner` over an authenticated connection: checks it,
    /// marks it used, and adds the joiner with the invitation's role.
    pub fn redeem(
        &mut self,
        space: &SpaceId,
        secret: &[u8; 16],
        joiner: Municipality,
    ) -> Result<(SignedSpace, Vec<SignedOp>), NodeError> {
        let key = Sha256::digest(secret).to_vec();
        let refuse = |why: &str| NodeError::NotAllowed(why.to_string());
        let bytes = self
            .store
            .get(Table::Invites, &key)?
            .ok_or_else(|| refuse("unknown invitation (altered ticket?)"))?;
        let mut invite: Invite = decode("invitation", &bytes)?;
        if invite.space != *space {
            return Err(refuse("the invitation is for another space"));
        }
        if let Some(by) = invite.used_by {
            if by != joiner.key {
                return Err(refuse("this invitation was already used"));
            }
        } else {
            if invite.expires < now() {
                return Err(refuse("this invitation has expired"));
            }
            if !self.membership(space)?.can_read(&joiner.key) {
                self.add_member(space, joiner.key, &joiner.name, invite.role)?;
            }
            invite.used_by = Some(joiner.key);
            let mut b = Batch::default();
            b.put(Table::Invites, key, encode(&invite));
            self.store.commit(b)?;
        }
        Ok((self.space(space)?, self.member_ops(space)?))
    }

    /// Takes in the answer of a successful join: the space and its log.
    pub fn accept_join(&mut self, space: SignedSpace, log: Vec<SignedOp>) -> Result<SpaceId, NodeError> {
        let id = space.verify()?;
        if log.len() > membership::MAX_STORED_OPS {
            return Err(NodeError::NotAllowed(format!(
                "the inviter's log has {} operations, more than the limit of {}",
                log.len(),
                membership::MAX_STORED_OPS
            )));
        }
        let m = Membership::compute(&space, &log);
        if !m.can_read(&self.key.public()) {
            return Err(NodeError::NotAllowed("the inviter's log does not include this town".into()));
        }
        if self.store.get(Table::Spaces, id.as_bytes())?.is_none() {
            let mut b = Batch::default();
            b.put(Table::Spaces, id.as_bytes().to_vec(), space.to_bytes());
            self.store.commit(b)?;
        }
        self.merge_ops(&id, log)?;
        Ok(id)
    }
}

/// What [`membership::admit`] lets into the log of `space`, or an error naming the space if the
/// batch would pass the log's limits. Refused operations are logged (they never stop the rest).
fn admit_within_cap(
    space: &SignedSpace,
    stored: &[SignedOp],
    incoming: Vec<SignedOp>,
) -> Result<membership::Admission, NodeError> {
    let admission = membership::admit(space, stored, incoming, true).map_err(|e| {
        NodeError::NotAllowed(format!("the membership log of space '{}' is full: {e}", space.genesis.name))
    })?;
    if let Some((hash, why)) = admission.refused.first() {
        tracing::warn!(
            space = %space.genesis.name,
            refused = admission.refused.len(),
            first = %hex(hash),
            why = %why,
            "membership operations refused"
        );
    }
    Ok(admission)
}

pub(crate) fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use automerge::{ReadDoc, transaction::CommitOptions};
    use twinmesh_protocol::{keys::SecretKey, schema::DocKind};

    use super::*;
    use crate::identity::DataDir;

    /// A town's change waits in the quarantine because its author is not a member here; then
    /// the op adding that town is stored, and the engine stops before checking the documents
    /// (a crash, or an error half-way). Returns the data dir and the document.
    fn log_changed_then_interrupted(dir: &std::path::Path, mark: bool) -> DocId {
        let mut a = Engine::init(&DataDir::new(dir), "Saint-Pol", "FR", false).expect("init");
        let space = a.create_space("S").expect("space").id;
        let doc = a.create_doc(&space, DocKind::Plan, "P", None).expect("doc").id;
        let warstein = SecretKey::from_bytes([7; 32]);
        let mut d =
            a.load(&doc).expect("load").fork().with_actor(signed::actor_id(&warstein.public(), [1; 16]));
        let mut tx = d.transaction();
        automerge::transaction::Transactable::put(&mut tx, automerge::ROOT, "acronym", "WARST").expect("put");
        let hash = tx.commit_with(CommitOptions::default().with_time(0)).0.expect("a change");
        let change = d.get_change_by_hash(&hash).expect("change").clone();
        let sig = signed::sign_change(&warstein, &doc, &hash);
        let mut b = Batch::default();
        a.quarantine_batch(&mut b, &doc, &[(change, sig)], &[]).expect("quarantine");
        let op = SignedOp::sign(
            &a.key,
            MemberOp {
                space,
                author: a.key.public(),
                parents: a.membership(&space).expect("membership").heads.clone(),
                time: now(),
                body: OpBody::Add { member: warstein.public(), name: "Warstein".into(), role: Role::Editor },
            },
        );
        b.put(Table::MemberOps, op_key(&space, &op.hash()), encode(&op));
        if mark {
            b.put(Table::Meta, trees::meta::revalidate_key(&space), Vec::new());
        }
        a.store.commit(b).expect("commit");
        doc
    }

    fn acronym(e: &mut Engine, doc: &DocId) -> Option<String> {
        let d = e.load(doc).expect("load");
        d.get(automerge::ROOT, "acronym")
            .expect("get")
            .map(|(v, _)| v.as_str().unwrap_or_default().to_string())
    }

    #[test]
    fn a_check_of_documents_interrupted_after_a_log_change_is_finished_at_the_next_opening() {
        let dir = tempfile::tempdir().expect("dir");
        let doc = log_changed_then_interrupted(dir.path(), true);
        let mut a = Engine::open(&DataDir::new(dir.path())).expect("open");
        assert_eq!(acronym(&mut a, &doc).as_deref(), Some("WARST"), "the newly valid change applied");
        assert!(a.quarantined(&doc).expect("quarantine").is_empty());
        let pending = a.store.scan(Table::Meta, trees::meta::REVALIDATE.as_bytes()).expect("scan");
        assert!(pending.is_empty(), "the entry is cleared once the documents are checked");

        // Without the entry (as before it existed) the change would have stayed held.
        let dir = tempfile::tempdir().expect("dir");
        let doc = log_changed_then_interrupted(dir.path(), false);
        let mut a = Engine::open(&DataDir::new(dir.path())).expect("open");
        assert_ne!(acronym(&mut a, &doc).as_deref(), Some("WARST"));
        assert_eq!(a.quarantined(&doc).expect("quarantine").len(), 1);
    }

    /// Issue 12: a ticket wrapped at 76 characters by an e-mail client, quoted with `> ` (once
    /// and twice), indented, or inside a join link, still reads; a damaged one still does not.
    #[test]
    fn tickets_survive_email_wrapping_quoting_and_links() {
        let key = twinmesh_protocol::keys::SecretKey::from_bytes([1; 32]);
        let t = Ticket {
            space: SpaceId::from_bytes([2; 32]),
            space_name: "CIRCLE60".into(),
            inviter: key.public(),
            addrs: vec!["/ip4/127.0.0.1/tcp/1".into(), "/ip4/192.168.1.20/tcp/4001".into()],
            secret: [3; 16],
            role: Role::Editor,
            expires: Timestamp(1000),
        };
        let text = t.encode(&key);
        let lines: Vec<String> =
            text.chars().collect::<Vec<_>>().chunks(76).map(|c| c.iter().collect()).collect();
        let wrapped = lines.join("\r\n");
        let quoted = lines.iter().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n");
        let twice = lines.iter().map(|l| format!(">> {l}  ")).collect::<Vec<_>>().join("\n");
        let spaced = format!("\n   {}\n\n", lines.join("\n    "));
        let link = format!("http://127.0.0.1:7300/#join={}", lines.join("\n"));
        let encoded = format!("https://twin.poix.fr/#join={}", text.replacen(':', "%3A", 1));
        for (what, form) in [
            ("wrapped", wrapped),
            ("quoted", quoted),
            ("quoted twice", twice),
            ("indented", spaced),
            ("link", link),
            ("encoded link", encoded),
            ("in capitals, as a QR code holds it", text.to_ascii_uppercase()),
            ("the join link an invitation comes with", crate::qr::join_link(&text)),
        ] {
            let got = Ticket::decode(&form, Timestamp(0)).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(got.space_name, "CIRCLE60", "{what}");
        }
        let cut = lines[..lines.len() - 1].join("\n> ");
        assert!(Ticket::decode(&cut, Timestamp(0)).is_err(), "a ticket missing its last line is refused");
    }
}
