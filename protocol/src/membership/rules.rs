//! The rules of [`Membership::compute`](super::Membership::compute): one pass applies the log
//! in the [`Dag`] order (rule 1, [`unauthorized`], judged in each operation's causal past; rules
//! 3 and 4 in [`Pass::apply`]), and after each pass the vetoes of rule 2 (removals win) or of the
//! last admin are added.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{DocCutoff, Member, MemberOp, OpBody, Role, compute::cutoff_map, dag::Dag};
use crate::{ids::DocId, space::SignedSpace};

const VETO_REMOVAL_WINS: &str =
    "its author lost its admin rights through a concurrent operation (removals win)";
const VETO_LAST_ADMIN: &str =
    "the last admin cannot be removed (concurrent operations would leave the space without an admin)";

/// Rule 1 of [`Membership::compute`](super::Membership::compute): why the author, with role
/// `past` in the operation's causal past, may not make it (`None`: it may). Admins add, change
/// roles and remove; any member may leave.
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
pub(super) struct Pass<'d, 'a> {
    dag: &'d Dag<'a>,
    founder: [u8; 32],
    pub(super) members: BTreeMap<[u8; 32], Member>,
    aux: HashMap<[u8; 32], Aux>,
    /// Per operation: `None` if applied, or why not.
    pub(super) rejected: Vec<Option<String>>,
    /// Per operation: its author lacked the right in its causal past (rule 1).
    pub(super) unauthorized: Vec<bool>,
    /// Per operation: it applied and took rights away from a member.
    pub(super) revokes: Vec<bool>,
    /// Per applied operation that took admin rights from an active admin: that admin.
    took_admin: Vec<Option<[u8; 32]>>,
    /// Applied operations by target, in order.
    by_target: HashMap<[u8; 32], Vec<usize>>,
    /// Applied operations by author, in order.
    by_author: HashMap<[u8; 32], Vec<usize>>,
    /// Applied operations, in order.
    pub(super) applied: Vec<usize>,
}

impl<'d, 'a> Pass<'d, 'a> {
    pub(super) fn run(space: &SignedSpace, dag: &'d Dag<'a>, vetoes: &HashMap<usize, String>) -> Self {
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

    pub(super) fn admins(&self) -> usize {
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
    pub(super) fn veto_for_last_admin(&self, space: &SignedSpace, vetoes: &mut HashMap<usize, String>) {
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
    pub(super) fn veto_concurrent_with_revocations(
        &self,
        dag: &Dag<'_>,
        vetoes: &mut HashMap<usize, String>,
    ) {
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
