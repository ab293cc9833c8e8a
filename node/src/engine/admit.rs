//! Admitting checked changes into a document.
//!
//! Automerge keeps a change whose dependencies it lacks in an in-memory queue, and applies it
//! silently when they arrive, from whatever path brings them. A change applied that way would
//! skip the step that stores its signature (a CI run saw exactly that: a partner's change
//! present with no signature after a partition healed through two paths). So the engine never
//! hands Automerge a change it cannot apply at once: it applies only changes whose
//! dependencies are present, and holds the others, with their signatures, in the quarantine
//! table until a later round, bundle or import brings what they wait for. Automerge's queue
//! therefore stays empty.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use twinmesh_protocol::ids::DocId;

use super::{DocMeta, Engine, members::SignedChanges};
use crate::{error::NodeError, store::Batch};

/// What [`Engine::admit`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Admitted {
    /// Changes applied and stored.
    pub applied: usize,
    /// Changes held until their dependencies arrive.
    pub waiting: usize,
}

/// The hashes among `hashes` that `doc` holds.
pub(crate) fn present(doc: &Automerge, hashes: &[ChangeHash]) -> HashSet<ChangeHash> {
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
/// duplicates, are dropped.
pub(crate) fn split_ready(doc: &Automerge, pool: SignedChanges) -> (SignedChanges, SignedChanges) {
    let mut seen = HashSet::new();
    let mut pool: SignedChanges = pool.into_iter().filter(|(c, _)| seen.insert(c.hash())).collect();
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
    let mut slots: Vec<Option<(Change, _)>> = pool.into_iter().map(Some).collect();
    let ready: SignedChanges = order.iter().filter_map(|&i| slots[i].take()).collect();
    let waiting: SignedChanges = slots.into_iter().flatten().collect();
    (ready, waiting)
}

impl Engine {
    /// Admits changes of document `id` that passed the signature and membership checks:
    /// those that can apply now are handed to `apply` (which must apply all of them, e.g.
    /// `apply_changes` or a sync message carrying them) and stored with their signatures;
    /// the others are held in quarantine until their dependencies arrive. `held` names the
    /// changes of `ok` that came from the quarantine. `writes` are committed in the same batch.
    ///
    /// The document must be in memory (`self.docs`); `meta` is its metadata (or that of a
    /// document arriving now). `apply` is called even when nothing is ready, so a sync
    /// message still updates the sync state.
    pub(crate) fn admit(
        &mut self,
        id: &DocId,
        meta: DocMeta,
        ok: SignedChanges,
        held: &HashSet<ChangeHash>,
        mut writes: Batch,
        apply: impl FnOnce(&mut Automerge, Vec<Change>) -> Result<(), NodeError>,
    ) -> Result<Admitted, NodeError> {
        let mut doc = self.docs.remove(id).ok_or_else(|| NodeError::UnknownDoc(id.to_string()))?;
        let (ready, waiting) = split_ready(&doc, ok);
        let to_hold: SignedChanges =
            waiting.iter().filter(|(c, _)| !held.contains(&c.hash())).cloned().collect();
        let released: Vec<ChangeHash> =
            ready.iter().map(|(c, _)| c.hash()).filter(|h| held.contains(h)).collect();
        self.quarantine_batch(&mut writes, id, &to_hold, &released)?;
        // On failure the in-memory copy is dropped: the store still has the last good state.
        apply(&mut doc, ready.iter().map(|(c, _)| c.clone()).collect())?;
        let applied = present(&doc, &ready.iter().map(|(c, _)| c.hash()).collect::<Vec<_>>());
        if applied.len() != ready.len() || !doc.get_missing_deps(&[]).is_empty() {
            return Err(NodeError::Corrupt(format!(
                "document {id}: {} of {} changes with their dependencies present did not apply",
                ready.len() - applied.len(),
                ready.len()
            )));
        }
        let result = Admitted { applied: ready.len(), waiting: waiting.len() };
        if ready.is_empty() {
            if !writes.is_empty() {
                self.store.commit(writes)?;
            }
            self.docs.insert(*id, doc);
            return Ok(result);
        }
        self.persist_changes_with(id, meta, &doc, &ready, writes)?;
        self.docs.insert(*id, doc);
        self.pending_docs.remove(id);
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use automerge::{AutoCommit, transaction::Transactable};
    use twinmesh_protocol::keys::Signature;

    use super::*;

    fn chain(n: usize) -> Vec<Change> {
        let mut d = AutoCommit::new();
        for i in 0..n {
            d.put(automerge::ROOT, "k", i as i64).expect("test doc");
            d.commit();
        }
        d.get_changes(&[]).to_vec()
    }

    fn signed(cs: &[Change]) -> SignedChanges {
        cs.iter().map(|c| (c.clone(), Signature([0; 64]))).collect()
    }

    #[test]
    fn ready_changes_come_out_in_dependency_order_whatever_the_input_order() {
        let cs = chain(5);
        let mut reversed = signed(&cs);
        reversed.reverse();
        let (ready, waiting) = split_ready(&Automerge::new(), reversed);
        assert!(waiting.is_empty());
        let hashes: Vec<_> = ready.iter().map(|(c, _)| c.hash()).collect();
        assert_eq!(hashes, cs.iter().map(Change::hash).collect::<Vec<_>>());
    }

    #[test]
    fn changes_after_a_gap_wait_and_present_ones_are_dropped() {
        let cs = chain(5);
        let mut doc = Automerge::new();
        doc.apply_changes(cs[..2].to_vec()).expect("test doc");
        // Has 0 and 1; offered 1 (present), 3 and 4 (need 2, absent).
        let (ready, waiting) = split_ready(&doc, signed(&[cs[1].clone(), cs[4].clone(), cs[3].clone()]));
        assert!(ready.is_empty());
        let mut w: Vec<_> = waiting.iter().map(|(c, _)| c.hash()).collect();
        w.sort();
        let mut want = vec![cs[3].hash(), cs[4].hash()];
        want.sort();
        assert_eq!(w, want);
        // With 2 offered as well, all three apply, in order.
        let (ready, waiting) = split_ready(&doc, signed(&[cs[4].clone(), cs[2].clone(), cs[3].clone()]));
        assert!(waiting.is_empty());
        let order: Vec<_> = ready.iter().map(|(c, _)| c.hash()).collect();
        assert_eq!(order, vec![cs[2].hash(), cs[3].hash(), cs[4].hash()]);
        doc.apply_changes(ready.into_iter().map(|(c, _)| c)).expect("test doc");
        assert!(doc.get_missing_deps(&[]).is_empty());
        assert_eq!(doc.get_changes(&[]).len(), 5);
    }
}
