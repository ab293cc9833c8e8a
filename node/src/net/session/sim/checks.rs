//! What the simulator checks: after every step, that no change is both in a document and held
//! back; after the network healed, that the members converged and that only changes of towns
//! that lost write access are held back or refused.

use twinmesh_protocol::keys::PublicKey;

use super::World;
use crate::engine::{Engine, SignatureStatus};

impl World {
    /// No change is both in town `t`'s document and held back: a held change that got applied
    /// is released in the same batch. Checked after every step; a failure names the seed.
    pub(super) fn check_held(&mut self, t: usize) {
        for doc in self.docs {
            let e = &mut self.towns[t].engine;
            if !e.holds(&doc).unwrap_or(false) {
                continue;
            }
            let held = e.quarantined(&doc).expect("the quarantine reads");
            self.stats.held += held.len() as u64;
            let Ok(am) = e.load(&doc) else { continue };
            if let Some((c, h)) = held.iter().find(|(c, _)| am.get_change_meta_by_hash(&c.hash()).is_some()) {
                panic!(
                    "seed {} (TWIN_SIM_SEED={} cargo test -p twinmesh-node sim): town {t} holds {} ({h:?}) \
                     back although it is in the document; last events:\n  {}",
                    self.seed,
                    self.seed,
                    c.hash(),
                    self.log[self.log.len().saturating_sub(12)..].join("\n  ")
                );
            }
        }
    }

    /// Every member holds both plans, each at the same heads everywhere.
    pub(super) fn converged(&mut self) -> Result<bool, String> {
        for doc in self.docs {
            let mut heads = Vec::new();
            for t in self.members() {
                let e = &mut self.towns[t].engine;
                if !e.holds(&doc).map_err(|e| e.to_string())? {
                    return Ok(false);
                }
                let mut h = e.heads(&doc).map_err(|e| e.to_string())?;
                h.sort();
                heads.push(h);
            }
            if !heads.windows(2).all(|w| w[0] == w[1]) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// What each town holds, for a failure message.
    pub(super) fn state(&mut self) -> String {
        let mut out = format!(
            "towns did not converge (removed: {:?}, viewer: {:?}, promoted: {}):\n",
            self.removed, self.demoted, self.promoted
        );
        for (i, t) in self.towns.iter().enumerate() {
            let writes = t.engine.check_can_write(&self.space).map_err(|e| e.to_string());
            out.push_str(&format!("  town {i} may write: {writes:?}\n"));
        }
        for doc in self.docs {
            for (i, t) in self.towns.iter_mut().enumerate() {
                let heads = t.engine.heads(&doc).map(|h| h.len());
                let held = t.engine.quarantined(&doc).map(|q| q.len());
                out.push_str(&format!("  {doc} town {i}: heads {heads:?}, held back {held:?}\n"));
            }
        }
        out
    }

    /// Every member holds back, and has refused, only changes of the removed town or the
    /// viewer, and shows every change it accepted as signed by its author.
    pub(super) fn check_signatures(&mut self) -> Result<(), String> {
        // A town added again wrote nothing that stays refused.
        let removed = self.removed.filter(|_| !self.readded).map(|t| self.towns[t].key);
        // A viewer made an editor again wrote nothing that stays refused.
        let demoted = self.demoted.filter(|_| !self.promoted).map(|t| self.towns[t].key);
        let by_removed =
            |author: Option<PublicKey>| author.is_some() && (author == removed || author == demoted);
        for doc in self.docs {
            for i in self.members() {
                let e = &mut self.towns[i].engine;
                let held = e.quarantined(&doc).map_err(|e| e.to_string())?;
                if let Some((c, h)) = held.iter().find(|(c, _)| !by_removed(Engine::author_of(c.actor_id())))
                {
                    return Err(format!(
                        "town {i} holds back {} (seq {}, {h:?}) of a member after converging",
                        c.hash(),
                        c.seq()
                    ));
                }
                for h in e.history(&doc).map_err(|e| e.to_string())? {
                    let author = h.author_key.as_deref().and_then(|k| k.parse::<PublicKey>().ok());
                    if h.accepted && h.signature != SignatureStatus::Verified {
                        let by =
                            if by_removed(author) { "a town that lost write access" } else { "a member" };
                        return Err(format!(
                            "town {i}: change {} (seq {}) of {by} is {:?} (verified through {:?})",
                            h.hash, h.seq, h.signature, h.verified_through
                        ));
                    }
                    if !h.accepted && !by_removed(author) {
                        return Err(format!(
                            "town {i} refused change {} of a member: {:?}",
                            h.hash, h.refused_because
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
