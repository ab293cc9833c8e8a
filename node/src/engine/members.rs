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
//!
//! One file per part: the log, its operations and the membership computed from it (this file);
//! logs and spaces learned from partners' hellos (`members/hello.rs`); the quarantine and the
//! validity of changes (`members/quarantine.rs`); checking documents again after the log
//! changed (`members/revalidate.rs`); invitations (`members/invites.rs`).

mod hello;
mod invites;
mod quarantine;
mod revalidate;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use twinmesh_protocol::{
    ids::SpaceId,
    keys::PublicKey,
    membership::{self, DocCutoff, MemberOp, Membership, OpBody, Role, SignedOp},
    signed,
    space::SignedSpace,
};

use super::{Engine, decode, encode, now};
use crate::{
    error::NodeError,
    store::{Batch, Table, trees},
};

pub use invites::Invite;
pub(crate) use quarantine::Held;
/// Changes whose authorship is proven, each with its own signature if the node holds one:
/// `None` for a change proven through a later change of its author (`vouch`, version 5).
pub(crate) type SignedChanges = Vec<(automerge::Change, Option<twinmesh_protocol::keys::Signature>)>;

/// Changes refused under the membership, with how they are proven and the reason.
pub(crate) type Refused = Vec<(
    automerge::Change,
    Option<twinmesh_protocol::keys::Signature>,
    twinmesh_protocol::signed::ChangeRejection,
)>;

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
