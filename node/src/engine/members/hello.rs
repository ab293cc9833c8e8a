//! Membership logs from partners' hellos: merging a partner's log, and learning a space this
//! node does not hold yet from a member's hello.

use std::collections::HashSet;

use twinmesh_protocol::{
    ids::SpaceId,
    keys::PublicKey,
    membership::{self, Membership, OpBody, SignedOp},
    space::SignedSpace,
};

use super::{super::Engine, admit_within_cap};
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

impl Engine {
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
}
