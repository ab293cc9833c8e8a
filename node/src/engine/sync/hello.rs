//! Hellos: the summaries of spaces and documents exchanged with a partner, which documents
//! differ between the two nodes, the heads digests that go in hellos and announcements, and
//! the documents members listed that are not held here yet.

use std::collections::{HashMap, HashSet};

use automerge::ChangeHash;
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::PublicKey,
    schema::DocKind,
    space::Municipality,
    wire::{DocSummary, SpaceSummary},
};

use super::{super::DocMeta, Engine, heads_digest};
use crate::{error::NodeError, store::Table};

impl Engine {
    /// The spaces `peer` belongs or belonged to: their logs, and the documents it may read.
    pub fn hello_for(&mut self, peer: &PublicKey) -> Result<Vec<SpaceSummary>, NodeError> {
        let mut out = Vec::new();
        for info in self.spaces()? {
            // The log goes to anyone who ever was a member, so that a removed admin learns
            // about concurrent removals and every node ends with the same membership.
            // Documents go only to current members, and only while we are one.
            let m = self.membership(&info.id)?;
            if m.member(peer).is_none() {
                continue;
            }
            let readers = m.can_read(peer) && m.can_read(&self.key.public());
            let mut docs = Vec::new();
            for d in self.docs(Some(&info.id))?.into_iter().filter(|_| readers) {
                // From the Heads table: a hello loads no document.
                let heads = self.heads_of(&d.id, &d.meta)?;
                docs.push(DocSummary { doc: d.id, kind: d.meta.kind, heads_digest: heads_digest(&heads) });
            }
            out.push(SpaceSummary { space: self.space(&info.id)?, log: self.member_ops(&info.id)?, docs });
        }
        Ok(out)
    }

    /// Takes in a partner's hello: learns spaces it shares with us and their membership logs,
    /// and returns the documents that differ between the two nodes, and whether any log grew
    /// (so other partners can be told).
    pub fn on_hello(
        &mut self,
        peer: &PublicKey,
        from: Municipality,
        spaces: Vec<SpaceSummary>,
    ) -> Result<(Vec<DocId>, bool), NodeError> {
        if from.key != *peer {
            return Err(NodeError::NotAllowed("hello profile does not match the connection's key".into()));
        }
        self.note_peer(peer, Vec::new(), Some(from))?;
        // A new connection: its sessions start from the persisted shared heads, and what it
        // lacks is what this hello says.
        self.partners.new_hello(peer);
        let me = self.key.public();
        let mut differ = Vec::new();
        let mut log_changed = false;
        let mut new_space_budget = twinmesh_protocol::membership::MAX_NEW_SPACE_OPS_PER_HELLO;
        if spaces.len() > twinmesh_protocol::membership::MAX_SPACES_PER_HELLO {
            tracing::warn!(peer = %peer.fmt_short(), spaces = spaces.len(), "hello lists too many spaces; reading the first ones");
        }
        for summary in spaces.into_iter().take(twinmesh_protocol::membership::MAX_SPACES_PER_HELLO) {
            let Ok(space_id) = summary.space.verify() else {
                tracing::warn!(peer = %peer.fmt_short(), "hello carried a badly signed space; ignored");
                continue;
            };
            // Learn a new space only from one of its admins, and only if its (small) log makes
            // us a member; joining with an invitation is the usual way in.
            let known = self.store.get(Table::Spaces, space_id.as_bytes())?.is_some();
            if !known
                && !self.learn_space_from_hello(peer, &summary.space, &summary.log, &mut new_space_budget)?
            {
                continue;
            }
            // The log is merged only from a partner that is or was a member.
            match self.merge_ops_from_peer(&space_id, peer, summary.log) {
                Ok(changed) => log_changed |= changed,
                Err(e @ NodeError::NotAllowed(_)) => {
                    tracing::warn!(peer = %peer.fmt_short(), space = %space_id, error = %e, "membership log not merged");
                }
                Err(e) => return Err(e),
            }
            if !self.is_member(&space_id, peer)? || !self.is_member(&space_id, &me)? {
                continue;
            }
            let local: HashMap<DocId, DocMeta> =
                self.docs(Some(&space_id))?.into_iter().map(|d| (d.id, d.meta)).collect();
            let mut theirs = HashSet::new();
            for d in summary.docs.iter().take(twinmesh_protocol::wire::MAX_DOCS_PER_SPACE) {
                theirs.insert(d.doc);
                match local.get(&d.doc) {
                    Some(meta) => {
                        let ours = heads_digest(&self.heads_of(&d.doc, meta)?);
                        if ours != d.heads_digest {
                            differ.push(d.doc);
                        }
                    }
                    None => {
                        if self.store.get(Table::Docs, d.doc.as_bytes())?.is_none() {
                            self.partners.expect(d.doc, space_id, d.kind);
                            differ.push(d.doc);
                        }
                    }
                }
            }
            for id in local.keys() {
                if self.partners.listed(peer, id, theirs.contains(id)) {
                    differ.push(*id);
                }
            }
        }
        Ok((differ, log_changed))
    }

    /// Takes in a hello this node answers (see [`Engine::on_hello`]) and returns whether a log
    /// grew. Only the side that sent the hello compares documents and opens sessions, so what
    /// this hello says the partner lacks is not remembered: a whole-document push planned here
    /// would go out at some later session, after the partner fetched the document itself.
    pub fn on_hello_answered(
        &mut self,
        peer: &PublicKey,
        from: Municipality,
        spaces: Vec<SpaceSummary>,
    ) -> Result<bool, NodeError> {
        // What this node's own hello exchange found the partner lacks stays true unless this
        // hello lists the document: both sides send a hello when they connect, and the answer
        // to ours may be acted on (its sessions opened) after this hello is answered.
        let listed: HashSet<DocId> = spaces.iter().flat_map(|s| s.docs.iter().map(|d| d.doc)).collect();
        let mut still_lacks = self.partners.lacks(peer);
        still_lacks.retain(|d| !listed.contains(d));
        let (_, changed) = self.on_hello(peer, from, spaces)?;
        self.partners.set_lacks(peer, still_lacks);
        Ok(changed)
    }

    /// The current heads of a document, sorted.
    pub fn heads(&mut self, doc: &DocId) -> Result<Vec<ChangeHash>, NodeError> {
        let meta = self.doc_meta(doc)?;
        self.heads_of(doc, &meta)
    }

    /// The space and heads digest of a document, for announcements.
    pub fn doc_digest(&mut self, doc: &DocId) -> Result<(SpaceId, [u8; 32]), NodeError> {
        let meta = self.doc_meta(doc)?;
        let heads = self.heads_of(doc, &meta)?;
        Ok((meta.space, heads_digest(&heads)))
    }

    /// True if the local copy of `doc` has a different heads digest than `digest`.
    pub fn differs(&mut self, doc: &DocId, digest: &[u8; 32]) -> Result<bool, NodeError> {
        if self.store.get(Table::Docs, doc.as_bytes())?.is_none() {
            return Ok(true);
        }
        Ok(self.doc_digest(doc)?.1 != *digest)
    }

    /// Marks a document announced by a member as wanted, so a sync can create it here.
    pub fn expect_doc(&mut self, space: SpaceId, doc: DocId, kind: DocKind) {
        if self.partners.expected(&doc).is_none() {
            self.partners.expect(doc, space, kind);
        }
    }
}
