//! The membership log of a space: signed operations in a hash DAG, and the deterministic rule
//! that turns any set of them into the same membership on every node.
//!
//! - The space's genesis (see [`crate::space`]) makes its founder the first admin.
//! - Every later operation is signed by its author and names the operations it has seen
//!   (`parents`); its id is the SHA-256 of `"twinmesh/member-op/v1" ‖ postcard(op)`.
//! - [`Membership::compute`] orders the operations topologically (parents first, ties broken by
//!   the smaller operation hash) and applies each one if its author may make it at that point:
//!   only admins add, change roles and remove; anyone may leave; nobody may remove or demote the
//!   last admin. An operation that does not apply is kept in the log and shown as rejected.
//!
//! Concurrent operations therefore resolve the same way everywhere. Two admins removing each
//! other: the removal with the smaller hash applies first, and the other is then made by a
//! non-admin and is rejected. An add racing a removal of the adding admin: whichever comes first
//! in the order decides.

use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

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

/// Most operations accepted in one space's log.
pub const MAX_LOG_OPS: usize = 10_000;

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
    /// Hashes of operations no other operation names as parent (for new operations' parents).
    pub heads: Vec<[u8; 32]>,
}

impl Membership {
    /// Computes the membership from the genesis and any set of operations (in any order,
    /// duplicates and invalid signatures ignored). Operations whose parents are missing wait.
    pub fn compute(space: &SignedSpace, ops: &[SignedOp]) -> Self {
        let space_id = space.id();
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
        let mut by_hash: HashMap<[u8; 32], &SignedOp> = HashMap::new();
        for op in ops.iter().take(MAX_LOG_OPS) {
            if op.op.space == space_id && op.verify() {
                by_hash.insert(op.hash(), op);
            }
        }
        // Kahn's algorithm over the ops whose parents are all present; ties by smaller hash.
        let mut children: HashMap<[u8; 32], Vec<[u8; 32]>> = HashMap::new();
        let mut missing: HashMap<[u8; 32], usize> = HashMap::new();
        for (h, op) in &by_hash {
            let mut n = 0;
            for p in &op.op.parents {
                children.entry(*p).or_default().push(*h);
                n += 1;
            }
            missing.insert(*h, n);
        }
        let mut ready: BinaryHeap<std::cmp::Reverse<[u8; 32]>> =
            missing.iter().filter(|(_, n)| **n == 0).map(|(h, _)| std::cmp::Reverse(*h)).collect();
        let mut log = Vec::new();
        let mut applied_set = HashSet::new();
        while let Some(std::cmp::Reverse(h)) = ready.pop() {
            let Some(op) = by_hash.get(&h) else { continue };
            let rejected = apply(&mut members, &op.op).err();
            log.push(OpOutcome { hash: hex(&h), op: op.op.clone(), rejected });
            applied_set.insert(h);
            for c in children.get(&h).cloned().unwrap_or_default() {
                if let Some(n) = missing.get_mut(&c) {
                    *n -= 1;
                    if *n == 0 {
                        ready.push(std::cmp::Reverse(c));
                    }
                }
            }
        }
        let named: HashSet<[u8; 32]> = by_hash
            .values()
            .filter(|o| applied_set.contains(&o.hash()))
            .flat_map(|o| o.op.parents.clone())
            .collect();
        let mut heads: Vec<[u8; 32]> = applied_set.iter().filter(|h| !named.contains(*h)).copied().collect();
        heads.sort();
        Self { members, log, heads }
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

fn apply(members: &mut BTreeMap<[u8; 32], Member>, op: &MemberOp) -> Result<(), String> {
    let author_admin = members.get(&op.author.to_bytes()).is_some_and(|m| m.active && m.role == Role::Admin);
    let admins = members.values().filter(|m| m.active && m.role == Role::Admin).count();
    match &op.body {
        OpBody::Add { member, name, role } => {
            if !author_admin {
                return Err("only an admin may add members".into());
            }
            if members.get(&member.to_bytes()).is_some_and(|m| m.active) {
                return Err("already a member".into());
            }
            let wrote = members.get(&member.to_bytes()).is_some_and(|m| m.wrote) || role.can_write();
            let old_cutoff = members.get(&member.to_bytes()).and_then(|m| m.cutoff.clone());
            members.insert(
                member.to_bytes(),
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
            Ok(())
        }
        OpBody::SetRole { member, role, cutoff } => {
            if !author_admin {
                return Err("only an admin may change roles".into());
            }
            let Some(m) = members.get_mut(&member.to_bytes()).filter(|m| m.active) else {
                return Err("not a member".into());
            };
            if m.role == Role::Admin && *role != Role::Admin && admins <= 1 {
                return Err("the last admin cannot be demoted".into());
            }
            if m.role.can_write() && !role.can_write() {
                m.cutoff = Some(cutoff_map(cutoff));
            } else if role.can_write() {
                m.cutoff = None;
                m.wrote = true;
            }
            m.role = *role;
            Ok(())
        }
        OpBody::Remove { member, cutoff } => {
            let leaving = *member == op.author;
            if !author_admin && !leaving {
                return Err("only an admin may remove members".into());
            }
            let Some(m) = members.get_mut(&member.to_bytes()).filter(|m| m.active) else {
                return Err("not a member".into());
            };
            if m.role == Role::Admin && admins <= 1 {
                return Err("the last admin cannot be removed".into());
            }
            m.active = false;
            if m.wrote && m.cutoff.is_none() {
                m.cutoff = Some(cutoff_map(cutoff));
            }
            Ok(())
        }
    }
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

    #[test]
    fn mutual_removal_resolves_the_same_in_any_order() {
        let (a, b) = (key(1), key(2));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Admin);
        let a_removes_b = remove(&a, &s, vec![add_b.hash()], &b);
        let b_removes_a = remove(&b, &s, vec![add_b.hash()], &a);
        let m1 = Membership::compute(&s, &[add_b.clone(), a_removes_b.clone(), b_removes_a.clone()]);
        let m2 = Membership::compute(&s, &[b_removes_a.clone(), a_removes_b.clone(), add_b.clone()]);
        assert_eq!(m1.members, m2.members);
        // Exactly one of them is still an admin: the author of the smaller-hash removal.
        assert_eq!(m1.admins(), 1);
        let winner = if a_removes_b.hash() < b_removes_a.hash() { &a } else { &b };
        assert!(m1.is_admin(&winner.public()));
    }

    #[test]
    fn add_racing_a_removal_of_the_adder() {
        let (a, b, x) = (key(1), key(2), key(3));
        let s = space(&a);
        let add_b = add(&a, &s, vec![], &b, Role::Admin);
        let b_adds_x = add(&b, &s, vec![add_b.hash()], &x, Role::Editor);
        let a_removes_b = remove(&a, &s, vec![add_b.hash()], &b);
        let m = Membership::compute(&s, &[add_b, b_adds_x.clone(), a_removes_b.clone()]);
        let x_in = m.can_read(&x.public());
        assert_eq!(x_in, b_adds_x.hash() < a_removes_b.hash(), "the order decides, the same everywhere");
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
