//! Property tests of vouching (`protocol::vouch`): on random histories of several authors,
//! a sender's choice of signatures proves every change to the receiver, a proof is exactly "a
//! change of the same author, proven on its own, builds on it", and the order a set arrives in
//! does not matter.

use std::collections::HashSet;

use automerge::ChangeHash;
use proptest::prelude::*;
use twinmesh_protocol::vouch::{self, Node, Proof};

/// Changes by number: `(author, dependencies)`.
type Changes = Vec<(u8, Vec<usize>)>;

/// A random history: change `i` has an author in `0..4` and depends on up to three earlier
/// changes. Returned with a permutation to present the set in, and a coin per change.
fn history() -> impl Strategy<Value = (Changes, Vec<usize>, Vec<bool>)> {
    (1usize..40)
        .prop_flat_map(|n| {
            let changes = (0..n)
                .map(|i| (0u8..4, proptest::collection::vec(0..i.max(1), 0..=3.min(i))))
                .collect::<Vec<_>>();
            (
                changes,
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                proptest::collection::vec(any::<bool>(), n),
            )
        })
        .prop_map(|(changes, order, coin)| {
            let changes = changes
                .into_iter()
                .enumerate()
                .map(|(i, (a, d))| (a, if i == 0 { vec![] } else { d }))
                .collect();
            (changes, order, coin)
        })
}

fn hash(i: usize) -> ChangeHash {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    ChangeHash(h)
}

/// The nodes of `changes` in the order `order`; `deps` holds their dependency hashes.
fn present(changes: &[(u8, Vec<usize>)], order: &[usize]) -> Vec<Vec<ChangeHash>> {
    order.iter().map(|&i| changes[i].1.iter().map(|&d| hash(d)).collect()).collect()
}

fn nodes<'a>(changes: &[(u8, Vec<usize>)], order: &[usize], deps: &'a [Vec<ChangeHash>]) -> Vec<Node<'a>> {
    order
        .iter()
        .zip(deps)
        .map(|(&i, d)| Node { hash: hash(i), author: Some([changes[i].0; 32]), deps: d })
        .collect()
}

/// Descendants of change `i` (itself included), by the original numbering.
fn descendants(changes: &[(u8, Vec<usize>)], i: usize) -> HashSet<usize> {
    let mut out = HashSet::from([i]);
    for (j, (_, deps)) in changes.iter().enumerate().skip(i + 1) {
        if deps.iter().any(|d| out.contains(d)) {
            out.insert(j);
        }
    }
    out
}

proptest! {
    /// What a sender signs (each author's latest changes) proves every change to a receiver,
    /// whatever order the set arrives in; and only the latest changes are signed.
    #[test]
    fn signing_the_latest_changes_proves_them_all((changes, order, _) in history()) {
        let deps = present(&changes, &order);
        let set = nodes(&changes, &order, &deps);
        let latest = vouch::latest_by_author(&set);
        let proofs = vouch::authenticate(&set, &latest);
        prop_assert!(proofs.iter().all(|p| p.is_proven()), "{proofs:?}");
        for (k, &i) in order.iter().enumerate() {
            let later_same_author =
                descendants(&changes, i).into_iter().any(|j| j != i && changes[j].0 == changes[i].0);
            prop_assert_eq!(latest[k], !later_same_author, "change {}", i);
        }
    }

    /// With any choice of changes proven on their own: a change is proven exactly when a change
    /// of its author among them builds on it (or it is one), and a `Through` names such a change.
    #[test]
    fn a_proof_is_a_signed_descendant_of_the_same_author((changes, order, own) in history()) {
        let deps = present(&changes, &order);
        let set = nodes(&changes, &order, &deps);
        let own: Vec<bool> = order.iter().map(|&i| own[i]).collect();
        let proofs = vouch::authenticate(&set, &own);
        let position = |i: usize| order.iter().position(|&x| x == i).expect("in order");
        for (k, &i) in order.iter().enumerate() {
            let witnesses: Vec<usize> = descendants(&changes, i)
                .into_iter()
                .filter(|&j| changes[j].0 == changes[i].0 && own[position(j)])
                .collect();
            match proofs[k] {
                Proof::Own => prop_assert!(own[k]),
                Proof::Through(w) => {
                    prop_assert!(!own[k]);
                    prop_assert!(witnesses.contains(&order[w]), "change {} through {}", i, order[w]);
                }
                Proof::Unproven => prop_assert!(witnesses.is_empty(), "change {} has {:?}", i, witnesses),
            }
        }
    }

    /// Pruning to the needed signatures keeps every proof: with any choice of signed changes,
    /// a change proven under all of them is proven under the kept ones; only signed changes
    /// are kept; and when every change is signed, exactly each author's latest changes are.
    #[test]
    fn pruning_to_the_needed_signatures_keeps_every_proof((changes, order, signed) in history()) {
        let deps = present(&changes, &order);
        let set = nodes(&changes, &order, &deps);
        let signed: Vec<bool> = order.iter().map(|&i| signed[i]).collect();
        let keep = vouch::needed(&set, &signed);
        let before = vouch::authenticate(&set, &signed);
        let after = vouch::authenticate(&set, &keep);
        for k in 0..set.len() {
            prop_assert!(!keep[k] || signed[k], "kept an absent signature at {}", k);
            prop_assert!(!before[k].is_proven() || after[k].is_proven(), "change {} lost its proof", order[k]);
        }
        let all = vec![true; set.len()];
        prop_assert_eq!(vouch::needed(&set, &all), vouch::latest_by_author(&set));
    }
}
