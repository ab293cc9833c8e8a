//! The membership log of a space: signed operations in a hash DAG, and the deterministic rule
//! that turns any set of them into the same membership on every node.
//!
//! - The space's genesis (see [`crate::space`]) makes its founder the first admin.
//! - Every later operation is signed by its author and names the operations it has seen
//!   (`parents`); its id is the SHA-256 of `"twinmesh/member-op/v1" ‖ postcard(op)`.
//! - [`Membership::compute`] orders the operations topologically (parents first, ties broken by
//!   the smaller operation hash) and applies each one if its author may make it: only admins
//!   add, change roles and remove; anyone may leave; nobody may remove or demote the last
//!   admin. An operation that does not apply is shown as rejected; which of them a node
//!   stores at all is decided by [`admit`] (junk never, the rest within a per-author budget).
//!
//! Authority never depends on the order of concurrent operations (which an author could steer
//! by grinding its operation's hash): it is judged in each operation's causal past, and
//! **removals win** — an operation by `X` that is concurrent with an applied removal or
//! demotion of `X` (by someone else) is rejected. Two admins removing each other concurrently
//! both end removed, unless that would leave no admin: then the more senior of them (the
//! founder, else the one made admin first) stays. A removal applies only to the membership it
//! has seen, so a re-added member is not removed again by a removal that did not know of it.
//!
//! A member that leaves records no cutoff of its own writes (it cannot vouch for itself); an
//! admin may record or tighten the cutoff of a former member by removing it again.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    ids::{DocId, SpaceId},
    keys::{PublicKey, SecretKey, Signature},
    space::SignedSpace,
    time::Timestamp,
};

/// Domain prefix of membership operations.
pub const OP_DOMAIN: &[u8] = b"twinmesh/member-op/v1";

/// Most operations a node stores in one space's log. Operations that would take a log beyond it
/// are refused with an error; [`Membership::compute`] itself never truncates.
pub const MAX_LOG_OPS: usize = 10_000;

/// Most operations, summed over the spaces, that a node reads from one hello to learn spaces it
/// does not hold yet (each costs a signature check).
pub const MAX_NEW_SPACE_OPS_PER_HELLO: usize = 1_000;

/// Most spaces a node reads from one hello; the rest are ignored.
pub const MAX_SPACES_PER_HELLO: usize = 100;

/// What a member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads only.
    Viewer,
    /// Reads and writes documents.
    Editor,
    /// Writes documents and changes membership.
    Admin,
}

impl Role {
    /// True if the role may write documents.
    pub fn can_write(self) -> bool {
        matches!(self, Self::Editor | Self::Admin)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        })
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Ok(Self::Viewer),
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            _ => Err(format!("'{s}' is not a role: use viewer, editor or admin")),
        }
    }
}

/// The highest change sequence number of each of a member's actors in one document that stay
/// valid after the member lost the right to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocCutoff {
    /// The document.
    pub doc: DocId,
    /// (actor id bytes, highest valid seq).
    pub actors: Vec<(Vec<u8>, u64)>,
}

/// What an operation does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpBody {
    /// Add a municipality with a role.
    Add {
        /// Its key.
        member: PublicKey,
        /// Its display name.
        name: String,
        /// Its role.
        role: Role,
    },
    /// Change a member's role. A demotion to viewer carries the cutoff of its writes.
    SetRole {
        /// The member.
        member: PublicKey,
        /// The new role.
        role: Role,
        /// Writes up to here stay valid (used when the new role cannot write).
        cutoff: Vec<DocCutoff>,
    },
    /// Remove a member (or leave, when the author is the member).
    Remove {
        /// The member.
        member: PublicKey,
        /// Writes up to here stay valid.
        cutoff: Vec<DocCutoff>,
    },
}

/// An operation before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberOp {
    /// The space.
    pub space: SpaceId,
    /// Who makes it.
    pub author: PublicKey,
    /// Hashes of the operations its author had seen (the heads of its log).
    pub parents: Vec<[u8; 32]>,
    /// When (the author's clock; informational only, never used for ordering).
    pub time: Timestamp,
    /// What it does.
    pub body: OpBody,
}

/// A signed membership operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOp {
    /// The operation.
    pub op: MemberOp,
    /// The author's signature over `OP_DOMAIN ‖ postcard(op)`.
    pub signature: Signature,
}

fn op_bytes(op: &MemberOp) -> Vec<u8> {
    let mut out = OP_DOMAIN.to_vec();
    out.extend(postcard::to_stdvec(op).unwrap_or_default());
    out
}

impl SignedOp {
    /// Signs an operation.
    pub fn sign(key: &SecretKey, op: MemberOp) -> Self {
        let signature = key.sign(&op_bytes(&op));
        Self { op, signature }
    }

    /// The operation's id.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(op_bytes(&self.op)).into()
    }

    /// True if the author signed it.
    pub fn verify(&self) -> bool {
        self.op.author.verify(&op_bytes(&self.op), &self.signature).is_ok()
    }
}

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
    /// [`Membership::compute`]): such an operation is junk, refused by [`admit`].
    #[serde(default)]
    pub unauthorized: bool,
    /// True if it applied and took rights away from a member (a removal of an active member,
    /// a leave, or a change to a lower role); such operations do not count against
    /// [`MAX_LOG_OPS`].
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
    /// bounded where it is stored, see [`admissible`] and [`MAX_LOG_OPS`]).
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

fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn cutoff_map(c: &[DocCutoff]) -> HashMap<DocId, HashMap<Vec<u8>, u64>> {
    c.iter().map(|d| (d.doc, d.actors.iter().cloned().collect())).collect()
}

/// Most rounds of vetoes in [`Membership::compute`]; each round only adds vetoes, so the
/// result is deterministic even if a contrived log needed more.
const MAX_PASSES: usize = 64;

const VETO_REMOVAL_WINS: &str =
    "its author lost its admin rights through a concurrent operation (removals win)";
const VETO_LAST_ADMIN: &str =
    "the last admin cannot be removed (concurrent operations would leave the space without an admin)";

/// The operations whose parents are all present, in topological order (ties by smaller hash),
/// with the set of ancestors of each.
struct Dag<'a> {
    ops: Vec<(&'a SignedOp, [u8; 32])>,
    /// `anc[i]` has bit `j` set if operation `j` is an ancestor of operation `i`.
    anc: Vec<Vec<u64>>,
}

impl<'a> Dag<'a> {
    fn new(by_hash: &HashMap<[u8; 32], &'a SignedOp>) -> Self {
        // Kahn's algorithm over the ops whose parents are all present; ties by smaller hash.
        let mut children: HashMap<[u8; 32], Vec<[u8; 32]>> = HashMap::new();
        let mut missing: HashMap<[u8; 32], usize> = HashMap::new();
        for (h, op) in by_hash {
            for p in &op.op.parents {
                children.entry(*p).or_default().push(*h);
            }
            missing.insert(*h, op.op.parents.len());
        }
        let mut ready: BinaryHeap<std::cmp::Reverse<[u8; 32]>> =
            missing.iter().filter(|(_, n)| **n == 0).map(|(h, _)| std::cmp::Reverse(*h)).collect();
        let mut ops = Vec::new();
        while let Some(std::cmp::Reverse(h)) = ready.pop() {
            let Some(op) = by_hash.get(&h) else { continue };
            ops.push((*op, h));
            for c in children.get(&h).map(Vec::as_slice).unwrap_or_default() {
                if let Some(n) = missing.get_mut(c) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        ready.push(std::cmp::Reverse(*c));
                    }
                }
            }
        }
        let pos: HashMap<[u8; 32], usize> = ops.iter().enumerate().map(|(i, (_, h))| (*h, i)).collect();
        let words = ops.len().div_ceil(64);
        let mut anc: Vec<Vec<u64>> = Vec::with_capacity(ops.len());
        for (op, _) in &ops {
            let mut mine = vec![0u64; words];
            for p in &op.op.parents {
                // Parents come earlier in the order, so their sets are complete.
                if let Some(&j) = pos.get(p)
                    && let Some(theirs) = anc.get(j)
                {
                    for (m, t) in mine.iter_mut().zip(theirs) {
                        *m |= *t;
                    }
                    if let Some(w) = mine.get_mut(j / 64) {
                        *w |= 1 << (j % 64);
                    }
                }
            }
            anc.push(mine);
        }
        Self { ops, anc }
    }

    /// True if `a` is an ancestor of `of`.
    fn is_ancestor(&self, a: usize, of: usize) -> bool {
        self.anc.get(of).and_then(|s| s.get(a / 64)).is_some_and(|w| (w >> (a % 64)) & 1 == 1)
    }

    fn concurrent(&self, a: usize, b: usize) -> bool {
        a != b && !self.is_ancestor(a, b) && !self.is_ancestor(b, a)
    }

    fn op(&self, i: usize) -> &MemberOp {
        &self.ops[i].0.op
    }
}

/// Rule 1 of [`Membership::compute`]: why the author, with role `past` in the operation's causal
/// past, may not make it (`None`: it may). Admins add, change roles and remove; any member may
/// leave.
fn unauthorized(op: &MemberOp, past: Option<Role>) -> Option<&'static str> {
    let leaving = matches!(&op.body, OpBody::Remove { member, .. } if *member == op.author);
    match &op.body {
        _ if leaving => past.is_none().then_some("its author was not a member"),
        _ if past == Some(Role::Admin) => None,
        OpBody::Add { .. } => Some("only an admin may add members"),
        OpBody::SetRole { .. } => Some("only an admin may change roles"),
        OpBody::Remove { .. } => Some("only an admin may remove members"),
    }
}

fn target(op: &MemberOp) -> [u8; 32] {
    match &op.body {
        OpBody::Add { member, .. } | OpBody::SetRole { member, .. } | OpBody::Remove { member, .. } => {
            member.to_bytes()
        }
    }
}

/// The effect of an applied operation on its target's (role while active).
fn effect(before: Option<Role>, body: &OpBody) -> Option<Role> {
    match body {
        OpBody::Add { role, .. } => Some(*role),
        OpBody::SetRole { role, .. } => before.map(|_| *role),
        OpBody::Remove { .. } => None,
    }
}

/// What a pass keeps per member besides [`Member`].
#[derive(Debug, Clone, Default)]
struct Aux {
    /// Position of the `Add` that began its current membership (`None`: the genesis).
    add_pos: Option<usize>,
    /// Position of the operation that last made it admin (`None`: the genesis, or never).
    grant_pos: Option<usize>,
    /// True if its cutoff was recorded by an admin (a leave records none).
    cutoff_by_admin: bool,
}

/// One application of the log in topological order, with some operations vetoed.
struct Pass<'d, 'a> {
    dag: &'d Dag<'a>,
    founder: [u8; 32],
    members: BTreeMap<[u8; 32], Member>,
    aux: HashMap<[u8; 32], Aux>,
    /// Per operation: `None` if applied, or why not.
    rejected: Vec<Option<String>>,
    /// Per operation: its author lacked the right in its causal past (rule 1).
    unauthorized: Vec<bool>,
    /// Per operation: it applied and took rights away from a member.
    revokes: Vec<bool>,
    /// Per applied operation that took admin rights from an active admin: that admin.
    took_admin: Vec<Option<[u8; 32]>>,
    /// Applied operations by target, in order.
    by_target: HashMap<[u8; 32], Vec<usize>>,
    /// Applied operations by author, in order.
    by_author: HashMap<[u8; 32], Vec<usize>>,
    /// Applied operations, in order.
    applied: Vec<usize>,
}

impl<'d, 'a> Pass<'d, 'a> {
    fn run(space: &SignedSpace, dag: &'d Dag<'a>, vetoes: &HashMap<usize, String>) -> Self {
        let founder = &space.genesis.founder;
        let mut members = BTreeMap::new();
        members.insert(
            founder.key.to_bytes(),
            Member {
                key: founder.key,
                name: founder.name.clone(),
                role: Role::Admin,
                active: true,
                added_by: None,
                added: space.genesis.created,
                cutoff: None,
                wrote: true,
            },
        );
        let mut pass = Self {
            dag,
            founder: founder.key.to_bytes(),
            members,
            aux: HashMap::new(),
            rejected: Vec::with_capacity(dag.ops.len()),
            unauthorized: Vec::with_capacity(dag.ops.len()),
            revokes: Vec::with_capacity(dag.ops.len()),
            took_admin: Vec::with_capacity(dag.ops.len()),
            by_target: HashMap::new(),
            by_author: HashMap::new(),
            applied: Vec::new(),
        };
        pass.aux.insert(pass.founder, Aux::default());
        for i in 0..dag.ops.len() {
            let op = dag.op(i);
            let past = pass.past_role(i, &op.author.to_bytes());
            let refusal = unauthorized(op, past);
            pass.unauthorized.push(refusal.is_some());
            let before = pass.members.get(&target(op)).filter(|m| m.active).map(|m| m.role);
            let r = match (vetoes.get(&i), refusal) {
                (Some(why), _) => Err(why.clone()),
                (None, Some(why)) => Err(why.to_string()),
                (None, None) => pass.apply(i),
            };
            match r {
                Ok(took) => {
                    let after = pass.members.get(&target(op)).filter(|m| m.active).map(|m| m.role);
                    pass.revokes.push(before.is_some() && after < before);
                    pass.by_target.entry(target(op)).or_default().push(i);
                    pass.by_author.entry(op.author.to_bytes()).or_default().push(i);
                    pass.applied.push(i);
                    pass.rejected.push(None);
                    pass.took_admin.push(took);
                }
                Err(why) => {
                    pass.rejected.push(Some(why));
                    pass.revokes.push(false);
                    pass.took_admin.push(None);
                }
            }
        }
        pass
    }

    fn admins(&self) -> usize {
        self.members.values().filter(|m| m.active && m.role == Role::Admin).count()
    }

    /// The role of `who` in the causal past of operation `i` (`None`: not an active member).
    fn past_role(&self, i: usize, who: &[u8; 32]) -> Option<Role> {
        let mut role = (*who == self.founder).then_some(Role::Admin);
        for &j in self.by_target.get(who).map(Vec::as_slice).unwrap_or_default() {
            if self.dag.is_ancestor(j, i) {
                role = effect(role, &self.dag.op(j).body);
            }
        }
        role
    }

    /// Active admins in the causal past of operation `i`.
    fn past_admins(&self, i: usize) -> usize {
        let mut roles: HashMap<[u8; 32], Option<Role>> = HashMap::new();
        roles.insert(self.founder, Some(Role::Admin));
        for &j in &self.applied {
            if self.dag.is_ancestor(j, i) {
                let op = self.dag.op(j);
                let t = target(op);
                let before = roles.get(&t).copied().flatten();
                roles.insert(t, effect(before, &op.body));
            }
        }
        roles.values().filter(|r| **r == Some(Role::Admin)).count()
    }

    /// True if operation `i` has seen the `Add` that began `who`'s current membership.
    fn saw_add(&self, i: usize, who: &[u8; 32]) -> bool {
        self.aux.get(who).and_then(|a| a.add_pos).is_none_or(|p| self.dag.is_ancestor(p, i))
    }

    /// Applies operation `i`, whose author had the right to make it in its causal past (see
    /// [`unauthorized`]); returns the admin whose rights it took.
    fn apply(&mut self, i: usize) -> Result<Option<[u8; 32]>, String> {
        let op = self.dag.op(i);
        let author = op.author.to_bytes();
        match &op.body {
            OpBody::Add { member, name, role } => {
                let k = member.to_bytes();
                let old = self.members.get(&k);
                if old.is_some_and(|m| m.active) {
                    return Err("already a member".into());
                }
                let wrote = old.is_some_and(|m| m.wrote) || role.can_write();
                let old_cutoff = old.and_then(|m| m.cutoff.clone());
                self.members.insert(
                    k,
                    Member {
                        key: *member,
                        name: name.clone(),
                        role: *role,
                        active: true,
                        added_by: Some(op.author),
                        added: op.time,
                        // A re-added viewer keeps the cutoff of its earlier writes.
                        cutoff: if role.can_write() { None } else { old_cutoff },
                        wrote,
                    },
                );
                let aux = self.aux.entry(k).or_default();
                aux.add_pos = Some(i);
                if *role == Role::Admin {
                    aux.grant_pos = Some(i);
                }
                if role.can_write() {
                    aux.cutoff_by_admin = false;
                }
                Ok(None)
            }
            OpBody::SetRole { member, role, cutoff } => {
                let k = member.to_bytes();
                let Some(current) = self.members.get(&k).filter(|m| m.active).map(|m| m.role) else {
                    return Err("not a member".into());
                };
                if !self.saw_add(i, &k) {
                    return Err("the member was added again after this operation was made".into());
                }
                let demoted = current == Role::Admin && *role != Role::Admin;
                if demoted && k == author && self.past_admins(i) <= 1 {
                    return Err("the last admin cannot be demoted".into());
                }
                let aux = self.aux.entry(k).or_default();
                let Some(m) = self.members.get_mut(&k) else { return Err("not a member".into()) };
                if m.role.can_write() && !role.can_write() {
                    m.cutoff = Some(cutoff_map(cutoff));
                    aux.cutoff_by_admin = true;
                } else if role.can_write() {
                    m.cutoff = None;
                    m.wrote = true;
                    aux.cutoff_by_admin = false;
                }
                if *role == Role::Admin && current != Role::Admin {
                    aux.grant_pos = Some(i);
                }
                m.role = *role;
                Ok(demoted.then_some(k))
            }
            OpBody::Remove { member, cutoff } => {
                let k = member.to_bytes();
                let leaving = k == author;
                let Some((active, role, wrote)) = self.members.get(&k).map(|m| (m.active, m.role, m.wrote))
                else {
                    return Err("not a member".into());
                };
                if !active {
                    // An admin may still record (after a leave) or tighten the cutoff of a
                    // former member that could write.
                    if leaving || !wrote {
                        return Err("not a member".into());
                    }
                    self.set_cutoff(&k, cutoff);
                    return Ok(None);
                }
                if !self.saw_add(i, &k) {
                    return Err("the member was added again after this operation was made".into());
                }
                if leaving && role == Role::Admin && self.past_admins(i) <= 1 {
                    return Err("the last admin cannot be removed".into());
                }
                if let Some(m) = self.members.get_mut(&k) {
                    m.active = false;
                }
                if wrote {
                    if leaving {
                        // A leave cannot vouch for its own writes: it records no cutoff, so
                        // only what the member wrote that others built on stays valid (an admin
                        // may record a cutoff later by removing the former member).
                        let m = self.members.get_mut(&k).filter(|m| m.cutoff.is_none());
                        if let Some(m) = m {
                            m.cutoff = Some(HashMap::new());
                            self.aux.entry(k).or_default().cutoff_by_admin = false;
                        }
                    } else {
                        self.set_cutoff(&k, cutoff);
                    }
                }
                Ok((role == Role::Admin).then_some(k))
            }
        }
    }

    /// Records an admin's cutoff for a member that lost write access: sets it if none was
    /// recorded by an admin, else keeps, per document and actor, the smaller of the two (so
    /// concurrent removals give the same result in any order).
    fn set_cutoff(&mut self, k: &[u8; 32], cutoff: &[DocCutoff]) {
        let aux = self.aux.entry(*k).or_default();
        let Some(m) = self.members.get_mut(k) else { return };
        let new = cutoff_map(cutoff);
        m.cutoff = Some(match m.cutoff.take() {
            Some(old) if aux.cutoff_by_admin => tighten(old, &new),
            _ => new,
        });
        aux.cutoff_by_admin = true;
    }

    /// If the pass left no admin: vetoes the operations that took the rights of the most senior
    /// former admin (the founder, else the one made admin first in the order).
    fn veto_for_last_admin(&self, space: &SignedSpace, vetoes: &mut HashMap<usize, String>) {
        let founder = space.genesis.founder.key.to_bytes();
        let lost: BTreeSet<[u8; 32]> = self.took_admin.iter().flatten().copied().collect();
        let senior = lost.iter().min_by_key(|k| {
            let pos = self.aux.get(*k).and_then(|a| a.grant_pos).unwrap_or(usize::MAX);
            (**k != founder, pos, **k)
        });
        let Some(senior) = senior else { return };
        for (i, t) in self.took_admin.iter().enumerate() {
            if t.as_ref() == Some(senior) {
                vetoes.entry(i).or_insert_with(|| VETO_LAST_ADMIN.to_string());
            }
        }
    }

    /// Removals win: vetoes every applied operation by `X` that is concurrent with an applied
    /// operation by someone else taking `X`'s admin rights, except `X` leaving or demoting
    /// itself, and `X` removing or demoting the author of such an operation (mutual removal).
    fn veto_concurrent_with_revocations(&self, dag: &Dag<'_>, vetoes: &mut HashMap<usize, String>) {
        let mut revokers: BTreeMap<usize, Vec<[u8; 32]>> = BTreeMap::new();
        for (i, took) in self.took_admin.iter().enumerate() {
            let Some(x) = took else { continue };
            let by = dag.op(i).author.to_bytes();
            if by == *x {
                continue;
            }
            for &j in self.by_author.get(x).map(Vec::as_slice).unwrap_or_default() {
                if dag.concurrent(i, j) {
                    revokers.entry(j).or_default().push(by);
                }
            }
        }
        for (j, by) in revokers {
            let op = dag.op(j);
            let t = target(op);
            let own = t == op.author.to_bytes();
            let counter = match &op.body {
                OpBody::Remove { .. } => by.contains(&t),
                OpBody::SetRole { role, .. } => *role != Role::Admin && by.contains(&t),
                OpBody::Add { .. } => false,
            };
            if !own && !counter {
                vetoes.entry(j).or_insert_with(|| VETO_REMOVAL_WINS.to_string());
            }
        }
    }
}

/// Per document and actor, the smaller of two cutoffs (an actor missing from one counts as 0).
fn tighten(
    old: HashMap<DocId, HashMap<Vec<u8>, u64>>,
    new: &HashMap<DocId, HashMap<Vec<u8>, u64>>,
) -> HashMap<DocId, HashMap<Vec<u8>, u64>> {
    old.into_iter()
        .filter_map(|(doc, actors)| {
            let theirs = new.get(&doc)?;
            let kept: HashMap<Vec<u8>, u64> =
                actors.into_iter().filter_map(|(a, n)| theirs.get(&a).map(|m| (a, n.min(*m)))).collect();
            (!kept.is_empty()).then_some((doc, kept))
        })
        .collect()
}

/// The operations of `incoming` that a node may store next to `stored`, its log of `space`:
/// those for this space, not stored yet, signed by their author, whose parents are stored or
/// admitted in the same batch, and whose author is or was a member per the log as it stands
/// (or becomes one by operations in the same batch), in an order where parents come first.
/// This is the structural first stage of [`admit`], which decides what is stored.
pub fn admissible(space: &SignedSpace, stored: &[SignedOp], incoming: Vec<SignedOp>) -> Vec<SignedOp> {
    let space_id = space.id();
    let mut known: HashSet<[u8; 32]> = stored.iter().map(SignedOp::hash).collect();
    let mut cands: BTreeMap<[u8; 32], SignedOp> = BTreeMap::new();
    for op in incoming {
        if op.op.space != space_id {
            continue;
        }
        let h = op.hash();
        if !known.contains(&h) {
            cands.entry(h).or_insert(op);
        }
    }
    if cands.is_empty() {
        return Vec::new();
    }
    cands.retain(|_, op| op.verify());
    // Parents first (Kahn's algorithm over the candidates); an op whose author is not (yet) a
    // member waits for a round after new members were added.
    let mut waiting_on: HashMap<[u8; 32], usize> = HashMap::new();
    let mut children: HashMap<[u8; 32], Vec<[u8; 32]>> = HashMap::new();
    for (h, op) in &cands {
        let unknown: Vec<&[u8; 32]> = op.op.parents.iter().filter(|p| !known.contains(*p)).collect();
        for p in &unknown {
            children.entry(**p).or_default().push(*h);
        }
        waiting_on.insert(*h, unknown.len());
    }
    let mut ready: Vec<[u8; 32]> = waiting_on.iter().filter(|(_, n)| **n == 0).map(|(h, _)| *h).collect();
    ready.sort_unstable_by(|a, b| b.cmp(a));
    let mut accepted: Vec<SignedOp> = Vec::new();
    let mut members = Membership::compute_verified(space, stored);
    loop {
        let mut deferred = Vec::new();
        let mut new_adds = false;
        while let Some(h) = ready.pop() {
            let Some(op) = cands.get(&h) else { continue };
            if members.member(&op.op.author).is_none() {
                deferred.push(h);
                continue;
            }
            new_adds |= matches!(op.op.body, OpBody::Add { .. });
            for c in children.get(&h).map(Vec::as_slice).unwrap_or_default() {
                if let Some(n) = waiting_on.get_mut(c) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        ready.push(*c);
                    }
                }
            }
            known.insert(h);
            if let Some(op) = cands.remove(&h) {
                accepted.push(op);
            }
        }
        if !new_adds || deferred.is_empty() {
            break;
        }
        let mut all = stored.to_vec();
        all.extend(accepted.iter().cloned());
        members = Membership::compute_verified(space, &all);
        ready = deferred;
    }
    accepted
}

/// Most operations per author that are stored although they do not take effect (rejected in
/// the computed membership, for a reason other than rule 1). An honest author makes such an
/// operation only when it raced a concurrent one it could not see: a removal of itself, or
/// another admin adding or removing the same member (a few per partition, not hundreds).
/// Beyond it an author's operations that do not take effect are refused, so concurrent
/// copies of one leave, or of one no-op, cannot fill a log.
pub const MAX_INEFFECTIVE_PER_AUTHOR: usize = 16;

/// Most operations a node stores in one space's log, whatever counts against
/// [`MAX_LOG_OPS`]; it also bounds the work of one [`admit`] (stored plus incoming are
/// considered together). Twice the cap: room for the counted operations, as many revocations
/// (each undoes a grant), and the small per-author rest.
pub const MAX_STORED_OPS: usize = 2 * MAX_LOG_OPS;

/// What [`admit`] lets into a log.
#[derive(Debug, Clone)]
pub struct Admission {
    /// The operations to store, parents first.
    pub ops: Vec<SignedOp>,
    /// The operations refused, by hash, with the reason.
    pub refused: Vec<([u8; 32], String)>,
    /// The membership over the stored log plus [`Admission::ops`].
    pub membership: Membership,
}

/// Why [`admit`] refused a whole batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogFull {
    /// The operations that count would pass [`MAX_LOG_OPS`].
    #[error(
        "it holds {counted} operations that count against the limit of {cap}, {adding} more would pass it"
    )]
    Counted {
        /// Counted operations with the batch.
        counted: usize,
        /// Counted operations the batch adds.
        adding: usize,
        /// [`MAX_LOG_OPS`].
        cap: usize,
    },
    /// Stored plus incoming operations would pass [`MAX_STORED_OPS`].
    #[error("it holds {stored} operations, {adding} more would pass the limit of {cap} stored operations")]
    Stored {
        /// Operations stored.
        stored: usize,
        /// New operations offered.
        adding: usize,
        /// [`MAX_STORED_OPS`].
        cap: usize,
    },
}

/// Decides which operations of `incoming` a node stores next to `stored` (its log of `space`,
/// verified operations only). The rule, and its reasons, are in `docs/protocol.md` (*Storing
/// ops*):
///
/// 1. Only [`admissible`] operations are considered (structure, signature, parents, author).
/// 2. **Junk is refused at the door**: an operation whose author lacks the right to make it in
///    its causal past (rule 1 of [`Membership::compute`], over the stored log plus the batch)
///    can never apply, so it is neither stored nor relayed, and neither is any operation of
///    the batch that names it as a parent, unless an applied operation other than a leave
///    descends from it (history an admin of an older version built on: kept, so that
///    history's own operations do not wait forever for a parent).
/// 3. An author's other operations that do not take effect are stored only up to
///    [`MAX_INEFFECTIVE_PER_AUTHOR`] (its stored ones included); beyond it they are refused.
/// 4. The batch is refused whole if the operations that count (applied, and not taking rights
///    away) would pass [`MAX_LOG_OPS`] while it adds to them, or if the stored operations plus
///    the new ones would pass [`MAX_STORED_OPS`]. A removal or demotion by an admin never
///    counts, so junk (which is never counted) cannot use up an admin's room to remove.
///
/// With `cap` false, the limits of point 4 are not applied (used to clean a store written by an
/// older version, which may hold more).
///
/// # Errors
/// [`LogFull`] if point 4 refuses the batch; nothing is admitted then.
pub fn admit(
    space: &SignedSpace,
    stored: &[SignedOp],
    incoming: Vec<SignedOp>,
    cap: bool,
) -> Result<Admission, LogFull> {
    let mut cands = admissible(space, stored, incoming);
    if cap && stored.len() + cands.len() > MAX_STORED_OPS {
        return Err(LogFull::Stored { stored: stored.len(), adding: cands.len(), cap: MAX_STORED_OPS });
    }
    let mut refused_set: HashSet<[u8; 32]> = HashSet::new();
    let mut refused = Vec::new();
    // An operation is judged against the others admitted with it, so refusing one can change
    // how another is judged (an editor's second removal after its own leave is "not a member"
    // next to a junk op, "unauthorized" without it). Judge again until nothing more is refused:
    // each round only refuses, so this ends within as many rounds as there are candidates.
    let (ops, membership) = loop {
        let mut all: Vec<SignedOp> = stored.to_vec();
        all.extend(cands.iter().cloned());
        let m = Membership::compute_verified(space, &all);
        let outcome: HashMap<String, &OpOutcome> = m.log.iter().map(|o| (o.hash.clone(), o)).collect();
        let vouched = vouched(&all, &m);
        // Per author, the ops stored so far that do not take effect.
        let mut ineffective: HashMap<[u8; 32], usize> = HashMap::new();
        for op in stored {
            if outcome.get(&hex(&op.hash())).is_none_or(|o| o.rejected.is_some()) {
                *ineffective.entry(op.op.author.to_bytes()).or_default() += 1;
            }
        }
        let mut kept = Vec::new();
        let mut refused_now = false;
        for op in &cands {
            let h = op.hash();
            let o = outcome.get(&hex(&h));
            let why = if op.op.parents.iter().any(|p| refused_set.contains(p)) {
                Some("it names an operation that was refused as a parent".to_string())
            } else if vouched.contains(&h) {
                None
            } else if let Some(o) = o.filter(|o| o.unauthorized) {
                Some(format!("it can never apply: {}", o.rejected.as_deref().unwrap_or("not allowed")))
            } else if o.is_none_or(|o| o.rejected.is_some()) {
                let n = ineffective.entry(op.op.author.to_bytes()).or_default();
                if *n >= MAX_INEFFECTIVE_PER_AUTHOR {
                    Some(format!(
                        "its author already has {MAX_INEFFECTIVE_PER_AUTHOR} operations that do not take effect ({})",
                        o.and_then(|o| o.rejected.as_deref()).unwrap_or("waiting")
                    ))
                } else {
                    *n += 1;
                    None
                }
            } else {
                None
            };
            match why {
                Some(why) => {
                    refused_set.insert(h);
                    refused.push((h, why));
                    refused_now = true;
                }
                None => kept.push(op.clone()),
            }
        }
        if !refused_now {
            break (kept, m);
        }
        cands = kept;
    };
    if cap {
        let new: HashSet<String> = ops.iter().map(|o| hex(&o.hash())).collect();
        let counts = |o: &&OpOutcome| o.rejected.is_none() && !o.revokes;
        let counted = membership.log.iter().filter(counts).count();
        let adding = membership.log.iter().filter(counts).filter(|o| new.contains(&o.hash)).count();
        if adding > 0 && counted > MAX_LOG_OPS {
            return Err(LogFull::Counted { counted, adding, cap: MAX_LOG_OPS });
        }
    }
    Ok(Admission { ops, refused, membership })
}

/// The operations of `all` that an applied operation other than a leave descends from (itself
/// included): history that an admin built on, which is kept even where it is junk.
fn vouched(all: &[SignedOp], m: &Membership) -> HashSet<[u8; 32]> {
    let parents: HashMap<[u8; 32], &[[u8; 32]]> =
        all.iter().map(|o| (o.hash(), o.op.parents.as_slice())).collect();
    let mut stack: Vec<[u8; 32]> = Vec::new();
    for o in &m.log {
        let leave = matches!(&o.op.body, OpBody::Remove { member, .. } if *member == o.op.author);
        if o.rejected.is_none() && !leave {
            stack.extend(o.op.parents.iter().copied());
        }
    }
    let mut seen = HashSet::new();
    while let Some(h) = stack.pop() {
        if seen.insert(h)
            && let Some(ps) = parents.get(&h)
        {
            stack.extend(ps.iter().copied());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Municipality;

    fn key(n: u8) -> SecretKey {
        SecretKey::from_bytes([n; 32])
    }

    fn space(founder: &SecretKey) -> SignedSpace {
        let m = Municipality { key: founder.public(), name: "A".into(), country: "FR".into() };
        SignedSpace::create(founder, "S", m, Timestamp(0), [0; 16]).expect("space")
    }

    fn op(author: &SecretKey, space: &SignedSpace, parents: Vec<[u8; 32]>, body: OpBody) -> SignedOp {
        SignedOp::sign(
            author,
            MemberOp { space: space.id(), author: author.public(), parents, time: Timestamp(1), body },
        )
    }

    fn add(
        author: &SecretKey,
        s: &SignedSpace,
        parents: Vec<[u8; 32]>,
        who: &SecretKey,
        role: Role,
    ) -> SignedOp {
        op(author, s, parents, OpBody::Add { member: who.public(), name: "x".into(), role })
    }

    fn remove(author: &SecretKey, s: &SignedSpace, parents: Vec<[u8; 32]>, who: &SecretKey) -> SignedOp {
        op(author, s, parents, OpBody::Remove { member: who.public(), cutoff: vec![] })
    }

    #[test]
    fn roles_and_the_last_admin() {
        let (a, b, c) = (key(1), key(2), key(3));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Editor);
        // An editor cannot add.
        let b_adds_c = add(&b, &s, vec![add_b.hash()], &c, Role::Admin);
        // The founder cannot be removed while the only admin.
        let a_leaves = remove(&a, &s, vec![add_b.hash()], &a);
        let m = Membership::compute(&s, &[b_adds_c.clone(), add_b.clone(), a_leaves]);
        assert_eq!(m.role(&b.public()), Some(Role::Editor));
        assert_eq!(m.role(&c.public()), None);
        assert!(m.is_admin(&a.public()));
        assert_eq!(m.log.iter().filter(|o| o.rejected.is_some()).count(), 2);
    }

    #[test]
    fn forged_and_foreign_ops_are_ignored() {
        let (a, b) = (key(1), key(2));
        let s = space(&a);
        let mut forged = add(&a, &s, vec![], &b, Role::Admin);
        forged.op.author = b.public();
        let other = space(&key(9));
        let foreign = add(&key(9), &other, vec![], &b, Role::Admin);
        let m = Membership::compute(&s, &[forged, foreign]);
        assert_eq!(m.role(&b.public()), None);
        assert!(m.log.is_empty());
    }

    /// All orders of `ops` give the same membership (a few rotations and the reverse).
    fn same_in_any_order(s: &SignedSpace, ops: &[SignedOp]) -> Membership {
        let m = Membership::compute(s, ops);
        let mut rev = ops.to_vec();
        rev.reverse();
        assert_eq!(Membership::compute(s, &rev).members, m.members);
        for k in 1..ops.len() {
            let mut rot = ops.to_vec();
            rot.rotate_left(k);
            assert_eq!(Membership::compute(s, &rot).members, m.members);
        }
        m
    }

    /// Signs `body` by `author` with `parents`, choosing `time` so that the op's hash sorts
    /// before `than` (what an attacker grinding hashes would do).
    fn ground(
        author: &SecretKey,
        s: &SignedSpace,
        parents: Vec<[u8; 32]>,
        body: OpBody,
        than: [u8; 32],
    ) -> SignedOp {
        for t in 0..100_000 {
            let o = SignedOp::sign(
                author,
                MemberOp {
                    space: s.id(),
                    author: author.public(),
                    parents: parents.clone(),
                    time: Timestamp(t),
                    body: body.clone(),
                },
            );
            if o.hash() < than {
                return o;
            }
        }
        panic!("no hash below the target found");
    }

    #[test]
    fn mutual_removal_leaves_the_founder_when_no_other_admin_remains() {
        // Before: the removal with the smaller hash won, so the removed admin could grind its
        // way to keeping its rights. Now both removals apply, and since that would leave no
        // admin, the founder (the senior) stays.
        let (a, b) = (key(1), key(2));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Admin);
        let a_removes_b = remove(&a, &s, vec![add_b.hash()], &b);
        let b_removes_a = ground(
            &b,
            &s,
            vec![add_b.hash()],
            OpBody::Remove { member: a.public(), cutoff: vec![] },
            a_removes_b.hash(),
        );
        let m = same_in_any_order(&s, &[add_b, a_removes_b, b_removes_a]);
        assert!(m.is_admin(&a.public()));
        assert!(!m.can_read(&b.public()));
        assert_eq!(m.admins(), 1);
        let rejected: Vec<_> = m.log.iter().filter_map(|o| o.rejected.clone()).collect();
        assert_eq!(rejected.len(), 1, "{rejected:?}");
        assert!(rejected[0].contains("last admin"), "{rejected:?}");
    }

    #[test]
    fn two_admins_removing_each_other_both_end_removed() {
        let (a, b, c) = (key(1), key(2), key(3));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Admin);
        let add_c = add(&a, &s, vec![add_b.hash()], &c, Role::Admin);
        let p = vec![add_c.hash()];
        let a_removes_b = remove(&a, &s, p.clone(), &b);
        let b_removes_a = remove(&b, &s, p, &a);
        let m = same_in_any_order(&s, &[add_b, add_c, a_removes_b, b_removes_a]);
        assert!(!m.can_read(&a.public()));
        assert!(!m.can_read(&b.public()));
        assert!(m.is_admin(&c.public()));
        assert!(m.log.iter().all(|o| o.rejected.is_none()));
    }

    #[test]
    fn a_removed_admin_cannot_act_concurrently_with_its_removal_whatever_its_hashes() {
        // A removes B; B answers with ops claiming the same parents, their hashes ground to
        // sort before A's removal: removing C, adding X, promoting Y who then adds Z.
        let (a, b, c, x, y, z) = (key(1), key(2), key(3), key(4), key(5), key(6));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Admin);
        let add_c = add(&a, &s, vec![add_b.hash()], &c, Role::Admin);
        let add_y = add(&a, &s, vec![add_c.hash()], &y, Role::Editor);
        let p = vec![add_y.hash()];
        let r = remove(&a, &s, p.clone(), &b);
        let b_removes_c =
            ground(&b, &s, p.clone(), OpBody::Remove { member: c.public(), cutoff: vec![] }, r.hash());
        let b_adds_x = ground(
            &b,
            &s,
            p.clone(),
            OpBody::Add { member: x.public(), name: "x".into(), role: Role::Admin },
            r.hash(),
        );
        let b_promotes_y = ground(
            &b,
            &s,
            p,
            OpBody::SetRole { member: y.public(), role: Role::Admin, cutoff: vec![] },
            r.hash(),
        );
        let y_adds_z = add(&y, &s, vec![b_promotes_y.hash()], &z, Role::Editor);
        let m = same_in_any_order(
            &s,
            &[add_b, add_c, add_y, r, b_removes_c.clone(), b_adds_x.clone(), b_promotes_y.clone(), y_adds_z],
        );
        assert!(!m.can_read(&b.public()), "B is removed");
        assert!(m.is_admin(&c.public()), "C stays an admin");
        assert!(!m.can_read(&x.public()), "B's add is rejected");
        assert_eq!(m.role(&y.public()), Some(Role::Editor), "B's promotion is rejected");
        assert!(!m.can_read(&z.public()), "and so is what Y built on it");
        for o in [&b_removes_c, &b_adds_x, &b_promotes_y] {
            let why = m.log.iter().find(|l| l.hash == hex(&o.hash())).and_then(|l| l.rejected.clone());
            assert!(why.is_some_and(|w| w.contains("removals win")));
        }
    }

    #[test]
    fn add_racing_a_removal_of_the_adder() {
        // Before: the order (the hashes) decided. Now the removal wins whatever the hashes.
        let (a, b, x) = (key(1), key(2), key(3));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Admin);
        let a_removes_b = remove(&a, &s, vec![add_b.hash()], &b);
        let b_adds_x = ground(
            &b,
            &s,
            vec![add_b.hash()],
            OpBody::Add { member: x.public(), name: "x".into(), role: Role::Editor },
            a_removes_b.hash(),
        );
        let m = same_in_any_order(&s, &[add_b.clone(), b_adds_x, a_removes_b]);
        assert!(!m.can_read(&x.public()));
        // An add by an admin nobody removed stands.
        let b_adds_x_later = add(&b, &s, vec![add_b.hash()], &x, Role::Editor);
        let m = Membership::compute(&s, &[add_b, b_adds_x_later]);
        assert!(m.can_read(&x.public()));
    }

    #[test]
    fn a_stale_removal_does_not_remove_a_re_added_member() {
        let (a, b, c) = (key(1), key(2), key(3));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Editor);
        let add_c = add(&a, &s, vec![add_b.hash()], &c, Role::Admin);
        let a_removes_b = remove(&a, &s, vec![add_c.hash()], &b);
        let a_re_adds_b = add(&a, &s, vec![a_removes_b.hash()], &b, Role::Editor);
        // C removes B without having seen either.
        let c_removes_b = remove(&c, &s, vec![add_c.hash()], &b);
        let m = same_in_any_order(&s, &[add_b, add_c, a_removes_b, a_re_adds_b, c_removes_b]);
        assert_eq!(m.role(&b.public()), Some(Role::Editor));
    }

    #[test]
    fn a_leaver_cannot_vouch_for_its_own_writes() {
        let (a, b, c) = (key(1), key(2), key(3));
        let s = space(&a);
        let doc = DocId::from_bytes([5; 16]);
        let cut = |n| vec![DocCutoff { doc, actors: vec![(vec![7; 48], n)] }];
        let add_b = add(&a, &s, vec![], &b, Role::Editor);
        let add_c = add(&a, &s, vec![add_b.hash()], &c, Role::Admin);
        let b_leaves =
            op(&b, &s, vec![add_c.hash()], OpBody::Remove { member: b.public(), cutoff: cut(u64::MAX) });
        let m = Membership::compute(&s, &[add_b.clone(), add_c.clone(), b_leaves.clone()]);
        assert!(!m.can_read(&b.public()));
        assert_eq!(m.write_right(&b.public(), &doc, &[7; 48]), WriteRight::UpTo(0));
        // An admin records a cutoff for the former member; a second admin, concurrently, a
        // smaller one: the smaller holds, in any order.
        let a_sets = op(&a, &s, vec![b_leaves.hash()], OpBody::Remove { member: b.public(), cutoff: cut(4) });
        let c_sets = op(&c, &s, vec![b_leaves.hash()], OpBody::Remove { member: b.public(), cutoff: cut(3) });
        let m = same_in_any_order(&s, &[add_b.clone(), add_c.clone(), b_leaves.clone(), a_sets.clone()]);
        assert_eq!(m.write_right(&b.public(), &doc, &[7; 48]), WriteRight::UpTo(4));
        let m = same_in_any_order(&s, &[add_b, add_c, b_leaves, a_sets, c_sets]);
        assert_eq!(m.write_right(&b.public(), &doc, &[7; 48]), WriteRight::UpTo(3));
    }

    #[test]
    fn compute_never_truncates() {
        // 10,001 self-signed junk ops handed over before the real ones (a store returns ops by
        // hash, and junk can be ground to small hashes): the real ones still count.
        let (a, b, junk) = (key(1), key(2), key(9));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Editor);
        let mut ops: Vec<SignedOp> = (0..=MAX_LOG_OPS as i64)
            .map(|t| {
                SignedOp::sign(
                    &junk,
                    MemberOp {
                        space: s.id(),
                        author: junk.public(),
                        parents: vec![[0; 32]],
                        time: Timestamp(t),
                        body: OpBody::Remove { member: b.public(), cutoff: vec![] },
                    },
                )
            })
            .collect();
        ops.push(add_b);
        let m = Membership::compute(&s, &ops);
        assert_eq!(m.role(&b.public()), Some(Role::Editor));
    }

    #[test]
    fn admissible_keeps_only_member_ops_with_known_parents() {
        let (a, b, c, stranger) = (key(1), key(2), key(3), key(9));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Admin);
        let stored = vec![add_b.clone()];
        // B adds C, and C (a member by the same batch) makes an op (rejected, but stored).
        let b_adds_c = add(&b, &s, vec![add_b.hash()], &c, Role::Editor);
        let c_tries = add(&c, &s, vec![b_adds_c.hash()], &stranger, Role::Admin);
        // Junk: a stranger's op, an op with a missing parent and its child, a forged one.
        let by_stranger = add(&stranger, &s, vec![add_b.hash()], &stranger, Role::Admin);
        let orphan = add(&b, &s, vec![[7; 32]], &stranger, Role::Viewer);
        let child_of_orphan = add(&b, &s, vec![orphan.hash()], &stranger, Role::Viewer);
        let mut forged = add(&a, &s, vec![add_b.hash()], &stranger, Role::Admin);
        forged.op.author = b.public();
        let incoming = vec![
            c_tries.clone(),
            by_stranger,
            orphan,
            forged,
            child_of_orphan,
            add_b,
            b_adds_c.clone(),
            b_adds_c.clone(),
        ];
        let mut got: Vec<[u8; 32]> = admissible(&s, &stored, incoming).iter().map(SignedOp::hash).collect();
        got.sort();
        let mut want = vec![b_adds_c.hash(), c_tries.hash()];
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn cutoffs_limit_a_removed_writer() {
        let (a, b) = (key(1), key(2));
        let s = space(&a);
        let doc = DocId::from_bytes([5; 16]);
        let add_b = add(&a, &s, vec![], &b, Role::Editor);
        let rm = op(
            &a,
            &s,
            vec![add_b.hash()],
            OpBody::Remove {
                member: b.public(),
                cutoff: vec![DocCutoff { doc, actors: vec![(vec![7; 48], 4)] }],
            },
        );
        let m = Membership::compute(&s, &[add_b, rm]);
        assert_eq!(m.write_right(&b.public(), &doc, &[7; 48]), WriteRight::UpTo(4));
        assert_eq!(m.write_right(&b.public(), &doc, &[8; 48]), WriteRight::UpTo(0));
        assert_eq!(m.write_right(&a.public(), &doc, &[1; 48]), WriteRight::Writer);
        assert_eq!(m.write_right(&key(9).public(), &doc, &[1; 48]), WriteRight::None);
        assert!(!m.can_read(&b.public()));
    }

    #[test]
    fn ops_wait_for_missing_parents() {
        let (a, b, c) = (key(1), key(2), key(3));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Admin);
        let b_adds_c = add(&b, &s, vec![add_b.hash()], &c, Role::Editor);
        let m = Membership::compute(&s, std::slice::from_ref(&b_adds_c));
        assert!(!m.can_read(&c.public()));
        let m = Membership::compute(&s, &[b_adds_c, add_b]);
        assert!(m.can_read(&c.public()));
    }
}

#[cfg(test)]
#[path = "membership_admit_tests.rs"]
mod admit_tests;
