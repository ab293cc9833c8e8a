//! Where the signatures of a document's changes are kept.
//!
//! A change's signature is stored with it in the Sigs table (one row per change) while the
//! change is incremental, and moves into a signature block (the SigBlocks table, see
//! [`trees::sig_block`]) when the document is compacted. Readers look in both, so a store
//! written before blocks existed, which keeps every signature in Sigs, reads as it is.
//!
//! Compaction also prunes (protocol version 5, `docs/protocol.md` "Pruning"): it keeps only the
//! signatures still needed to prove every change ([`vouch::needed`]: each town's latest changes
//! in the document, and any change no kept signature of its author covers) and drops the rest.
//! It keeps them all instead while a partner that speaks only versions 1 to 4 was seen in the
//! last [`KEEP_ALL_FOR_OLDER_PARTNERS`]: such a partner needs one signature per change.

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use automerge::{Automerge, Change, ChangeHash};
use twinmesh_protocol::{ids::DocId, keys::Signature, vouch};

use super::{Engine, members::SignedChanges, now};
use crate::{
    error::NodeError,
    store::{
        Batch, Table, Write,
        trees::{self, sig_block},
    },
};

/// How long after a partner last announced only sync protocol versions 1 to 4 this node keeps
/// every change's signature at compaction (see [`Engine::prune_allowed`]).
pub(crate) const KEEP_ALL_FOR_OLDER_PARTNERS: Duration = Duration::from_secs(30 * 24 * 3600);

/// A document's signature blocks: (block number, pairs sorted by hash), in block order.
type Blocks = Vec<(u32, Vec<sig_block::Pair>)>;

fn corrupt(id: &DocId, what: &str) -> NodeError {
    NodeError::Corrupt(format!("document {id}: {what}"))
}

impl Engine {
    /// The signature of each of `hashes` in document `id`, in order; `None` where this node
    /// holds none (the change is not in the document, or is quarantined).
    ///
    /// Reads the rows of incremental changes one by one, and the blocks at most once.
    pub(crate) fn signatures_of(
        &self,
        id: &DocId,
        hashes: &[ChangeHash],
    ) -> Result<Vec<Option<Signature>>, NodeError> {
        let mut out = Vec::with_capacity(hashes.len());
        let mut blocks: Option<Blocks> = None;
        for h in hashes {
            if let Some(v) = self.store.get(Table::Sigs, &trees::change_key(id.as_bytes(), &h.0))? {
                out.push(Some(Signature::from_slice(&v).ok_or_else(|| corrupt(id, "a signature row"))?));
                continue;
            }
            let blocks = match &mut blocks {
                Some(b) => b,
                None => blocks.insert(self.sig_blocks(id)?),
            };
            out.push(blocks.iter().find_map(|(_, pairs)| sig_block::find(pairs, &h.0)).map(Signature));
        }
        Ok(out)
    }

    /// Every stored signature of document `id`, by change hash.
    pub(crate) fn signatures(&self, id: &DocId) -> Result<HashMap<ChangeHash, Signature>, NodeError> {
        let mut out = HashMap::new();
        for (_, pairs) in self.sig_blocks(id)? {
            out.extend(pairs.into_iter().map(|(h, s)| (ChangeHash(h), Signature(s))));
        }
        for (k, v) in self.store.scan(Table::Sigs, id.as_bytes())? {
            let (hash, sig) = sig_row(id, &k, &v)?;
            out.insert(ChangeHash(hash), Signature(sig));
        }
        Ok(out)
    }

    /// Adds to `b` the writes that move the signatures of `id`'s incremental changes (its rows
    /// in Sigs, and the Sigs puts already in `b`) into a signature block. Called when the
    /// document's changes are folded into its snapshot.
    pub(crate) fn fold_signatures(&self, id: &DocId, b: &mut Batch) -> Result<(), NodeError> {
        let mut new: Vec<sig_block::Pair> = Vec::new();
        for (k, v) in self.store.scan(Table::Sigs, id.as_bytes())? {
            new.push(sig_row(id, &k, &v)?);
            b.remove(Table::Sigs, k);
        }
        new.extend(take_pending_sigs(id, b)?);
        // A removal queued before the put of the same key would now remove nothing: fine.
        if new.is_empty() {
            return Ok(());
        }
        new.sort_unstable_by_key(|(h, _)| *h);
        new.dedup_by_key(|(h, _)| *h);
        let mut blocks = self.sig_blocks(id)?;
        let mut number = blocks.last().map_or(0, |(n, _)| n.saturating_add(1));
        let mut replaced = Vec::new();
        while let Some((n, last)) = blocks.pop_if(|(_, last)| last.len() < 2 * new.len()) {
            new = sig_block::merge(last, new);
            replaced.push(n);
            number = n;
        }
        for n in replaced.into_iter().filter(|n| *n != number) {
            b.remove(Table::SigBlocks, trees::block_key(id.as_bytes(), n));
        }
        b.put(Table::SigBlocks, trees::block_key(id.as_bytes(), number), sig_block::encode(&new));
        Ok(())
    }

    /// Whether compaction may drop covered signatures: no partner that speaks only sync
    /// protocol versions 1 to 4 was seen in the last [`KEEP_ALL_FOR_OLDER_PARTNERS`].
    pub(crate) fn prune_allowed(&self) -> Result<bool, NodeError> {
        let Some(v) = self.store.get(Table::Meta, trees::meta::OLDER_PARTNER_SEEN.as_bytes())? else {
            return Ok(true);
        };
        let seen = <[u8; 8]>::try_from(v.as_slice())
            .map(i64::from_be_bytes)
            .map_err(|_| NodeError::Corrupt("the time an older partner was seen".into()))?;
        let window = KEEP_ALL_FOR_OLDER_PARTNERS.as_millis() as i64;
        Ok(now().0.saturating_sub(seen) > window)
    }

    /// Records that a partner speaking only sync protocol versions 1 to 4 was seen now: the
    /// next compactions keep every signature (see [`Engine::prune_allowed`]).
    pub(crate) fn note_older_partner_now(&self) -> Result<(), NodeError> {
        let mut b = Batch::default();
        b.put(Table::Meta, trees::meta::OLDER_PARTNER_SEEN, now().0.to_be_bytes().to_vec());
        self.store.commit(b)?;
        Ok(())
    }

    /// Adds to `b` the writes that keep, of `id`'s stored signatures and the Sigs puts already
    /// in `b` (taken out of it), only those [`vouch::needed`] to prove the changes of `doc`, in
    /// one block. Returns how many it keeps and how many it drops. Signatures of changes that
    /// are not in `doc` (none should be: held changes keep theirs in the quarantine) are dropped
    /// with the rest.
    pub(crate) fn prune_signatures(
        &self,
        id: &DocId,
        doc: &Automerge,
        b: &mut Batch,
    ) -> Result<(usize, usize), NodeError> {
        let mut sigs = self.signatures(id)?;
        sigs.extend(take_pending_sigs(id, b)?.into_iter().map(|(h, s)| (ChangeHash(h), Signature(s))));
        let metas = doc.get_changes_meta(&[]);
        let signed: Vec<bool> = metas.iter().map(|c| sigs.contains_key(&c.hash)).collect();
        let keep = vouch::needed(&vouch::nodes(&metas), &signed);
        let pairs: Vec<(ChangeHash, Signature)> = metas
            .iter()
            .zip(keep)
            .filter_map(|(c, k)| if k { sigs.get(&c.hash).map(|s| (c.hash, *s)) } else { None })
            .collect();
        let dropped = sigs.len() - pairs.len();
        self.replace_signatures(id, &pairs, b)?;
        Ok((pairs.len(), dropped))
    }

    /// Adds to `b` the writes that make `pairs` the only signatures stored for `id`: one block,
    /// no rows. For a document stored whole (received, imported or rebuilt).
    pub(crate) fn replace_signatures(
        &self,
        id: &DocId,
        pairs: &[(ChangeHash, Signature)],
        b: &mut Batch,
    ) -> Result<(), NodeError> {
        for (k, _) in self.store.scan(Table::Sigs, id.as_bytes())? {
            b.remove(Table::Sigs, k);
        }
        b.0.retain(|w| !matches!(w, Write::Put(Table::Sigs, k, _) if k.starts_with(id.as_bytes())));
        let first = trees::block_key(id.as_bytes(), 0);
        for (k, _) in self.store.scan(Table::SigBlocks, id.as_bytes())? {
            if k != first {
                b.remove(Table::SigBlocks, k);
            }
        }
        let mut block: Vec<sig_block::Pair> = pairs.iter().map(|(h, s)| (h.0, s.0)).collect();
        block.sort_unstable_by_key(|(h, _)| *h);
        block.dedup_by_key(|(h, _)| *h);
        b.put(Table::SigBlocks, first, sig_block::encode(&block));
        Ok(())
    }

    /// The decoded signature blocks of `id`, in block order.
    fn sig_blocks(&self, id: &DocId) -> Result<Blocks, NodeError> {
        let mut out = Vec::new();
        for (k, v) in self.store.scan(Table::SigBlocks, id.as_bytes())? {
            let number = k
                .get(16..20)
                .and_then(|n| <[u8; 4]>::try_from(n).ok())
                .map(u32::from_be_bytes)
                .ok_or_else(|| corrupt(id, "a signature block key"))?;
            let pairs = sig_block::decode(&v).ok_or_else(|| corrupt(id, "a signature block"))?;
            out.push((number, pairs));
        }
        Ok(out)
    }
}

impl Engine {
    /// For each change of `unsigned` (changes of `id` this node keeps no signature of), the
    /// later change of its author that proves it (`vouch::authenticate` over the document's
    /// change `graph` and the proven held changes: once an author's removal rebuilt the
    /// document without its late changes, those may be what proves its earlier ones). Adds the
    /// witnesses' signatures to `sigs`; returns the proofs and the held witnesses' changes,
    /// which are not in the document, for checking.
    pub(crate) fn proven_through(
        &self,
        id: &DocId,
        graph: &[(ChangeHash, Option<vouch::AuthorKey>, Vec<ChangeHash>)],
        unsigned: &[ChangeHash],
        sigs: &mut HashMap<ChangeHash, Signature>,
    ) -> Result<(HashMap<ChangeHash, ChangeHash>, Vec<Change>), NodeError> {
        let mut through = HashMap::new();
        let mut held_witnesses: Vec<Change> = Vec::new();
        if unsigned.is_empty() {
            return Ok((through, held_witnesses));
        }
        let all = self.signatures(id)?;
        let in_doc: HashSet<ChangeHash> = graph.iter().map(|(h, _, _)| *h).collect();
        let held: SignedChanges =
            self.quarantined_proven(id)?.into_iter().filter(|(c, _)| !in_doc.contains(&c.hash())).collect();
        let mut nodes: Vec<vouch::Node<'_>> = graph
            .iter()
            .map(|(hash, author, deps)| vouch::Node { hash: *hash, author: *author, deps })
            .collect();
        nodes.extend(held.iter().map(|(c, _)| vouch::Node::of(c)));
        let has: Vec<bool> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| match i.checked_sub(graph.len()) {
                None => all.contains_key(&n.hash),
                Some(j) => held[j].1.is_some(),
            })
            .collect();
        let proofs = vouch::authenticate(&nodes, &has);
        let position: HashMap<ChangeHash, usize> =
            nodes.iter().enumerate().map(|(i, n)| (n.hash, i)).collect();
        for h in unsigned {
            let Some(vouch::Proof::Through(w)) = position.get(h).map(|&i| proofs[i]) else { continue };
            through.insert(*h, nodes[w].hash);
            match w.checked_sub(graph.len()) {
                None => {
                    if let Some(s) = all.get(&nodes[w].hash) {
                        sigs.insert(nodes[w].hash, *s);
                    }
                }
                Some(j) => {
                    let (c, s) = &held[j];
                    if let Some(s) = s {
                        sigs.insert(c.hash(), *s);
                    }
                    if !held_witnesses.iter().any(|x| x.hash() == c.hash()) {
                        held_witnesses.push(c.clone());
                    }
                }
            }
        }
        Ok((through, held_witnesses))
    }
}

/// Takes the Sigs puts for `id` out of `b` (signatures of changes this very batch adds) and
/// returns them as pairs.
fn take_pending_sigs(id: &DocId, b: &mut Batch) -> Result<Vec<sig_block::Pair>, NodeError> {
    let mut pairs = Vec::new();
    let mut bad_put = false;
    b.0.retain(|w| match w {
        Write::Put(Table::Sigs, k, v) if k.starts_with(id.as_bytes()) => {
            match sig_row(id, k, v) {
                Ok(pair) => pairs.push(pair),
                Err(_) => bad_put = true,
            }
            false
        }
        _ => true,
    });
    if bad_put {
        return Err(corrupt(id, "a signature written with a malformed key"));
    }
    Ok(pairs)
}

/// A Sigs row: its key is `doc id ‖ change hash`, its value the signature.
fn sig_row(id: &DocId, k: &[u8], v: &[u8]) -> Result<sig_block::Pair, NodeError> {
    let hash = k.get(16..).and_then(|h| <[u8; 32]>::try_from(h).ok());
    let sig = <[u8; 64]>::try_from(v).ok();
    hash.zip(sig).ok_or_else(|| corrupt(id, "a signature row"))
}

#[cfg(test)]
mod tests {
    use twinmesh_protocol::schema::DocKind;

    use super::*;
    use crate::{engine::SignatureStatus, identity::DataDir};

    fn engine_with_doc() -> (Engine, DocId, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let mut e = Engine::init(&DataDir::new(dir.path()), "Saint-Pol", "FR", false).expect("init");
        let space = e.create_space("S").expect("space").id;
        let doc = e.create_doc(&space, DocKind::Plan, "P", None).expect("doc").id;
        (e, doc, dir)
    }

    fn edit(e: &mut Engine, doc: &DocId, n: usize) {
        let path = "summary".parse().expect("path");
        for i in 0..n {
            e.splice_text(doc, &path, &[(0, 0, &format!("{i} "))], None, None).expect("splice");
        }
    }

    fn all_hashes(e: &mut Engine, doc: &DocId) -> Vec<ChangeHash> {
        e.load(doc).expect("load").get_changes_meta(&[]).into_iter().map(|c| c.hash).collect()
    }

    fn rows(e: &Engine, doc: &DocId) -> usize {
        e.store.scan(Table::Sigs, doc.as_bytes()).expect("scan").len()
    }

    /// Forty compactions leave a handful of blocks, every signature is found whether its change
    /// is compacted or incremental, and a reload verifies the whole history.
    #[test]
    fn signatures_move_into_a_few_blocks_and_are_all_found() {
        let (mut e, doc, _dir) = engine_with_doc();
        e.note_older_partner_now().expect("keep every signature");
        for _ in 0..40 {
            edit(&mut e, &doc, 3);
            assert_eq!(e.compact_loaded(None, 8).expect("compact"), 1);
            assert_eq!(rows(&e, &doc), 0, "compaction moves every row into a block");
        }
        let blocks = e.sig_blocks(&doc).expect("blocks");
        assert!(blocks.len() <= 7, "40 compactions, {} blocks", blocks.len());
        let in_blocks: usize = blocks.iter().map(|(_, p)| p.len()).sum();
        let changes = e.doc_meta(&doc).expect("meta").changes;
        assert_eq!(in_blocks as u64, changes, "no signature is lost or kept twice");

        edit(&mut e, &doc, 2);
        assert_eq!(rows(&e, &doc), 2, "incremental changes keep a row each");
        let hashes = all_hashes(&mut e, &doc);
        assert_eq!(hashes.len() as u64, e.doc_meta(&doc).expect("meta").changes);
        let found = e.signatures_of(&doc, &hashes).expect("lookup");
        assert!(found.iter().all(Option::is_some), "every change's signature is found");
        assert_eq!(e.signatures_of(&doc, &[ChangeHash([7; 32])]).expect("lookup"), vec![None]);

        e.docs.clear();
        let history = e.history(&doc).expect("history");
        assert_eq!(history.len() as u64, changes + 2);
        assert!(history.iter().all(|h| h.signature == SignatureStatus::Verified));
    }

    /// A store written before blocks existed keeps one row per signature: it reads as it is,
    /// and the next compaction folds the rows into a block.
    #[test]
    fn a_store_with_a_row_per_signature_reads_and_folds_at_the_next_compaction() {
        let (mut e, doc, _dir) = engine_with_doc();
        e.note_older_partner_now().expect("keep every signature");
        edit(&mut e, &doc, 20);
        e.compact_loaded(None, 8).expect("compact");
        // Rewrite the signatures in the version-1 layout.
        let mut b = Batch::default();
        for (n, pairs) in e.sig_blocks(&doc).expect("blocks") {
            b.remove(Table::SigBlocks, trees::block_key(doc.as_bytes(), n));
            for (h, s) in pairs {
                b.put(Table::Sigs, trees::change_key(doc.as_bytes(), &h), s.to_vec());
            }
        }
        e.store.commit(b).expect("commit");
        let changes = e.doc_meta(&doc).expect("meta").changes;
        assert_eq!(rows(&e, &doc) as u64, changes);

        e.docs.clear();
        let hashes = all_hashes(&mut e, &doc);
        assert!(e.signatures_of(&doc, &hashes).expect("lookup").iter().all(Option::is_some));
        assert!(e.history(&doc).expect("history").iter().all(|h| h.signature == SignatureStatus::Verified));

        edit(&mut e, &doc, 1);
        e.compact_loaded(None, 8).expect("compact");
        assert_eq!(rows(&e, &doc), 0);
        let blocks = e.sig_blocks(&doc).expect("blocks");
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].1.len() as u64, changes + 1);
    }

    /// With no older partner seen, compaction keeps only the signature of the town's latest
    /// change; every change is still verified (through it) after a reload, and the next
    /// incremental changes keep their rows until the next compaction.
    #[test]
    fn compaction_keeps_only_the_signatures_still_needed() {
        let (mut e, doc, _dir) = engine_with_doc();
        for _ in 0..10 {
            edit(&mut e, &doc, 5);
            e.compact_loaded(None, 8).expect("compact");
        }
        let kept: Vec<ChangeHash> = e.signatures(&doc).expect("sigs").into_keys().collect();
        let heads = e.heads(&doc).expect("heads");
        assert_eq!(kept, heads, "one town, one line of changes: its head's signature is enough");
        assert_eq!(rows(&e, &doc), 0);
        assert_eq!(e.sig_blocks(&doc).expect("blocks").len(), 1);

        e.docs.clear();
        let history = e.history(&doc).expect("history");
        assert_eq!(history.len() as u64, e.doc_meta(&doc).expect("meta").changes);
        assert!(history.iter().all(|h| h.signature == SignatureStatus::Verified));
        let head = heads[0].to_string();
        for h in &history {
            let expected = if h.hash == head { None } else { Some(&head) };
            assert_eq!(h.verified_through.as_ref(), expected, "change {}", h.hash);
        }
        edit(&mut e, &doc, 2);
        assert_eq!(rows(&e, &doc), 2);
        assert_eq!(e.signatures(&doc).expect("sigs").len(), 3);
    }

    /// A partner that speaks only version 4 keeps compaction from pruning for thirty days; after
    /// that the next compaction prunes what accumulated.
    #[test]
    fn an_older_partner_keeps_every_signature_until_it_has_not_been_seen_for_thirty_days() {
        let (mut e, doc, _dir) = engine_with_doc();
        e.note_older_partner_now().expect("note");
        edit(&mut e, &doc, 6);
        e.compact_loaded(None, 8).expect("compact");
        assert_eq!(e.signatures(&doc).expect("sigs").len(), 7, "all kept");

        let long_ago = now().0 - KEEP_ALL_FOR_OLDER_PARTNERS.as_millis() as i64 - 1000;
        let mut b = Batch::default();
        b.put(Table::Meta, trees::meta::OLDER_PARTNER_SEEN, long_ago.to_be_bytes().to_vec());
        e.store.commit(b).expect("commit");
        assert!(e.prune_allowed().expect("allowed"));
        edit(&mut e, &doc, 1);
        e.compact_loaded(None, 8).expect("compact");
        assert_eq!(e.signatures(&doc).expect("sigs").len(), 1, "pruned to the latest");
    }

    /// A block that does not decode is reported as corruption of that document, not skipped.
    #[test]
    fn a_damaged_block_is_reported() {
        let (mut e, doc, _dir) = engine_with_doc();
        edit(&mut e, &doc, 3);
        e.compact_loaded(None, 8).expect("compact");
        let mut b = Batch::default();
        b.put(Table::SigBlocks, trees::block_key(doc.as_bytes(), 0), vec![1, 2, 3]);
        e.store.commit(b).expect("commit");
        let err = e.signatures(&doc).expect_err("damaged");
        assert!(matches!(err, NodeError::Corrupt(ref m) if m.contains("signature block")), "{err}");
    }
}
