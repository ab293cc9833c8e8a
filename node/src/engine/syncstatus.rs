//! What the sync panel and presence ask of the engine: how many of this node's changes a
//! partner is not known to hold, how many conflicts a document has, and who may hear or tell
//! presence about a document.
//!
//! "Known to hold" is what the Automerge sync state with that partner says: the heads it last
//! told this node in a session (`their_heads`, kept in memory while connected) and the shared
//! heads persisted after every round; and the heads of this node a partner's hello or
//! announcement showed it holds (its heads digest was this node's: it got them through
//! another town). A partner never synced about a document has no state: its count is unknown
//! (`None`), never 0.

use automerge::{ChangeHash, ReadDoc};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::PublicKey,
    wire::SpaceSummary,
};

use super::{
    Engine,
    sync::{heads_digest, sync_key},
};
use crate::{error::NodeError, store::Table};

impl Engine {
    /// The heads `peer` is known to hold of `doc`, from the sync state with it; `None` if
    /// this node never synced `doc` with it.
    fn partner_heads(&self, peer: &PublicKey, doc: &DocId) -> Result<Option<Vec<ChangeHash>>, NodeError> {
        let seen = self.partners.seen(peer, doc);
        let mut heads = match self.partners.state(peer, doc) {
            Some(state) => {
                let mut heads = state.shared_heads.clone();
                heads.extend(state.their_heads.iter().flatten().copied());
                Some(heads)
            }
            None => match self.store.get(Table::SyncStates, &sync_key(peer, doc))? {
                // Undecodable state is treated as no state, as a session does (`take_state`).
                Some(bytes) => automerge::sync::State::decode(&bytes).ok().map(|s| s.shared_heads),
                None => None,
            },
        };
        if let Some(seen) = seen {
            heads.get_or_insert_with(Vec::new).extend(seen.iter().copied());
        }
        Ok(heads)
    }

    /// A member's announcement said its heads of `doc` have `digest`: if that is this node's
    /// digest, it holds all this node holds of `doc` (remembered for [`Engine::waiting_for`]).
    /// The caller checked the membership.
    pub fn note_partner_digest(&mut self, peer: &PublicKey, doc: &DocId, digest: &[u8; 32]) {
        let Ok(Some(meta)) = self.stored_meta(doc) else { return };
        let Ok(ours) = self.heads_of(doc, &meta) else { return };
        if heads_digest(&ours) == *digest {
            self.partners.note_seen(peer, doc, ours);
        }
    }

    /// A partner's hello: notes, for the documents of spaces it may read, those whose heads
    /// digest is this node's (see [`Engine::note_partner_digest`]).
    pub fn note_partner_summaries(&mut self, peer: &PublicKey, spaces: &[SpaceSummary]) {
        for s in spaces.iter().take(twinmesh_protocol::membership::MAX_SPACES_PER_HELLO) {
            let Ok(space) = s.space.verify() else { continue };
            if !matches!(self.is_member(&space, peer), Ok(true)) {
                continue;
            }
            for d in s.docs.iter().take(twinmesh_protocol::wire::MAX_DOCS_PER_SPACE) {
                if matches!(self.stored_meta(&d.doc), Ok(Some(m)) if m.space == space) {
                    self.note_partner_digest(peer, &d.doc, &d.heads_digest);
                }
            }
        }
    }

    /// How many changes of `doc` held here `peer` is not known to hold (`None`: never synced
    /// with it, unknown). Loads the document only when the partner's known heads differ from
    /// this node's.
    ///
    /// # Errors
    /// An unknown document, or a store error.
    pub fn waiting_for(&mut self, peer: &PublicKey, doc: &DocId) -> Result<Option<usize>, NodeError> {
        let Some(mut theirs) = self.partner_heads(peer, doc)? else { return Ok(None) };
        let meta = self.doc_meta(doc)?;
        let ours = self.heads_of(doc, &meta)?;
        theirs.sort();
        theirs.dedup();
        if theirs == ours {
            return Ok(Some(0));
        }
        let am = self.load(doc)?;
        // Heads this node does not hold are the partner's own news, not ours to send.
        let known: Vec<ChangeHash> =
            theirs.into_iter().filter(|h| am.get_change_by_hash(h).is_some()).collect();
        Ok(Some(am.get_changes(&known).len()))
    }

    /// How many fields of `doc` hold conflicting values now.
    ///
    /// # Errors
    /// An unknown document, or a store error.
    pub fn conflict_count(&mut self, doc: &DocId) -> Result<usize, NodeError> {
        Ok(self.view(doc, None)?.root.conflicts().len())
    }

    /// The members of `doc`'s space other than this town who may read it: whom this node
    /// tells its presence in `doc`. Empty if this town may not read it itself.
    ///
    /// # Errors
    /// An unknown document, or a store error.
    pub fn presence_targets(&self, doc: &DocId) -> Result<Vec<PublicKey>, NodeError> {
        let space = self.doc_meta(doc)?.space;
        let m = self.membership(&space)?;
        let me = self.key.public();
        if !m.can_read(&me) {
            return Ok(Vec::new());
        }
        Ok(m.members
            .keys()
            .filter_map(|k| PublicKey::from_bytes(k).ok())
            .filter(|k| *k != me && m.can_read(k))
            .collect())
    }

    /// The space of `doc` if `peer` may tell this node its presence in it: the document is
    /// held here and both towns may read its space. `None` otherwise (an unknown document, a
    /// stranger, a removed member).
    ///
    /// # Errors
    /// A store error.
    pub fn presence_allowed(&self, peer: &PublicKey, doc: &DocId) -> Result<Option<SpaceId>, NodeError> {
        let Some(meta) = self.stored_meta(doc)? else { return Ok(None) };
        let m = self.membership(&meta.space)?;
        Ok((m.can_read(peer) && m.can_read(&self.key.public())).then_some(meta.space))
    }
}
