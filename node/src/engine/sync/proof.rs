//! How a received round's changes are proven (protocol v5 vouching, `protocol::vouch`): the
//! signature each chunk came with, whatever version paired them, and which changes of the round
//! and of the quarantine a verified signature proves.

use std::collections::{HashMap, HashSet};

use automerge::{Change, ChangeHash};
use twinmesh_protocol::{keys::Signature, vouch, wire::ChunkSignatures};

use super::super::members::{Held, SignedChanges};

/// The signature a round carries for each of its change chunks: named by change hash (versions
/// 1 to 3, and a round this node built: a change the sender listed no signature for has none),
/// given by position (version 4, whose count `open_round` checked), or named by chunk index
/// for some chunks (version 5, the others proven through them).
pub(super) enum RoundSignatures {
    ByHash(HashMap<ChangeHash, Signature>),
    InOrder(Vec<Signature>),
    ByIndex(HashMap<usize, Signature>),
}

impl RoundSignatures {
    pub(super) fn new(signatures: ChunkSignatures) -> Self {
        match signatures {
            ChunkSignatures::Hashed(pairs) => {
                RoundSignatures::ByHash(pairs.into_iter().map(|(h, s)| (ChangeHash(h), s)).collect())
            }
            ChunkSignatures::Outgoing(chunks) => RoundSignatures::ByHash(
                chunks.into_iter().filter_map(|o| o.signature.map(|s| (ChangeHash(o.hash), s))).collect(),
            ),
            ChunkSignatures::InOrder(sigs) => RoundSignatures::InOrder(sigs),
            ChunkSignatures::Indexed(sigs) => {
                RoundSignatures::ByIndex(sigs.into_iter().map(|(i, s)| (i as usize, s)).collect())
            }
        }
    }

    /// The signature of the chunk at `index`, whose change has `hash`.
    pub(super) fn of_chunk(&self, index: usize, hash: &ChangeHash) -> Option<Signature> {
        match self {
            RoundSignatures::ByHash(by_hash) => by_hash.get(hash).copied(),
            RoundSignatures::InOrder(sigs) => sigs.get(index).copied(),
            RoundSignatures::ByIndex(by_index) => by_index.get(&index).copied(),
        }
    }

    /// True if a change may come without a signature, to be proven through a later change of
    /// its author (version 5). On older versions such a change is refused as `Unsigned`.
    pub(super) fn vouching(&self) -> bool {
        matches!(self, RoundSignatures::ByIndex(_))
    }
}

/// Proves what can be proven of a round's changes and the held ones (`vouch::authenticate`):
/// `incoming` are the round's changes whose author is named, with their signature if it came
/// and verified; a held change is proven on its own if it was proven when it arrived. Returns
/// the proven changes (one entry per hash, each with its own signature if known) and the
/// changes not proven, and the held changes whose proof is new.
pub(super) fn prove(
    incoming: SignedChanges,
    held: Vec<(Change, Held)>,
) -> (SignedChanges, Vec<Change>, SignedChanges) {
    let mut index: HashMap<ChangeHash, usize> = HashMap::new();
    let mut pool: Vec<(Change, Option<Signature>, bool, bool)> = Vec::new(); // change, sig, own, held unproven
    for (c, h) in held {
        index.insert(c.hash(), pool.len());
        match h {
            Held::Signed(s) => pool.push((c, Some(s), true, false)),
            Held::Vouched => pool.push((c, None, true, false)),
            Held::Unproven => pool.push((c, None, false, true)),
        }
    }
    for (c, sig) in incoming {
        match index.get(&c.hash()) {
            Some(&i) => {
                if sig.is_some() {
                    pool[i].1 = sig;
                    pool[i].2 = true;
                }
            }
            None => {
                index.insert(c.hash(), pool.len());
                pool.push((c, sig, sig.is_some(), false));
            }
        }
    }
    let nodes: Vec<vouch::Node<'_>> = pool.iter().map(|(c, ..)| vouch::Node::of(c)).collect();
    let own: Vec<bool> = pool.iter().map(|p| p.2).collect();
    let proofs = vouch::authenticate(&nodes, &own);
    drop(nodes);
    let (mut proven, mut unproven, mut newly) = (Vec::new(), Vec::new(), Vec::new());
    for ((c, sig, _, was_unproven), proof) in pool.into_iter().zip(proofs) {
        if !proof.is_proven() {
            unproven.push(c);
            continue;
        }
        if was_unproven {
            newly.push((c.clone(), sig));
        }
        proven.push((c, sig));
    }
    (proven, unproven, newly)
}

/// The held changes to send along with a round whose chunks are `changes` (with the signatures
/// this node keeps, `found`, and which chunk is its author's latest, `latest`): for each author
/// whose latest change in the round has no signature here, that author's held changes that are
/// proven (not those waiting for a proof) and not in the round already, with their signatures.
/// Empty in the usual case, where every author's latest change is signed.
pub(super) fn held_witnesses(
    changes: &[Change],
    found: &[Option<Signature>],
    latest: &[bool],
    held: &[(Change, Held)],
) -> SignedChanges {
    let needy: HashSet<vouch::AuthorKey> = changes
        .iter()
        .zip(found.iter().zip(latest))
        .filter(|(_, (s, latest))| s.is_none() && **latest)
        .filter_map(|(c, _)| vouch::author_key(c.actor_id()))
        .collect();
    if needy.is_empty() {
        return Vec::new();
    }
    let in_round: HashSet<ChangeHash> = changes.iter().map(Change::hash).collect();
    held.iter()
        .filter(|(c, _)| !in_round.contains(&c.hash()))
        .filter(|(c, _)| vouch::author_key(c.actor_id()).is_some_and(|a| needy.contains(&a)))
        .filter_map(|(c, h)| h.proof().map(|s| (c.clone(), s)))
        .collect()
}
