//! The quarantine: changes that are not valid (yet) under the membership, wait for their
//! dependencies, or wait for a later signed change of their author to prove them (version 5,
//! `vouch`), kept with how they are proven (never applied, never served), why each is held, and
//! the split of changes into valid and not.
//!
//! A record is 64 bytes of proof followed by the change: the change's signature, or
//! [`VOUCHED`] (proven through a later change of its author, applied or held here), or
//! [`UNPROVEN`] (not proven yet). Neither marker is a signature any check accepts (an all-zero
//! `R` has small order; an all-`0xff` `s` is not canonical), and records written before
//! version 5 hold a signature.

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

/// Proof bytes of a held change proven through a later change of its author.
const VOUCHED: [u8; 64] = [0; 64];
/// Proof bytes of a held change not proven yet.
const UNPROVEN: [u8; 64] = [0xff; 64];

/// How a held change is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    /// By its own signature.
    Signed(Signature),
    /// Through a later change of its author that is applied or held here.
    Vouched,
    /// Not yet: it waits for a later signed change of its author that builds on it.
    Unproven,
}

impl Held {
    /// How the change is proven, as a pool of proven changes holds it; `None` if it is not.
    pub(crate) fn proof(self) -> Option<Option<Signature>> {
        match self {
            Held::Signed(s) => Some(Some(s)),
            Held::Vouched => Some(None),
            Held::Unproven => None,
        }
    }

    fn from_bytes(b: &[u8; 64]) -> Held {
        match *b {
            VOUCHED => Held::Vouched,
            UNPROVEN => Held::Unproven,
            sig => Held::Signed(Signature(sig)),
        }
    }

    fn to_bytes(self) -> [u8; 64] {
        match self {
            Held::Signed(s) => s.0,
            Held::Vouched => VOUCHED,
            Held::Unproven => UNPROVEN,
        }
    }
}

impl From<Option<Signature>> for Held {
    fn from(sig: Option<Signature>) -> Held {
        sig.map_or(Held::Vouched, Held::Signed)
    }
}

impl Engine {
    /// Every held change of `doc`, with how it is proven.
    pub(crate) fn quarantined(&self, doc: &DocId) -> Result<Vec<(Change, Held)>, NodeError> {
        let mut out = Vec::new();
        for (_, v) in self.store.scan(Table::Quarantine, doc.as_bytes())? {
            let Some(proof) = v.get(..64).and_then(|p| <[u8; 64]>::try_from(p).ok()) else { continue };
            if let Ok(c) = Change::from_bytes(v[64..].to_vec()) {
                out.push((c, Held::from_bytes(&proof)));
            }
        }
        Ok(out)
    }

    /// The held changes of `doc` that are proven, as a pool of proven changes holds them.
    pub(crate) fn quarantined_proven(&self, doc: &DocId) -> Result<SignedChanges, NodeError> {
        Ok(self.quarantined(doc)?.into_iter().filter_map(|(c, h)| h.proof().map(|p| (c, p))).collect())
    }

    /// Quarantined changes of a document with the reason they are not applied, for history.
    pub(crate) fn rejected_changes(&self, doc: &DocId) -> Result<Vec<(Change, String)>, NodeError> {
        let meta = self.doc_meta(doc)?;
        let m = self.membership(&meta.space)?;
        Ok(self
            .quarantined(doc)?
            .into_iter()
            .map(|(c, held)| {
                if held == Held::Unproven {
                    return (c, "waiting for a later signed change of its author to prove it".to_string());
                }
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
    /// docs) and the rest.
    pub(crate) fn classify(
        &self,
        space: &SpaceId,
        doc: &DocId,
        pool: SignedChanges,
    ) -> Result<(SignedChanges, Refused), NodeError> {
        let m = self.membership(space)?;
        Ok(validity::classify_with(&m, doc, pool, versions::rules(&m)))
    }

    /// Adds proven changes to quarantine and removes the given hashes from it, in one batch.
    pub(crate) fn quarantine_batch(
        &self,
        b: &mut Batch,
        doc: &DocId,
        add: &[(Change, Option<Signature>)],
        remove: &[ChangeHash],
    ) -> Result<(), NodeError> {
        self.hold(b, doc, add.iter().map(|(c, s)| (c, Held::from(*s))))?;
        for h in remove {
            b.remove(Table::Quarantine, trees::change_key(doc.as_bytes(), &h.0));
        }
        Ok(())
    }

    /// Adds held changes, with how each is proven, to `b` (a change held already is
    /// overwritten: its proof may have changed).
    pub(crate) fn hold<'a>(
        &self,
        b: &mut Batch,
        doc: &DocId,
        add: impl IntoIterator<Item = (&'a Change, Held)>,
    ) -> Result<(), NodeError> {
        let mut add = add.into_iter().peekable();
        if add.peek().is_none() {
            return Ok(());
        }
        let held = self.store.scan(Table::Quarantine, doc.as_bytes())?.len();
        self.hold_counted(b, doc, held, add);
        Ok(())
    }

    /// [`Engine::hold`] for a caller that knows how many changes of `doc` are held (`held`):
    /// reads nothing.
    pub(crate) fn hold_counted<'a>(
        &self,
        b: &mut Batch,
        doc: &DocId,
        held: usize,
        add: impl IntoIterator<Item = (&'a Change, Held)>,
    ) {
        for (i, (c, proof)) in add.into_iter().enumerate() {
            if held + i >= MAX_QUARANTINE_PER_DOC {
                tracing::warn!(%doc, "quarantine full; dropping held changes");
                break;
            }
            let mut v = proof.to_bytes().to_vec();
            v.extend_from_slice(c.raw_bytes());
            b.put(Table::Quarantine, trees::change_key(doc.as_bytes(), &c.hash().0), v);
        }
    }
}
