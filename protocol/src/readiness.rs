//! Which received changes can apply to a document now, and which must wait.
//!
//! Automerge keeps a change whose dependencies it lacks in an in-memory queue and applies it
//! silently when they arrive, from whatever path brings them; a node that stores every change
//! with its signature must never hand Automerge such a change. [`split_ready`] is the rule: a
//! change is ready when each of its dependencies is in the document or is a ready change of the
//! same pool; the ready ones come out in dependency order, the others wait (in the node's
//! quarantine) until what they lack arrives.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash, ReadDoc};

/// The hashes among `hashes` that `doc` holds.
pub fn present(doc: &Automerge, hashes: &[ChangeHash]) -> HashSet<ChangeHash> {
    if doc.get_missing_deps(&[]).is_empty() {
        // With an empty queue, a hash is missing exactly when the change graph lacks it; one
        // call answers for all (`get_change_by_hash` rebuilds each change from the op set).
        let missing: HashSet<ChangeHash> = doc.get_missing_deps(hashes).into_iter().collect();
        hashes.iter().filter(|h| !missing.contains(h)).copied().collect()
    } else {
        hashes.iter().filter(|h| doc.get_change_by_hash(h).is_some()).copied().collect()
    }
}

/// Splits `pool` into the changes `doc` can apply now, in dependency order, and those that
/// wait for a change neither `doc` nor the pool holds. Changes `doc` already has, and
/// duplicates, are dropped. `T` rides along with each change (its signature, or nothing).
#[allow(clippy::type_complexity)]
pub fn split_ready<T>(doc: &Automerge, pool: Vec<(Change, T)>) -> (Vec<(Change, T)>, Vec<(Change, T)>) {
    let mut seen = HashSet::new();
    let mut pool: Vec<(Change, T)> = pool.into_iter().filter(|(c, _)| seen.insert(c.hash())).collect();
    let hashes: Vec<ChangeHash> = pool.iter().map(|(c, _)| c.hash()).collect();
    let had = present(doc, &hashes);
    pool.retain(|(c, _)| !had.contains(&c.hash()));

    let index: HashMap<ChangeHash, usize> =
        pool.iter().enumerate().map(|(i, (c, _))| (c.hash(), i)).collect();
    let outside: Vec<ChangeHash> = {
        let mut set = HashSet::new();
        pool.iter()
            .flat_map(|(c, _)| c.deps().iter().copied())
            .filter(|d| !index.contains_key(d) && set.insert(*d))
            .collect()
    };
    let outside_present = present(doc, &outside);

    // Kahn's algorithm over the pool: a change is ready when every dependency is in the
    // document or is a ready change of the pool.
    let mut blocked_by = vec![0usize; pool.len()];
    let mut stuck = vec![false; pool.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); pool.len()];
    for (i, (c, _)) in pool.iter().enumerate() {
        for d in c.deps() {
            match index.get(d) {
                Some(&j) => {
                    blocked_by[i] += 1;
                    dependents[j].push(i);
                }
                None if outside_present.contains(d) => {}
                None => stuck[i] = true,
            }
        }
    }
    let mut next: Vec<usize> = (0..pool.len()).filter(|&i| blocked_by[i] == 0 && !stuck[i]).collect();
    let mut order = Vec::with_capacity(pool.len());
    while let Some(i) = next.pop() {
        order.push(i);
        for &k in &dependents[i] {
            blocked_by[k] -= 1;
            if blocked_by[k] == 0 && !stuck[k] {
                next.push(k);
            }
        }
    }
    let mut slots: Vec<Option<(Change, T)>> = pool.into_iter().map(Some).collect();
    let ready: Vec<(Change, T)> = order.iter().filter_map(|&i| slots[i].take()).collect();
    let waiting: Vec<(Change, T)> = slots.into_iter().flatten().collect();
    (ready, waiting)
}
