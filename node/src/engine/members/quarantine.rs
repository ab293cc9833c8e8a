//! The quarantine: signed changes that are not valid (yet) under the membership, kept with
//! their signature (never applied, never served), why each is held, and the split of changes
//! into valid and not.

use automerge::{Change, ChangeHash};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::Signature,
    membership::WriteRight,
    signed,
    validity::{self, Reserved},
};

use super::{
    super::{Engine, versions},
    Refused, SignedChanges,
};
use crate::{
    error::NodeError,
    store::{Batch, Table, trees},
};

/// Most quarantined changes kept per document; beyond it new ones are dropped (and logged).
pub(crate) const MAX_QUARANTINE_PER_DOC: usize = 4096;

impl Engine {
    pub(crate) fn quarantined(&self, doc: &DocId) -> Result<Vec<(Change, Signature)>, NodeError> {
        let mut out = Vec::new();
        for (_, v) in self.store.scan(Table::Quarantine, doc.as_bytes())? {
            if v.len() < 64 {
                continue;
            }
            let sig =
                Signature::from_slice(&v[..64]).ok_or_else(|| NodeError::Corrupt("quarantine".into()))?;
            if let Ok(c) = Change::from_bytes(v[64..].to_vec()) {
                out.push((c, sig));
            }
        }
        Ok(out)
    }

    /// Quarantined changes of a document with the reason they are not applied, for history.
    pub(crate) fn rejected_changes(&self, doc: &DocId) -> Result<Vec<(Change, String)>, NodeError> {
        let meta = self.doc_meta(doc)?;
        let m = self.membership(&meta.space)?;
        Ok(self
            .quarantined(doc)?
            .into_iter()
            .map(|(c, _)| {
                if let Reserved::Forged(why) | Reserved::AdminOnly(why) = versions::check_change(&c, &m) {
                    return (c, why);
                }
                let why = match signed::author_of(c.actor_id()) {
                    Some(k) => match m.write_right(&k, doc, c.actor_id().to_bytes()) {
                        WriteRight::Writer => "waiting for its dependencies".to_string(),
                        WriteRight::UpTo(n) => {
                            format!("made after the author lost write access (seq {} > cutoff {n})", c.seq())
                        }
                        WriteRight::None => "the author may not write to this space".to_string(),
                    },
                    None => "no author".to_string(),
                };
                (c, why)
            })
            .collect())
    }

    /// Splits signed changes into those valid under the space's membership (rule in the module
    /// docs) and the rest. `held` are changes already in the document (valid by construction,
    /// used only as dependency targets).
    pub(crate) fn classify(
        &self,
        space: &SpaceId,
        doc: &DocId,
        pool: Vec<(Change, Signature)>,
    ) -> Result<(SignedChanges, Refused), NodeError> {
        let m = self.membership(space)?;
        Ok(validity::classify_with(&m, doc, pool, versions::rules(&m)))
    }

    /// Adds changes to quarantine and removes the given hashes from it, in one batch.
    pub(crate) fn quarantine_batch(
        &self,
        b: &mut Batch,
        doc: &DocId,
        add: &[(Change, Signature)],
        remove: &[ChangeHash],
    ) -> Result<(), NodeError> {
        let held = self.store.scan(Table::Quarantine, doc.as_bytes())?.len();
        for (i, (c, s)) in add.iter().enumerate() {
            if held + i >= MAX_QUARANTINE_PER_DOC {
                tracing::warn!(%doc, "quarantine full; dropping refused changes");
                break;
            }
            let mut v = s.0.to_vec();
            v.extend_from_slice(c.raw_bytes());
            b.put(Table::Quarantine, trees::change_key(doc.as_bytes(), &c.hash().0), v);
        }
        for h in remove {
            b.remove(Table::Quarantine, trees::change_key(doc.as_bytes(), &h.0));
        }
        Ok(())
    }
}
