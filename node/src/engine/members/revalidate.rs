//! Checking documents again after a membership log changed: quarantined changes that became
//! valid are applied, and a document holding changes that no longer are is rebuilt without
//! them; a check a crash interrupted is finished at the next opening.

use std::collections::HashSet;

use automerge::{Automerge, Change, ChangeHash};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::Signature,
};

use super::{
    super::{DocMeta, Engine, now},
    SignedChanges,
};
use crate::{
    error::NodeError,
    store::{Batch, Table, trees},
};

impl Engine {
    /// Checks again the documents of every space whose revalidation a crash or an error left
    /// unfinished (see [`trees::meta::REVALIDATE`]). A space that still fails keeps its entry
    /// and is tried again at the next opening or log change.
    pub(crate) fn finish_revalidations(&mut self) -> Result<(), NodeError> {
        let prefix = trees::meta::REVALIDATE.as_bytes();
        for (k, _) in self.store.scan(Table::Meta, prefix)? {
            let parsed = std::str::from_utf8(&k[prefix.len()..]).ok().and_then(|s| s.parse::<SpaceId>().ok());
            let Some(space) = parsed else {
                tracing::warn!("dropping an unreadable revalidation entry");
                let mut b = Batch::default();
                b.remove(Table::Meta, k);
                self.store.commit(b)?;
                continue;
            };
            tracing::info!(%space, "finishing an interrupted check of the space's documents");
            if let Err(e) = self.revalidate_space(&space) {
                tracing::warn!(%space, error = %e, "could not check the space's documents; will retry");
            }
        }
        Ok(())
    }

    /// Checks every document of a space against the current membership: applies quarantined
    /// changes that became valid, and rebuilds documents that hold changes that no longer are.
    ///
    /// Clears the space's pending-revalidation entry once every document is checked.
    pub(crate) fn revalidate_space(&mut self, space: &SpaceId) -> Result<(), NodeError> {
        for d in self.docs(Some(space))? {
            self.revalidate_doc(space, &d.id, d.meta)?;
        }
        let mut b = Batch::default();
        b.remove(Table::Meta, trees::meta::revalidate_key(space));
        self.store.commit(b)?;
        Ok(())
    }

    fn revalidate_doc(&mut self, space: &SpaceId, id: &DocId, meta: DocMeta) -> Result<(), NodeError> {
        let sigs = self.signatures(id)?;
        let quarantined = self.quarantined_proven(id)?;
        let q_hashes: HashSet<ChangeHash> = quarantined.iter().map(|(c, _)| c.hash()).collect();
        let held: Vec<Change> = self.load(id)?.get_changes(&[]);
        let held_hashes: HashSet<ChangeHash> = held.iter().map(|c| c.hash()).collect();
        // Every change of the document is proven (it was when it was applied); with its own
        // signature where this node keeps one.
        let mut pool: SignedChanges = held
            .into_iter()
            .map(|c| {
                let s = sigs.get(&c.hash()).copied();
                (c, s)
            })
            .collect();
        pool.extend(quarantined.into_iter().filter(|(c, _)| !held_hashes.contains(&c.hash())));
        let (ok, bad) = self.classify(space, id, pool)?;
        let doc_stays_valid = bad.iter().all(|(c, _, _)| !held_hashes.contains(&c.hash()));
        let newly_valid: SignedChanges =
            ok.iter().filter(|(c, _)| q_hashes.contains(&c.hash())).cloned().collect();
        if doc_stays_valid && newly_valid.is_empty() {
            return Ok(());
        }
        let mut b = Batch::default();
        let bad_pairs: SignedChanges = bad
            .iter()
            .filter(|(c, _, _)| !q_hashes.contains(&c.hash()))
            .map(|(c, s, _)| (c.clone(), *s))
            .collect();
        if doc_stays_valid {
            // Only additions: admit them as a sync round would.
            self.quarantine_batch(&mut b, id, &bad_pairs, &[])?;
            self.load(id)?;
            self.admit(id, meta, newly_valid, &q_hashes, b, |doc, ready| {
                doc.apply_changes(ready).map_err(super::super::edit::am)
            })?;
            return Ok(());
        }
        // Rebuild from the valid changes; those still waiting for a dependency stay held.
        tracing::warn!(doc = %id, removed = bad_pairs.len(), "rebuilding document without changes that are no longer valid");
        let mut doc = Automerge::new().with_actor(self.actor());
        let (ok, _waiting) = super::super::admit::split_ready(&doc, ok);
        let remove_q: Vec<ChangeHash> =
            ok.iter().map(|(c, _)| c.hash()).filter(|h| q_hashes.contains(h)).collect();
        self.quarantine_batch(&mut b, id, &bad_pairs, &remove_q)?;
        doc.apply_changes(ok.iter().map(|(c, _)| c.clone())).map_err(super::super::edit::am)?;
        for (k, _) in self.store.scan(Table::Changes, id.as_bytes())? {
            b.remove(Table::Changes, k);
        }
        // The removed changes keep their signature in the quarantine record; the stored
        // signatures are exactly the document's changes' (a snapshot is sent with them, see
        // `snapshot.rs`).
        let pairs: Vec<(ChangeHash, Signature)> =
            ok.iter().filter_map(|(c, s)| s.map(|s| (c.hash(), s))).collect();
        self.replace_signatures(id, &pairs, &mut b)?;
        for (k, _) in self.store.scan(Table::SyncStates, &[])? {
            if k.len() == 48 && k[32..] == id.as_bytes()[..] {
                b.remove(Table::SyncStates, k);
            }
        }
        self.partners.drop_doc(id);
        b.put(Table::Snapshots, id.as_bytes().to_vec(), doc.save());
        let mut meta = meta;
        meta.changes = doc.get_changes_meta(&[]).len() as u64;
        meta.incremental = 0;
        meta.title = super::super::view::title(&doc);
        meta.updated = now();
        super::super::put_doc_meta(&mut b, id, &meta, &doc);
        self.store.commit(b)?;
        self.docs.insert(*id, doc);
        Ok(())
    }
}
