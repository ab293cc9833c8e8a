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
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    signed::ChangeRejection,
};

use super::{
    DocMeta, Engine,
    members::SignedChanges,
    transfer::{SpaceMismatch, check_space},
};
use crate::{error::NodeError, store::Batch};

// The readiness rule lives in the protocol crate; the engine's paths name it from here.
pub(crate) use twinmesh_protocol::readiness::{present, split_ready};

/// What [`Engine::admit`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Admitted {
    /// Changes applied and stored.
    pub applied: usize,
    /// Changes held until their dependencies arrive.
    pub waiting: usize,
    /// Changes refused here: equivocations (a second, different change with an author's
    /// sequence number already used) and the pool's changes built on them.
    pub refused: Vec<ChangeRejection>,
    /// True if the quarantine is as it was: nothing newly held, nothing released from it.
    pub quarantine_kept: bool,
}

/// Why an equivocating change is refused.
fn equivocation(c: &Change) -> ChangeRejection {
    ChangeRejection::Malformed {
        reason: format!(
            "equivocation: change {} reuses sequence number {} of its author's actor for different content",
            c.hash(),
            c.seq()
        ),
    }
}

/// Removes from `ready` (in dependency order) the changes that share an actor and sequence
/// number with another change of the pool or, when `doc` is given, that `doc` refuses on
/// their own; and every change of `ready` built on a removed one. Returns the refusals.
fn drop_equivocations(ready: &mut SignedChanges, doc: Option<&Automerge>) -> Vec<ChangeRejection> {
    let mut by_seq: HashMap<(Vec<u8>, u64), HashSet<ChangeHash>> = HashMap::new();
    for (c, _) in ready.iter() {
        by_seq.entry((c.actor_id().to_bytes().to_vec(), c.seq())).or_default().insert(c.hash());
    }
    let mut probe = doc.map(Automerge::fork);
    let mut bad: HashSet<ChangeHash> = HashSet::new();
    let mut refused = Vec::new();
    for (c, _) in ready.iter() {
        let twice = by_seq.get(&(c.actor_id().to_bytes().to_vec(), c.seq())).is_some_and(|h| h.len() > 1);
        let on_bad = c.deps().iter().any(|d| bad.contains(d));
        let refused_alone =
            !twice && !on_bad && probe.as_mut().is_some_and(|p| p.apply_changes([c.clone()]).is_err());
        if twice || on_bad || refused_alone {
            bad.insert(c.hash());
            refused.push(equivocation(c));
        }
    }
    ready.retain(|(c, _)| !bad.contains(&c.hash()));
    refused
}

/// Whether `doc` still names `space` ([`check_space`]) once the changes of `pool` that can
/// apply are applied to it, as [`Engine::admit`] would apply them; used where a refusal must
/// come before anything is applied (a bundle). A document that failed the check before is not
/// judged by its new changes, as in `admit`.
pub(crate) fn check_space_after(
    mut doc: Automerge,
    pool: SignedChanges,
    space: &SpaceId,
) -> Result<(), SpaceMismatch> {
    if !(doc.get_heads().is_empty() || check_space(&doc, space).is_ok()) {
        return Ok(());
    }
    let (mut ready, _) = split_ready(&doc, pool);
    drop_equivocations(&mut ready, None);
    if ready.is_empty() {
        return Ok(());
    }
    if doc.apply_changes(ready.iter().map(|(c, _)| c.clone())).is_err() {
        drop_equivocations(&mut ready, Some(&doc));
        if doc.apply_changes(ready.iter().map(|(c, _)| c.clone())).is_err() {
            // `admit` refuses what does not apply; nothing to judge here.
            return Ok(());
        }
    }
    check_space(&doc, space)
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
        writes: Batch,
        mut apply: impl FnMut(&mut Automerge, Vec<Change>) -> Result<(), NodeError>,
    ) -> Result<Admitted, NodeError> {
        self.admit_with(id, meta, ok, held, writes, |doc, ready, _| apply(doc, ready))
    }

    /// [`Engine::admit`] whose `apply` also adds to the batch that stores the changes (a sync
    /// round writes its sync state there, so a round is one flushed batch). When `apply` runs
    /// more than once (a retry without refused changes), its last writes win.
    pub(crate) fn admit_with(
        &mut self,
        id: &DocId,
        meta: DocMeta,
        ok: SignedChanges,
        held: &HashSet<ChangeHash>,
        mut writes: Batch,
        mut apply: impl FnMut(&mut Automerge, Vec<Change>, &mut Batch) -> Result<(), NodeError>,
    ) -> Result<Admitted, NodeError> {
        let mut doc = self.docs.remove(id).ok_or_else(|| NodeError::UnknownDoc(id.to_string()))?;
        let (mut ready, waiting) = split_ready(&doc, ok);
        let mut refused = drop_equivocations(&mut ready, None);
        // A document held before this check existed may already fail it; then the incoming
        // changes are not what is wrong, and refusing them would stop it from syncing.
        let guard_space = doc.get_heads().is_empty() || check_space(&doc, &meta.space).is_ok();
        let to_hold: SignedChanges =
            waiting.iter().filter(|(c, _)| !held.contains(&c.hash())).cloned().collect();
        let released: Vec<ChangeHash> =
            ready.iter().map(|(c, _)| c.hash()).filter(|h| held.contains(h)).collect();
        self.quarantine_batch(&mut writes, id, &to_hold, &released)?;
        // Automerge checks a batch before changing anything, so a refused batch leaves `doc`
        // as it was. A change that reuses an author's sequence number for other content (a
        // member signing two versions of one edit) makes it refuse the whole batch: find such
        // changes, refuse them, and apply the rest, or one bad change would stop the document
        // from syncing for good. On any other failure the in-memory copy is dropped: the
        // store still has the last good state.
        if let Err(e) = apply(&mut doc, ready.iter().map(|(c, _)| c.clone()).collect(), &mut writes) {
            let more = drop_equivocations(&mut ready, Some(&doc));
            if more.is_empty() {
                return Err(e);
            }
            refused.extend(more);
            apply(&mut doc, ready.iter().map(|(c, _)| c.clone()).collect(), &mut writes)?;
        }
        // The content must still name the document's space (`check_space`). When it does not,
        // a change of `ready` wrote the envelope's `space`: start again from the stored state,
        // refuse those changes and what builds on them, and apply the rest. Refusing the whole
        // round instead would let one such change, held in the quarantine until what it waits
        // for arrives, stop the document from syncing for good.
        if guard_space && !ready.is_empty() && check_space(&doc, &meta.space).is_err() {
            let (kept, more) = self.drop_space_rewrites(id, &meta.space, ready)?;
            ready = kept;
            refused.extend(more);
            doc = self.stored_or_empty(id)?;
            apply(&mut doc, ready.iter().map(|(c, _)| c.clone()).collect(), &mut writes)?;
        }
        let applied = present(&doc, &ready.iter().map(|(c, _)| c.hash()).collect::<Vec<_>>());
        if applied.len() != ready.len() || !doc.get_missing_deps(&[]).is_empty() {
            return Err(NodeError::Corrupt(format!(
                "document {id}: {} of {} changes with their dependencies present did not apply",
                ready.len() - applied.len(),
                ready.len()
            )));
        }
        let quarantine_kept = to_hold.is_empty() && released.is_empty();
        let result = Admitted { applied: ready.len(), waiting: waiting.len(), refused, quarantine_kept };
        if ready.is_empty() {
            if !writes.is_empty() {
                self.store.commit(writes)?;
            }
            self.docs.insert(*id, doc);
            return Ok(result);
        }
        self.persist_changes_with(id, meta, &doc, &ready, writes)?;
        self.docs.insert(*id, doc);
        self.partners.arrived(id);
        Ok(result)
    }
}

impl Engine {
    /// The document as stored, or an empty one if it is not stored yet.
    fn stored_or_empty(&self, id: &DocId) -> Result<Automerge, NodeError> {
        if self.store.get(crate::store::Table::Docs, id.as_bytes())?.is_some() {
            Ok(self.load_from_store(id)?.0)
        } else {
            Ok(Automerge::new().with_actor(self.actor()))
        }
    }

    /// Splits `ready` (in dependency order, all applicable to the stored document) into the
    /// changes that keep the document naming `space` and the refusals of the others: each
    /// change after which [`check_space`] fails, and every change built on one. Applies them
    /// one at a time to the stored document; runs only when a batch failed the check.
    fn drop_space_rewrites(
        &self,
        id: &DocId,
        space: &SpaceId,
        ready: SignedChanges,
    ) -> Result<(SignedChanges, Vec<ChangeRejection>), NodeError> {
        let mut probe = self.stored_or_empty(id)?;
        let mut kept: SignedChanges = Vec::with_capacity(ready.len());
        let mut bad: HashSet<ChangeHash> = HashSet::new();
        let mut refused = Vec::new();
        for (c, s) in ready {
            if let Some(d) = c.deps().iter().find(|d| bad.contains(d)) {
                refused.push(ChangeRejection::Malformed {
                    reason: format!("change {} builds on change {d}, which was refused", c.hash()),
                });
                bad.insert(c.hash());
                continue;
            }
            probe.apply_changes([c.clone()]).map_err(super::edit::am)?;
            match check_space(&probe, space) {
                Ok(()) => kept.push((c, s)),
                Err(why) => {
                    tracing::warn!(doc = %id, change = %c.hash(), reason = %why, "refused a change that moves the document to another space");
                    refused
                        .push(ChangeRejection::Malformed { reason: format!("change {}: {why}", c.hash()) });
                    bad.insert(c.hash());
                    probe = self.stored_or_empty(id)?;
                    probe.apply_changes(kept.iter().map(|(c, _)| c.clone())).map_err(super::edit::am)?;
                }
            }
        }
        Ok((kept, refused))
    }

    /// Moves stored changes that cannot apply (their dependencies are not stored) out of the
    /// document's change table into the quarantine, with their signatures, so they apply when
    /// a partner sends what they wait for. Stores written before [`Engine::admit`] existed
    /// could hold such changes; loading must not hide them in Automerge's queue, where they
    /// would also hide every later change built on them.
    pub(crate) fn strand(&mut self, id: &DocId, stranded: Vec<Change>) -> Result<(), NodeError> {
        let sigs = self.signatures(id)?;
        tracing::warn!(doc = %id, count = stranded.len(), "stored changes wait for changes that are not stored; holding them until a partner sends those");
        let mut b = Batch::default();
        let mut held = Vec::new();
        for c in stranded {
            let key = crate::store::trees::change_key(id.as_bytes(), &c.hash().0);
            b.remove(crate::store::Table::Changes, key.clone());
            // The signature moves with the change into the quarantine record.
            b.remove(crate::store::Table::Sigs, key);
            let sig = sigs.get(&c.hash()).copied();
            held.push((c, sig));
        }
        self.quarantine_batch(&mut b, id, &held, &[])?;
        self.store.commit(b)?;
        Ok(())
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
        cs.iter().map(|c| (c.clone(), Some(Signature([0; 64])))).collect()
    }

    #[test]
    fn two_versions_of_one_sequence_number_in_a_pool_are_both_refused_with_what_builds_on_them() {
        let base = chain(1);
        let fork = |v: i64| {
            let mut d = AutoCommit::new().with_actor(automerge::ActorId::from([7u8; 16]));
            d.apply_changes(base.clone()).expect("base");
            d.put(automerge::ROOT, "k", v).expect("test doc");
            d.commit();
            d
        };
        let (mut one, mut two) = (fork(1), fork(2));
        let a = one.get_last_local_change().expect("change");
        let b = two.get_last_local_change().expect("change");
        assert_eq!((a.actor_id(), a.seq()), (b.actor_id(), b.seq()));
        assert_ne!(a.hash(), b.hash());
        one.put(automerge::ROOT, "k", 3).expect("test doc");
        one.commit();
        let on_a = one.get_last_local_change().expect("change");
        let mut ready = signed(&[a.clone(), b.clone(), on_a.clone()]);
        let refused = drop_equivocations(&mut ready, None);
        assert_eq!(refused.len(), 3);
        assert!(ready.is_empty());
    }

    #[test]
    fn a_stored_change_whose_dependency_is_not_stored_is_held_then_applies() {
        use automerge::{ReadDoc, transaction::CommitOptions};
        use twinmesh_protocol::{schema::DocKind, signed};

        use crate::{
            identity::DataDir,
            store::{Table, trees},
        };

        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path());
        let mut e = Engine::init(&data, "Warstein", "DE", false).expect("init");
        let space = e.create_space("Twinning").expect("space").id;
        let id = e.create_doc(&space, DocKind::Plan, "Plan", None).expect("doc").id;
        // Two changes by this town on top of the document; only the second is stored, as a
        // store written before `admit` existed could hold it.
        let key = e.secret_key().clone();
        let mut d = e.load(&id).expect("load").fork().with_actor(signed::actor_id(&key.public(), [7; 16]));
        let mut commit = |field: &str, value: &str| {
            let mut tx = d.transaction();
            tx.put(automerge::ROOT, field, value).expect("put");
            let (h, _) = tx.commit_with(CommitOptions::default().with_time(0));
            let h = h.expect("a change");
            (d.get_change_by_hash(&h).expect("change"), signed::sign_change(&key, &id, &h))
        };
        let first = commit("acronym", "FIRST");
        let second = commit("working_language", "DE");
        let mut b = Batch::default();
        let k = trees::change_key(id.as_bytes(), &second.0.hash().0);
        b.put(Table::Changes, k.clone(), second.0.raw_bytes().to_vec());
        b.put(Table::Sigs, k, second.1.0.to_vec());
        e.store.commit(b).expect("commit");
        drop(e);

        // Opening and loading works; the stranded change is held, not hidden in a queue.
        let mut e = Engine::open(&data).expect("open");
        let doc = e.load(&id).expect("load");
        assert!(doc.get_missing_deps(&[]).is_empty(), "nothing waits inside Automerge");
        assert_eq!(doc.get_changes(&[]).len(), 1);
        let held = e.quarantined_proven(&id).expect("quarantine");
        assert_eq!(held.iter().map(|(c, _)| c.hash()).collect::<Vec<_>>(), vec![second.0.hash()]);
        let stored = e.store.scan(Table::Changes, id.as_bytes()).expect("scan");
        assert!(
            !stored.iter().any(|(k, _)| k.ends_with(&second.0.hash().0)),
            "moved out of the change table"
        );

        // The missing change arrives: both apply, signed, and survive a reopen.
        let held_hashes: HashSet<ChangeHash> = held.iter().map(|(c, _)| c.hash()).collect();
        let mut pool = held;
        pool.push((first.0, Some(first.1)));
        let meta = e.doc_meta(&id).expect("meta");
        let admitted = e
            .admit(&id, meta, pool, &held_hashes, Batch::default(), |doc, ready| {
                doc.apply_changes(ready).map_err(crate::engine::edit::am)
            })
            .expect("admit");
        // The held change left the quarantine.
        assert_eq!(admitted, Admitted { applied: 2, waiting: 0, refused: vec![], quarantine_kept: false });
        drop(e);
        let mut e = Engine::open(&data).expect("reopen");
        let doc = e.load(&id).expect("load");
        assert_eq!(doc.get_changes(&[]).len(), 3);
        assert!(doc.get(automerge::ROOT, "working_language").expect("get").is_some());
        assert!(e.quarantined(&id).expect("quarantine").is_empty());
        let history = e.history(&id).expect("history");
        assert_eq!(history.len(), 3);
        assert!(
            history
                .iter()
                .all(|h| h.accepted && matches!(h.signature, super::super::SignatureStatus::Verified)),
            "{history:?}"
        );
    }
}
