//! The operations of a log in topological order (parents first, ties by the smaller hash), with
//! the ancestors of each: what tells concurrent operations apart in [`super::Membership::compute`].

use std::collections::{BinaryHeap, HashMap};

use super::{MemberOp, SignedOp};

/// The operations whose parents are all present, in topological order (ties by smaller hash),
/// with the set of ancestors of each.
pub(super) struct Dag<'a> {
    pub(super) ops: Vec<(&'a SignedOp, [u8; 32])>,
    /// `anc[i]` has bit `j` set if operation `j` is an ancestor of operation `i`.
    pub(super) anc: Vec<Vec<u64>>,
}

impl<'a> Dag<'a> {
    pub(super) fn new(by_hash: &HashMap<[u8; 32], &'a SignedOp>) -> Self {
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
    pub(super) fn is_ancestor(&self, a: usize, of: usize) -> bool {
        self.anc.get(of).and_then(|s| s.get(a / 64)).is_some_and(|w| (w >> (a % 64)) & 1 == 1)
    }

    pub(super) fn concurrent(&self, a: usize, b: usize) -> bool {
        a != b && !self.is_ancestor(a, b) && !self.is_ancestor(b, a)
    }

    pub(super) fn op(&self, i: usize) -> &MemberOp {
        &self.ops[i].0.op
    }
}
