//! Which operations a node stores ([`admit`]): the structural check ([`admissible`]), junk
//! refused at the door, a per-author budget of operations that do not take effect, and the caps
//! of a log ([`LogFull`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{MAX_LOG_OPS, Membership, OpBody, OpOutcome, SignedOp, compute::hex};
use crate::space::SignedSpace;

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
