//! The computed membership of a space ([`Membership`]): its members and their standing, every
//! operation as it was judged, the heads of the log, and what a member may do.
//! [`Membership::compute`] runs the passes of [`super::rules`] over the [`super::dag`] order.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{DocCutoff, MemberOp, Role, SignedOp, dag::Dag, rules::Pass};
use crate::{ids::DocId, keys::PublicKey, space::SignedSpace, time::Timestamp};

/// A member's standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Its key.
    pub key: PublicKey,
    /// Display name.
    pub name: String,
    /// Current (or last) role.
    pub role: Role,
    /// False once removed or left.
    pub active: bool,
    /// Who added it (None for the founder).
    pub added_by: Option<PublicKey>,
    /// When it was added.
    pub added: Timestamp,
    /// Per document and actor, the last seq that stays valid after it lost write access;
    /// `None` while it may write (or never could).
    pub cutoff: Option<HashMap<DocId, HashMap<Vec<u8>, u64>>>,
    /// True if it could write at some point (so a cutoff applies to its changes).
    pub wrote: bool,
}

/// How an operation was judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpOutcome {
    /// The operation's hash (hex).
    pub hash: String,
    /// The operation.
    pub op: MemberOp,
    /// `None` if applied, or why not.
    pub rejected: Option<String>,
    /// True if its author lacked the right to make it in its causal past (rule 1 of
    /// [`Membership::compute`]): such an operation is junk, refused by [`admit`](super::admit).
    #[serde(default)]
    pub unauthorized: bool,
    /// True if it applied and took rights away from a member (a removal of an active member,
    /// a leave, or a change to a lower role); such operations do not count against
    /// [`MAX_LOG_OPS`](super::MAX_LOG_OPS).
    #[serde(default)]
    pub revokes: bool,
}

/// Whether a change author may have written a given change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteRight {
    /// An active admin or editor.
    Writer,
    /// Lost write access; changes up to the cutoff stay valid.
    UpTo(u64),
    /// Never could write here.
    None,
}

/// The membership of a space, computed from its genesis and log.
#[derive(Debug, Clone)]
pub struct Membership {
    /// Members by key, founder included.
    pub members: BTreeMap<[u8; 32], Member>,
    /// Every operation in the order it was judged.
    pub log: Vec<OpOutcome>,
    /// Hashes of the applied operations that no other applied operation descends from (the
    /// parents of a new operation; operations that did not apply are never named).
    pub heads: Vec<[u8; 32]>,
}

impl Membership {
    /// Computes the membership from the genesis and any set of operations (in any order,
    /// duplicates and invalid signatures ignored). Operations whose parents are missing wait.
    /// Every operation given is considered: nothing is truncated here (the size of a log is
    /// bounded where it is stored, see [`admissible`](super::admissible) and
    /// [`MAX_LOG_OPS`](super::MAX_LOG_OPS)).
    ///
    /// The rules (see the module documentation and `docs/protocol.md`):
    ///
    /// 1. Authority is judged in the operation's causal past: its author must hold the role the
    ///    operation needs in the membership made of the operations it descends from.
    /// 2. Removals win: an operation by `X` is rejected if an applied operation by someone else
    ///    that removes `X` or demotes it below admin is concurrent with it, unless the operation
    ///    itself removes or demotes the author of such an operation (a mutual removal: both
    ///    apply).
    /// 3. A removal or role change applies only to the membership it has seen (the member's
    ///    current `Add` is in its causal past).
    /// 4. Nobody may remove or demote itself as the last admin of its causal past; if
    ///    concurrent operations would leave no admin at all, those that took the rights of the
    ///    most senior of the former admins (the founder, else the one made admin first in the
    ///    order) are rejected.
    ///
    /// The topological order (ties by op hash) only decides in which order independent effects
    /// apply; who may do what never depends on it.
    pub fn compute(space: &SignedSpace, ops: &[SignedOp]) -> Self {
        let verified: Vec<&SignedOp> = ops.iter().filter(|op| op.verify()).collect();
        Self::compute_over(space, &verified)
    }

    /// [`Membership::compute`] over operations whose signatures were already checked: those a
    /// node read back from its own store, which holds only verified operations. Skipping the
    /// check saves one signature verification per operation on every computation.
    pub fn compute_verified(space: &SignedSpace, ops: &[SignedOp]) -> Self {
        let all: Vec<&SignedOp> = ops.iter().collect();
        Self::compute_over(space, &all)
    }

    fn compute_over(space: &SignedSpace, ops: &[&SignedOp]) -> Self {
        let space_id = space.id();
        let mut by_hash: HashMap<[u8; 32], &SignedOp> = HashMap::new();
        for op in ops {
            if op.op.space == space_id {
                by_hash.insert(op.hash(), op);
            }
        }
        let dag = Dag::new(&by_hash);
        let mut vetoes: HashMap<usize, String> = HashMap::new();
        let mut pass = Pass::run(space, &dag, &vetoes);
        for _ in 0..MAX_PASSES {
            let before = vetoes.len();
            if pass.admins() == 0 {
                pass.veto_for_last_admin(space, &mut vetoes);
            } else {
                pass.veto_concurrent_with_revocations(&dag, &mut vetoes);
            }
            if vetoes.len() == before {
                break;
            }
            pass = Pass::run(space, &dag, &vetoes);
        }
        let log = dag
            .ops
            .iter()
            .enumerate()
            .map(|(i, (op, h))| OpOutcome {
                hash: hex(h),
                op: op.op.clone(),
                rejected: pass.rejected[i].clone(),
                unauthorized: pass.unauthorized[i],
                revokes: pass.revokes[i],
            })
            .collect();
        // The heads are the applied operations no other applied operation descends from: a new
        // operation names only what took effect, never junk (see `admit`).
        let mut covered = vec![0u64; dag.ops.len().div_ceil(64)];
        for &i in &pass.applied {
            for (c, a) in covered.iter_mut().zip(&dag.anc[i]) {
                *c |= *a;
            }
        }
        let mut heads: Vec<[u8; 32]> = pass
            .applied
            .iter()
            .filter(|&&i| (covered[i / 64] >> (i % 64)) & 1 == 0)
            .map(|&i| dag.ops[i].1)
            .collect();
        heads.sort();
        Self { members: pass.members, log, heads }
    }

    /// A member, if it ever was one.
    pub fn member(&self, key: &PublicKey) -> Option<&Member> {
        self.members.get(&key.to_bytes())
    }

    /// The role of an active member.
    pub fn role(&self, key: &PublicKey) -> Option<Role> {
        self.member(key).filter(|m| m.active).map(|m| m.role)
    }

    /// True if `key` is an active member (any role): it may read.
    pub fn can_read(&self, key: &PublicKey) -> bool {
        self.role(key).is_some()
    }

    /// True if `key` is an active admin.
    pub fn is_admin(&self, key: &PublicKey) -> bool {
        self.role(key) == Some(Role::Admin)
    }

    /// Whether `key` may write to `doc` with `actor`.
    pub fn write_right(&self, key: &PublicKey, doc: &DocId, actor: &[u8]) -> WriteRight {
        let Some(m) = self.member(key) else { return WriteRight::None };
        if m.active && m.role.can_write() {
            return WriteRight::Writer;
        }
        match &m.cutoff {
            Some(c) => WriteRight::UpTo(c.get(doc).and_then(|a| a.get(actor)).copied().unwrap_or(0)),
            None => WriteRight::None,
        }
    }

    /// Active admins.
    pub fn admins(&self) -> usize {
        self.members.values().filter(|m| m.active && m.role == Role::Admin).count()
    }
}

pub(super) fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn cutoff_map(c: &[DocCutoff]) -> HashMap<DocId, HashMap<Vec<u8>, u64>> {
    c.iter().map(|d| (d.doc, d.actors.iter().cloned().collect())).collect()
}

/// Most rounds of vetoes in [`Membership::compute`]; each round only adds vetoes, so the
/// result is deterministic even if a contrived log needed more.
const MAX_PASSES: usize = 64;
