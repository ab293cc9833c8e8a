//! Vouching (sync protocol version 5): a town's signature on a change also proves that the town
//! wrote every earlier change of its own that the signed change builds on.
//!
//! An Automerge change hash covers the hashes of the change's dependencies, so a signature over
//! change `d` fixes the exact bytes of every ancestor of `d`. A town's node builds only on
//! changes it has accepted, and its own changes are its own; so when town `T` signs `d`, every
//! ancestor of `d` whose actor id names `T`'s key (with any actor suffix) is authentic too. The
//! signature proves nothing about ancestors written by other towns: those need a signature of
//! their own author, direct or vouching. No member can make another town appear to have written
//! something.
//!
//! Two functions hold the rule, one for each side of a transfer:
//! - [`latest_by_author`]: the changes of a set that need their signature when the set is sent
//!   (each author's changes that no later change of the same author in the set builds on);
//! - [`authenticate`]: given which changes of a set are proven on their own (a verified
//!   signature, or proven earlier), how each change is proven, or that it is not (yet).
//!
//! A third, [`needed`], tells a holder which signatures it must keep when it prunes the rest.
//!
//! Both look only at dependencies inside the set. That is enough: a document is closed under
//! dependencies, so a path from a change of the set down to another one never leaves the set
//! through a change the receiver already holds and comes back.

use std::collections::HashMap;

use automerge::{ActorId, ChangeHash};

use crate::{keys::PublicKey, signed::ChangeRejection, validity::ChangeFacts};

/// An author as vouching sees one: the 32-byte key at the start of a 48-byte actor id (see
/// [`crate::signed::actor_id`]). Validity of the key is checked where signatures are verified.
pub type AuthorKey = [u8; 32];

/// The author key an actor id names, if it has the shape of a town's actor id.
pub fn author_key(actor: &ActorId) -> Option<AuthorKey> {
    let bytes = actor.to_bytes();
    if bytes.len() != crate::signed::ACTOR_LEN {
        return None;
    }
    bytes.get(..32).and_then(|k| <AuthorKey>::try_from(k).ok())
}

/// What vouching needs to know of one change.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    /// The change hash (computed from its bytes, never taken from a peer).
    pub hash: ChangeHash,
    /// Its author's key, or `None` if its actor id names no key (such a change is never proven).
    pub author: Option<AuthorKey>,
    /// Its dependencies.
    pub deps: &'a [ChangeHash],
}

impl<'a> Node<'a> {
    /// What vouching needs of a parsed change or of a loaded document's change metadata.
    pub fn of<C: ChangeFacts + ?Sized>(c: &'a C) -> Node<'a> {
        Node { hash: c.hash(), author: author_key(c.actor()), deps: c.deps() }
    }
}

/// The nodes of a set of changes, in order.
pub fn nodes<C: ChangeFacts>(changes: &[C]) -> Vec<Node<'_>> {
    changes.iter().map(Node::of).collect()
}

/// [`crate::signed::verify_batch`]'s results for `changes` (a whole set: a file's document, a
/// bundle's changes of one document), with each change refused only as `Unsigned` accepted when
/// a verified change of its author in the set proves it ([`authenticate`]). Every other result
/// stays as it is.
pub fn prove_unsigned<C: ChangeFacts>(
    changes: &[C],
    results: Vec<Result<PublicKey, ChangeRejection>>,
) -> Vec<Result<(), ChangeRejection>> {
    let unsigned =
        |r: &Result<PublicKey, ChangeRejection>| matches!(r, Err(ChangeRejection::Unsigned { .. }));
    if !results.iter().any(unsigned) {
        return results.into_iter().map(|r| r.map(|_| ())).collect();
    }
    let own: Vec<bool> = results.iter().map(Result::is_ok).collect();
    let proofs = authenticate(&nodes(changes), &own);
    results
        .into_iter()
        .zip(proofs)
        .map(|(r, p)| match r {
            Err(ChangeRejection::Unsigned { .. }) if p.is_proven() => Ok(()),
            other => other.map(|_| ()),
        })
        .collect()
}

/// How a change's authorship is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// By its own signature (or it was proven before it joined the set).
    Own,
    /// By the change at this index of the set: a later change of the same author, proven on its
    /// own, that builds on this one.
    Through(usize),
    /// Not proven: no change of the same author proven on its own builds on it in the set.
    Unproven,
}

impl Proof {
    /// True unless [`Proof::Unproven`].
    pub fn is_proven(self) -> bool {
        !matches!(self, Proof::Unproven)
    }
}

/// The set as a graph: each change's children inside the set, and an order in which every
/// change comes after its dependencies. A hash listed twice counts once (the first).
struct Graph {
    /// Indices in an order where dependencies come first (Kahn's algorithm). A change that is
    /// part of a cycle (impossible with real hashes) or repeats an earlier hash is left out.
    order: Vec<usize>,
    /// For each change, the changes of the set that depend on it directly.
    children: Vec<Vec<usize>>,
    /// For each change, the index of the first change with the same hash.
    first: Vec<usize>,
}

impl Graph {
    fn new(nodes: &[Node<'_>]) -> Self {
        let mut index: HashMap<ChangeHash, usize> = HashMap::with_capacity(nodes.len());
        let first: Vec<usize> =
            nodes.iter().enumerate().map(|(i, n)| *index.entry(n.hash).or_insert(i)).collect();
        let mut children = vec![Vec::new(); nodes.len()];
        let mut waiting = vec![0usize; nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            if first[i] != i {
                continue;
            }
            let mut deps: Vec<usize> = n.deps.iter().filter_map(|d| index.get(d).copied()).collect();
            deps.sort_unstable();
            deps.dedup();
            for d in deps {
                children[d].push(i);
                waiting[i] += 1;
            }
        }
        let mut ready: Vec<usize> = (0..nodes.len()).filter(|&i| first[i] == i && waiting[i] == 0).collect();
        let mut order = Vec::with_capacity(nodes.len());
        while let Some(i) = ready.pop() {
            order.push(i);
            for &c in &children[i] {
                waiting[c] -= 1;
                if waiting[c] == 0 {
                    ready.push(c);
                }
            }
        }
        Graph { order, children, first }
    }

    /// For one author: for each change, a change of the set that is a descendant of it (or
    /// itself) and for which `witness` holds, if there is one. Changes outside `order` get none.
    fn reach(&self, witness: impl Fn(usize) -> bool) -> Vec<Option<usize>> {
        let mut found: Vec<Option<usize>> = vec![None; self.children.len()];
        for &i in self.order.iter().rev() {
            found[i] = if witness(i) { Some(i) } else { self.children[i].iter().find_map(|&c| found[c]) };
        }
        found
    }

    /// The authors present, each once, in order of first appearance.
    fn authors(nodes: &[Node<'_>]) -> Vec<AuthorKey> {
        let mut seen = std::collections::HashSet::new();
        nodes.iter().filter_map(|n| n.author).filter(|a| seen.insert(*a)).collect()
    }
}

/// For each change of `nodes`: true if no other change of the set by the same author depends
/// on it, directly or through other changes. These are the changes a sender signs in a
/// version 5 round, snapshot, bundle or export; every other change of the set by an author is
/// an ancestor of one of them. A change whose actor names no key is always listed (it has no
/// author to vouch for it, and the receiver refuses it by name).
///
/// Costs one pass over the set per author.
pub fn latest_by_author(nodes: &[Node<'_>]) -> Vec<bool> {
    let graph = Graph::new(nodes);
    let mut latest = vec![true; nodes.len()];
    for author in Graph::authors(nodes) {
        let by_author = |i: usize| nodes[i].author == Some(author);
        let reach = graph.reach(by_author);
        for &i in &graph.order {
            if by_author(i) {
                latest[i] = !graph.children[i].iter().any(|&c| reach[c].is_some());
            }
        }
    }
    for (i, &f) in graph.first.iter().enumerate() {
        latest[i] = latest[f];
    }
    latest
}

/// Which of the signatures a node holds (`signed[i]`) it must keep so that every change of a
/// document that is proven now stays proven: each author's latest signed changes, and any
/// signed change that no kept signature of its author covers. The rest are covered by a later
/// change of the same author and can be dropped (see `docs/protocol.md`, "Pruning").
///
/// Not always the smallest such set, but never drops a signature that is the only proof of a
/// change: a change proven through `d` under `signed` is proven through `d` or through the kept
/// signature that covers `d`, which builds on it too.
pub fn needed(nodes: &[Node<'_>], signed: &[bool]) -> Vec<bool> {
    let signed_at = |i: usize| signed.get(i).copied().unwrap_or(false);
    let latest = latest_by_author(nodes);
    let mut keep: Vec<bool> = (0..nodes.len()).map(|i| signed_at(i) && latest[i]).collect();
    let proofs = authenticate(nodes, &keep);
    for (i, p) in proofs.iter().enumerate() {
        if signed_at(i) && !p.is_proven() {
            keep[i] = true;
        }
    }
    keep
}

/// How each change of `nodes` is proven, given which are proven on their own (`own[i]`: its
/// signature verified, or it was proven when it arrived earlier). A change is proven through
/// another when that one is proven on its own, has the same author, and depends on it, directly
/// or through other changes of the set (by any author). A change whose actor names no key is
/// never proven through another.
///
/// # Panics
/// Never; `own` shorter than `nodes` counts the missing entries as not proven.
pub fn authenticate(nodes: &[Node<'_>], own: &[bool]) -> Vec<Proof> {
    let graph = Graph::new(nodes);
    let own_at = |i: usize| own.get(i).copied().unwrap_or(false);
    let mut proofs: Vec<Proof> =
        (0..nodes.len()).map(|i| if own_at(i) { Proof::Own } else { Proof::Unproven }).collect();
    for author in Graph::authors(nodes) {
        let signed_by_author = |i: usize| nodes[i].author == Some(author) && own_at(i);
        if !(0..nodes.len()).any(signed_by_author) {
            continue;
        }
        let reach = graph.reach(signed_by_author);
        for &i in &graph.order {
            if nodes[i].author == Some(author)
                && proofs[i] == Proof::Unproven
                && let Some(w) = reach[i]
            {
                proofs[i] = Proof::Through(w);
            }
        }
    }
    for (i, &f) in graph.first.iter().enumerate() {
        if f != i && proofs[i] == Proof::Unproven {
            proofs[i] = match proofs[f] {
                Proof::Own => Proof::Through(f),
                other => other,
            };
        }
    }
    proofs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> ChangeHash {
        ChangeHash([n; 32])
    }

    /// `(hash byte, author byte, deps)` to nodes.
    fn nodes(spec: &[(u8, u8, Vec<u8>)]) -> (Vec<ChangeHash>, Vec<Vec<ChangeHash>>) {
        let hashes = spec.iter().map(|(n, _, _)| h(*n)).collect();
        let deps = spec.iter().map(|(_, _, d)| d.iter().map(|x| h(*x)).collect()).collect();
        (hashes, deps)
    }

    fn build<'a>(spec: &[(u8, u8, Vec<u8>)], deps: &'a [Vec<ChangeHash>]) -> Vec<Node<'a>> {
        spec.iter()
            .zip(deps)
            .map(|((n, a, _), d)| Node { hash: h(*n), author: Some([*a; 32]), deps: d })
            .collect()
    }

    /// T: 1 <- 2 <- 4, U: 3 (on 2) <- 4 depends on 3 too. T's 4 is T's only latest change; U's 3
    /// is U's. Signing them proves all; T's signature never proves U's change.
    #[test]
    fn a_signature_proves_its_authors_ancestors_only() {
        let spec = vec![(1, 0xA, vec![]), (2, 0xA, vec![1]), (3, 0xB, vec![2]), (4, 0xA, vec![3])];
        let (_, deps) = nodes(&spec);
        let n = build(&spec, &deps);
        assert_eq!(latest_by_author(&n), vec![false, false, true, true]);
        let proofs = authenticate(&n, &[false, false, false, true]);
        assert_eq!(proofs, vec![Proof::Through(3), Proof::Through(3), Proof::Unproven, Proof::Own]);
        let proofs = authenticate(&n, &[false, false, true, true]);
        assert!(proofs.iter().all(|p| p.is_proven()));
        // U's signature alone proves U's change and nothing of T's.
        let proofs = authenticate(&n, &[false, false, true, false]);
        assert_eq!(proofs, vec![Proof::Unproven, Proof::Unproven, Proof::Own, Proof::Unproven]);
    }

    /// Order of the set does not matter, nor do repeated hashes.
    #[test]
    fn order_and_repeats_do_not_matter() {
        let spec = vec![(4, 0xA, vec![2]), (2, 0xA, vec![1]), (1, 0xA, vec![]), (2, 0xA, vec![1])];
        let (_, deps) = nodes(&spec);
        let n = build(&spec, &deps);
        assert_eq!(latest_by_author(&n), vec![true, false, false, false]);
        let proofs = authenticate(&n, &[true, false, false, false]);
        assert!(proofs.iter().all(|p| p.is_proven()), "{proofs:?}");
    }

    /// An actor id that names no key is never proven through another change.
    #[test]
    fn no_author_no_vouching() {
        let deps = [vec![], vec![h(1)]];
        let n = [
            Node { hash: h(1), author: None, deps: &deps[0] },
            Node { hash: h(2), author: Some([1; 32]), deps: &deps[1] },
        ];
        assert_eq!(latest_by_author(&n), vec![true, true]);
        assert_eq!(authenticate(&n, &[false, true]), vec![Proof::Unproven, Proof::Own]);
    }
}
