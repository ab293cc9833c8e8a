//! First sync of a whole document (protocol version 2).
//!
//! A partner that holds none of a document gets it whole: Automerge's saved form, which is
//! several times smaller than the same changes as sync-message chunks, and signatures in
//! ascending order of change hash (the hashes themselves are recomputed by the receiver from
//! the document): one per change up to version 4, one per latest change of each author on
//! version 5 (the others are proven through those, `vouch`). The receiver tells the two lists
//! apart by their count, loads the document and checks every change in it exactly as the sync
//! path checks a round (`signed::verify_batch`, vouching, then the membership rule); if a
//! single change fails, nothing is stored, and the session falls back to ordinary Automerge
//! sync, where the valid changes apply and the others go to quarantine one by one.
//!
//! The sender builds the saved form from the store (the stored snapshot followed by the
//! incremental change chunks, which `Automerge::load` accepts as one input). It needs the
//! document's change graph to know each author's latest changes, so a document that is not in
//! memory is loaded once to serve it (then kept, as any loaded document).

use std::collections::HashMap;

use automerge::{Automerge, ChangeHash};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::{PublicKey, Signature},
    vouch,
    wire::{DocSnapshot, MAX_MESSAGE_BYTES, SnapshotSignatures},
};

use super::{
    Engine,
    sync::heads_digest,
    transfer::{NewDoc, names_space},
};
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

/// How a session about one document opens (the driver's type, in `twinmesh_protocol::session`).
pub use twinmesh_protocol::session::Opening;

/// A snapshot that was checked and stored.
#[derive(Debug, Clone, Copy)]
pub struct Installed {
    /// The space of the document.
    pub space: SpaceId,
    /// Changes it holds.
    pub changes: usize,
    /// Its heads digest.
    pub heads_digest: [u8; 32],
}

/// Room kept in a frame for everything but the saved document and the signatures.
const FRAME_SLACK: usize = 4096;

impl Engine {
    /// True if this node holds `doc`.
    pub fn holds(&self, doc: &DocId) -> Result<bool, NodeError> {
        Ok(self.store.get(Table::Docs, doc.as_bytes())?.is_some())
    }

    /// How to open a session with `peer` about `doc`. With `whole` (the connection speaks
    /// version 2 and no snapshot of this document was refused on it), a document this node
    /// lacks is fetched whole, and one the peer's hello did not list is pushed whole; otherwise
    /// the session is ordinary Automerge sync.
    pub fn session_open(&mut self, peer: &PublicKey, doc: &DocId, whole: bool) -> Result<Opening, NodeError> {
        if whole {
            if !self.holds(doc)? {
                if let Some((space, _)) = self.partners.expected(doc)
                    && self.is_member(&space, peer)?
                {
                    return Ok(Opening::Fetch { space, doc: *doc });
                }
            } else if self.partners.take_lack(peer, doc) {
                match self.snapshot_for(peer, doc) {
                    Ok(s) => return Ok(Opening::Push(s)),
                    Err(e) => tracing::debug!(%doc, error = %e, "no snapshot; ordinary sync"),
                }
            }
        }
        Ok(Opening::Sync(self.sync_start(peer, doc)?))
    }

    /// The whole of `doc` for `peer`, who must be a member of its space.
    ///
    /// # Errors
    /// [`NodeError::NotAllowed`] for a non-member, [`NodeError::UnknownDoc`], or
    /// [`NodeError::InvalidInput`] if the snapshot would not fit in one frame.
    pub fn snapshot_for(&mut self, peer: &PublicKey, doc: &DocId) -> Result<DocSnapshot, NodeError> {
        let meta = self.doc_meta(doc)?;
        if !self.is_member(&meta.space, peer)? || !self.is_member(&meta.space, &self.key.public())? {
            return Err(NodeError::NotAllowed(format!(
                "{} is not a member of the document's space",
                peer.fmt_short()
            )));
        }
        let mut saved = self.store.get(Table::Snapshots, doc.as_bytes())?.unwrap_or_default();
        for (_, chunk) in self.store.scan(Table::Changes, doc.as_bytes())? {
            saved.extend_from_slice(&chunk);
        }
        // Every change's signature (for versions 2 to 4) if this node keeps them all, and those
        // of each author's latest changes (version 5), both in ascending order of change hash.
        let sigs = self.signatures(doc)?;
        let am = self.load(doc)?;
        let served_heads = am.get_heads();
        let mut metas = am.get_changes_meta(&[]);
        metas.sort_unstable_by_key(|c| c.hash);
        let nodes = vouch::nodes(&metas);
        let latest = vouch::latest_by_author(&nodes);
        let every: Option<Vec<Signature>> = metas.iter().map(|c| sigs.get(&c.hash).copied()).collect();
        let latest: Vec<Signature> = metas
            .iter()
            .zip(latest)
            .filter(|(_, l)| *l)
            .map(|(c, _)| {
                sigs.get(&c.hash).copied().ok_or_else(|| {
                    NodeError::Corrupt(format!(
                        "document {doc}: the latest change {} has no signature here",
                        c.hash
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let changes = metas.len();
        drop(nodes);
        drop(metas);
        if DocSnapshot::encoded_len_bound(saved.len(), changes) + FRAME_SLACK > MAX_MESSAGE_BYTES {
            return Err(NodeError::InvalidInput(format!("document {doc} is too large to send whole")));
        }
        let signatures = SnapshotSignatures::Built { every, latest };
        // It has the document now (a later session must not push it whole again), and until
        // its hello lists it, it is on its way.
        self.partners.served(peer, doc);
        // The partner holds these heads once it installs the document: the next session with it
        // starts from them (no Bloom filter of the whole history). If it refuses the document,
        // Automerge's sync resets on its first message (it names heads the partner lacks).
        self.remember_shared_heads(peer, doc, &served_heads)?;
        Ok(DocSnapshot { space: meta.space, doc: *doc, kind: meta.kind, saved, signatures })
    }

    /// Checks a whole document sent by `peer` and stores it if every change in it is signed by
    /// its author for this document and valid under the space's membership. Nothing is stored
    /// otherwise.
    ///
    /// # Errors
    /// [`NodeError::Rejected`] (with the count and first reason) if any change fails;
    /// [`NodeError::NotAllowed`] if `peer` or this node is not a member; [`NodeError::InvalidInput`]
    /// if the document is already held here, does not load, or does not match the message.
    pub fn install_snapshot(&mut self, peer: &PublicKey, snap: DocSnapshot) -> Result<Installed, NodeError> {
        let DocSnapshot { space, doc: id, kind, saved, signatures } = snap;
        self.space(&space)?;
        if !self.is_member(&space, peer)? || !self.is_member(&space, &self.key.public())? {
            return Err(NodeError::NotAllowed("not a member".into()));
        }
        if self.holds(&id)? {
            return Err(NodeError::InvalidInput(format!("document {id} is already held here")));
        }
        let doc = Automerge::load(&saved)
            .map_err(|e| NodeError::InvalidInput(format!("snapshot of {id} does not load: {e}")))?;
        no_orphans(&doc).map_err(|e| NodeError::InvalidInput(format!("snapshot of {id}: {e}")))?;
        let named = names_space(&doc, &space)
            .map_err(|e| NodeError::InvalidInput(format!("snapshot of {id}: {}", self.explain_space(&e))))?;
        if named != kind {
            return Err(NodeError::InvalidInput(format!(
                "snapshot of {id}: the document is a {named:?}, not a {kind:?}"
            )));
        }
        let mut metas = doc.get_changes_meta(&[]);
        metas.sort_by_key(|c| c.hash);
        let signatures = signatures.as_slice();
        // One signature per change (versions 2 to 4), or per latest change of each author
        // (version 5): the count tells which, and when they are equal so are the lists.
        let signed: Vec<ChangeHash> = if metas.len() == signatures.len() {
            metas.iter().map(|c| c.hash).collect()
        } else {
            let nodes = vouch::nodes(&metas);
            let latest = vouch::latest_by_author(&nodes);
            metas.iter().zip(latest).filter(|(_, l)| *l).map(|(c, _)| c.hash).collect()
        };
        if metas.is_empty() || signed.len() != signatures.len() {
            return Err(NodeError::InvalidInput(format!(
                "snapshot of {id}: {} changes, {} of them their author's latest, but {} signatures",
                metas.len(),
                signed.len(),
                signatures.len()
            )));
        }
        let pairs: Vec<(ChangeHash, Signature)> =
            signed.into_iter().zip(signatures.iter().copied()).collect();
        let sigs: HashMap<ChangeHash, Signature> = pairs.iter().copied().collect();
        let membership = self.membership(&space)?;
        self.verify_all(&id, &metas, &sigs, &membership)?;
        // The rules on version and approval records read a change's operations, which the
        // metadata does not carry: a document that holds such records has its changes read.
        if automerge::ReadDoc::keys(&doc, automerge::ROOT).any(|k| super::versions::is_reserved(&k)) {
            self.verify_all(&id, &doc.get_changes(&[]), &sigs, &membership)?;
        }
        let changes = metas.len();
        drop(metas);
        let mut heads = doc.get_heads();
        heads.sort();
        // The sender holds these heads too: remember them as shared, so the next session
        // with it starts from here.
        let mut b = Batch::default();
        b.put(Table::SyncStates, super::sync::sync_key(peer, &id), shared_state(&heads));
        self.partners.drop_state(peer, &id);
        self.store_new_doc(NewDoc { id, space, kind, doc, saved, signatures: &pairs }, b)?;
        Ok(Installed { space, changes, heads_digest: heads_digest(&heads) })
    }

    /// `peer` stored the snapshot of `doc` that this node pushed, and reports `digest`: if that
    /// is still this node's digest, remember the heads as shared with it.
    pub fn snapshot_installed(
        &mut self,
        peer: &PublicKey,
        doc: &DocId,
        digest: &[u8; 32],
    ) -> Result<(), NodeError> {
        let heads = self.heads(doc)?;
        if heads_digest(&heads) == *digest {
            self.remember_shared_heads(peer, doc, &heads)?;
        }
        Ok(())
    }

    /// Stores `heads` as the heads shared with `peer` about `doc`: the next session with it
    /// starts from them.
    fn remember_shared_heads(
        &mut self,
        peer: &PublicKey,
        doc: &DocId,
        heads: &[ChangeHash],
    ) -> Result<(), NodeError> {
        let mut b = Batch::default();
        b.put(Table::SyncStates, super::sync::sync_key(peer, doc), shared_state(heads));
        self.partners.drop_state(peer, doc);
        self.store.commit(b)?;
        Ok(())
    }
}

/// An encoded Automerge sync state whose shared heads are `heads` (what a completed session
/// persists).
fn shared_state(heads: &[ChangeHash]) -> Vec<u8> {
    let mut s = automerge::sync::State::new();
    s.shared_heads = heads.to_vec();
    s.encode()
}

/// A saved document may carry extra change chunks whose dependencies are missing: Automerge
/// keeps them queued, unverified, and would apply them later without their signatures being
/// checked or stored (see admit.rs). Such a file or snapshot is refused.
pub(crate) fn no_orphans(doc: &Automerge) -> Result<(), String> {
    if automerge::ReadDoc::get_missing_deps(doc, &[]).is_empty() {
        Ok(())
    } else {
        Err("it holds changes whose dependencies are missing".into())
    }
}

#[cfg(test)]
mod tests;
