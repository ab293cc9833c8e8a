//! Which changes of a document are valid: a function of the set of signed changes a node holds
//! and the space's membership log, so every honest node that holds the same changes and the same
//! log ends with the same document, whatever order they arrived in.
//!
//! 1. A change is *directly valid* if its author is an active admin or editor, or lost write
//!    access and the change's seq is within the cutoff recorded for that actor and document.
//! 2. Every ancestor of a valid change is valid too: a current writer built on it, so rejecting
//!    it would split the document.
//! 3. Everything else is kept in quarantine by the node (never applied, never served), and
//!    looked at again when the log or the set of changes grows.
//!
//! The rules on the reserved records of a document (named versions and approvals) are read out
//! of a change's operations by the caller and passed in as a [`Reserved`] verdict per change:
//! a change that breaks a rule no author may break is never valid, nor anything built on it.

use std::collections::HashMap;

use automerge::{ActorId, Change, ChangeHash};

use crate::{
    ids::DocId,
    keys::Signature,
    membership::{Membership, WriteRight},
    signed::{self, ChangeRejection},
};

/// Signed changes with their signatures.
pub type SignedChanges = Vec<(Change, Signature)>;

/// Changes refused, with the reason.
pub type Refused = Vec<(Change, Signature, ChangeRejection)>;

/// What the rules on reserved records (versions, approval requests and decisions) say of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserved {
    /// It writes no reserved record, or only well-formed ones it may write.
    Fine,
    /// It writes an approval request but its author is not an admin: not valid on its own, but
    /// valid as the ancestor of a valid change.
    AdminOnly(String),
    /// It breaks a rule no author may break: never valid, and neither is anything built on it.
    Forged(String),
}

/// The verdict of [`Reserved`] rules for a change that needs none: nothing reserved.
pub fn nothing_reserved(_: &Change) -> Reserved {
    Reserved::Fine
}

/// What the validity rule needs of a change: a parsed [`Change`], or the metadata Automerge
/// lists for a loaded document (which needs no rebuilding of the change's bytes).
pub trait ChangeFacts {
    /// The change hash.
    fn hash(&self) -> ChangeHash;
    /// Its actor id.
    fn actor(&self) -> &ActorId;
    /// Its seq for that actor.
    fn seq(&self) -> u64;
    /// Its dependencies.
    fn deps(&self) -> &[ChangeHash];
    /// The parsed change, when there is one: only a parsed change can be read for the rules on
    /// reserved records, so metadata is [`Reserved::Fine`] by those rules.
    fn parsed(&self) -> Option<&Change> {
        None
    }
}

impl<T: ChangeFacts + ?Sized> ChangeFacts for &T {
    fn hash(&self) -> ChangeHash {
        (**self).hash()
    }
    fn actor(&self) -> &ActorId {
        (**self).actor()
    }
    fn seq(&self) -> u64 {
        (**self).seq()
    }
    fn deps(&self) -> &[ChangeHash] {
        (**self).deps()
    }
    fn parsed(&self) -> Option<&Change> {
        (**self).parsed()
    }
}

impl ChangeFacts for Change {
    fn hash(&self) -> ChangeHash {
        Change::hash(self)
    }
    fn actor(&self) -> &ActorId {
        self.actor_id()
    }
    fn seq(&self) -> u64 {
        Change::seq(self)
    }
    fn deps(&self) -> &[ChangeHash] {
        Change::deps(self)
    }
    fn parsed(&self) -> Option<&Change> {
        Some(self)
    }
}

impl ChangeFacts for automerge::ChangeMetadata<'_> {
    fn hash(&self) -> ChangeHash {
        self.hash
    }
    fn actor(&self) -> &ActorId {
        &self.actor
    }
    fn seq(&self) -> u64 {
        self.seq
    }
    fn deps(&self) -> &[ChangeHash] {
        &self.deps
    }
}

fn verdict<C: ChangeFacts>(c: &C, reserved: &impl Fn(&Change) -> Reserved) -> Reserved {
    c.parsed().map_or(Reserved::Fine, reserved)
}

/// Which changes of `pool` are valid under membership `m` (the rule in the module docs), with
/// `reserved` judging the reserved records each parsed change writes.
///
/// The rules on reserved records come first: a change that breaks one that no author may break
/// is never valid, not even as the ancestor of a valid change, and neither is anything built on
/// it; a change that writes an approval request though its author is not an admin is not valid
/// on its own (as a change by a non-writer), but is as the ancestor of a valid change.
pub fn valid_mask<C: ChangeFacts>(
    m: &Membership,
    doc: &DocId,
    pool: &[C],
    reserved: impl Fn(&Change) -> Reserved,
) -> Vec<bool> {
    let by_hash: HashMap<ChangeHash, usize> = pool.iter().enumerate().map(|(i, c)| (c.hash(), i)).collect();
    let checks: Vec<Reserved> = pool.iter().map(|c| verdict(c, &reserved)).collect();
    let never = never_valid(pool, &checks, &by_hash);
    let mut valid = vec![false; pool.len()];
    let mut stack = Vec::new();
    // One right per actor: reading the key out of an actor id decompresses a curve point,
    // which for a 2,600-change document was most of the check's time.
    let mut rights: HashMap<&automerge::ActorId, WriteRight> = HashMap::new();
    for (i, c) in pool.iter().enumerate() {
        if never[i] || matches!(checks[i], Reserved::AdminOnly(_)) {
            continue;
        }
        let right = *rights.entry(c.actor()).or_insert_with(|| match signed::author_of(c.actor()) {
            Some(k) => m.write_right(&k, doc, c.actor().to_bytes()),
            None => WriteRight::None,
        });
        let ok = match right {
            WriteRight::Writer => true,
            WriteRight::UpTo(n) => c.seq() <= n,
            WriteRight::None => false,
        };
        if ok {
            valid[i] = true;
            stack.push(i);
        }
    }
    // Ancestors of valid changes are valid.
    while let Some(i) = stack.pop() {
        for d in pool[i].deps() {
            if let Some(&j) = by_hash.get(d)
                && !valid[j]
                && !never[j]
            {
                valid[j] = true;
                stack.push(j);
            }
        }
    }
    valid
}

/// The changes of `pool` that break a rule no author may break ([`Reserved::Forged`]), and
/// every change of `pool` built on one of them.
fn never_valid<C: ChangeFacts>(
    pool: &[C],
    checks: &[Reserved],
    by_hash: &HashMap<ChangeHash, usize>,
) -> Vec<bool> {
    let mut never: Vec<bool> = checks.iter().map(|r| matches!(r, Reserved::Forged(_))).collect();
    if !never.contains(&true) {
        return never;
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); pool.len()];
    for (i, c) in pool.iter().enumerate() {
        for d in c.deps() {
            if let Some(&j) = by_hash.get(d) {
                children[j].push(i);
            }
        }
    }
    let mut stack: Vec<usize> = (0..pool.len()).filter(|&i| never[i]).collect();
    while let Some(i) = stack.pop() {
        for &k in &children[i] {
            if !never[k] {
                never[k] = true;
                stack.push(k);
            }
        }
    }
    never
}

/// The rejection of a change that is not valid under the membership: the reserved-record rule
/// it breaks if it breaks one, else its author's lack of write access.
pub fn unauthorized<C: ChangeFacts>(c: &C, reserved: impl Fn(&Change) -> Reserved) -> ChangeRejection {
    match verdict(c, &reserved) {
        Reserved::Forged(why) | Reserved::AdminOnly(why) => {
            ChangeRejection::Malformed { reason: format!("change {} refused: {why}", c.hash()) }
        }
        Reserved::Fine => {
            let author = signed::author_of(c.actor()).map(|k| k.to_string()).unwrap_or_default();
            ChangeRejection::Unauthorized { hash: c.hash(), author }
        }
    }
}

/// Splits changes by validity under membership `m`: the valid ones, in the order given, and the
/// others with the reason. `T` rides along with each change (its signature, or how it is proven).
#[allow(clippy::type_complexity)]
pub fn classify_with<T>(
    m: &Membership,
    doc: &DocId,
    pool: Vec<(Change, T)>,
    reserved: impl Fn(&Change) -> Reserved,
) -> (Vec<(Change, T)>, Vec<(Change, T, ChangeRejection)>) {
    let changes: Vec<&Change> = pool.iter().map(|(c, _)| c).collect();
    let valid = valid_mask(m, doc, &changes, &reserved);
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for ((c, s), v) in pool.into_iter().zip(valid) {
        if v {
            ok.push((c, s));
        } else {
            let why = unauthorized(&c, &reserved);
            bad.push((c, s, why));
        }
    }
    (ok, bad)
}
