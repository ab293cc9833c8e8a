//! Verifying change signatures: one by one ([`verify_change`]) or a whole batch of a document
//! ([`verify_batch`]) with the ZIP-215 rules, so that both give every change the same answer; a
//! large batch is split across the machine's cores.

use automerge::{ActorId, ChangeHash};

use super::{
    CHANGE_DOMAIN, ChangeRejection, author_of, coefficients::Coefficients, signing_payload,
    small_order::has_small_order_r,
};
use crate::{
    ids::DocId,
    keys::{PublicKey, Signature},
};

/// Verifies one change signature, with the same rules as [`verify_batch`].
pub fn verify_change(
    key: &PublicKey,
    doc: &DocId,
    hash: &ChangeHash,
    sig: &Signature,
) -> Result<(), crate::keys::SignatureInvalid> {
    if has_small_order_r(sig) || key.inner().is_weak() {
        return Err(crate::keys::SignatureInvalid);
    }
    Pending { key: key.to_bytes(), payload: signing_payload(doc, hash), sig: sig.0 }
        .item()
        .verify_single()
        .map_err(|_| crate::keys::SignatureInvalid)
}

/// One signature to check: the author's key, the signed payload and the signature.
pub(super) struct Pending {
    pub(super) key: [u8; 32],
    pub(super) payload: [u8; CHANGE_DOMAIN.len() + 16 + 32],
    pub(super) sig: [u8; 64],
}

impl Pending {
    fn item(&self) -> ed25519_zebra::batch::Item {
        let vk = ed25519_zebra::VerificationKeyBytes::from(self.key);
        (vk, ed25519_dalek::Signature::from_bytes(&self.sig), &self.payload[..]).into()
    }
}

/// A change waiting for verification: what the verifier needs, nothing more.
#[derive(Debug, Clone)]
pub struct ChangeToVerify<'a> {
    /// The change's hash (computed from its bytes by Automerge, never taken from the peer).
    pub hash: ChangeHash,
    /// The change's actor id (read from its bytes).
    pub actor: &'a ActorId,
    /// The signature that came with it, if any.
    pub signature: Option<Signature>,
}

/// Verifies a batch of changes of one document.
///
/// Returns one result per input, in order, and the answer for each change is the one
/// [`verify_change`] gives for it alone, whatever else is in the batch. That needs care:
/// ed25519 batch verification with the usual (cofactorless) equation can accept a signature
/// whose `R` or key has a small-order component that single verification rejects, depending on
/// the random coefficients, so two nodes checking the same change in different batches could
/// disagree, and a member could split the partners' copies of a document. So both checks use
/// the ZIP-215 rules (`ed25519-zebra`): the cofactored equation, under which batch and single
/// verification agree on every input. On top of them, a signature whose `R` is a small-order
/// point and a weak (small-order) author key are always refused: under the cofactored
/// equation anyone could sign for a weak key (`author_of` refuses those).
///
/// A batch that fails is checked again one signature at a time to name the bad ones.
pub fn verify_batch(doc: &DocId, changes: &[ChangeToVerify<'_>]) -> Vec<Result<PublicKey, ChangeRejection>> {
    let mut results: Vec<Result<PublicKey, ChangeRejection>> = Vec::with_capacity(changes.len());
    let mut items = Vec::new();
    let mut batch_idx = Vec::new();
    // Most changes of a batch share a handful of actors: decompress each author key once.
    let mut authors: std::collections::HashMap<&ActorId, Option<PublicKey>> =
        std::collections::HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        let Some(key) = *authors.entry(c.actor).or_insert_with(|| author_of(c.actor)) else {
            results.push(Err(ChangeRejection::NoAuthor { hash: c.hash, actor: c.actor.to_hex_string() }));
            continue;
        };
        let Some(sig) = c.signature else {
            results.push(Err(ChangeRejection::Unsigned { hash: c.hash }));
            continue;
        };
        // `author_of` has refused weak keys already.
        if has_small_order_r(&sig) {
            results.push(Err(ChangeRejection::BadSignature { hash: c.hash }));
            continue;
        }
        items.push(Pending { key: key.to_bytes(), payload: signing_payload(doc, &c.hash), sig: sig.0 });
        batch_idx.push(i);
        results.push(Ok(key));
    }
    if items.is_empty() || batch_ok(&items) {
        return results;
    }
    // At least one is bad: find which, one by one.
    for (p, i) in items.iter().zip(batch_idx) {
        if p.item().verify_single().is_err() {
            results[i] = Err(ChangeRejection::BadSignature { hash: changes[i].hash });
        }
    }
    results
}

/// Below this many signatures a batch is checked on the calling thread alone.
pub(super) const PARALLEL_FROM: usize = 512;

/// ZIP-215 batch verification, split across the machine's cores for a large batch (a first sync
/// or a catch-up brings thousands of changes at once). True if every signature is valid.
fn batch_ok(items: &[Pending]) -> bool {
    let one = |part: &[Pending]| {
        let mut v = ed25519_zebra::batch::Verifier::new();
        for p in part {
            v.queue(p.item());
        }
        v.verify(Coefficients::for_batch(part)).is_ok()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || items.len() < PARALLEL_FROM {
        return one(items);
    }
    let per = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = items.chunks(per).skip(1).map(|part| s.spawn(move || one(part))).collect();
        // The first part runs here while the others run on their threads.
        let first = one(&items[..per]);
        // A thread that could not finish (it cannot panic on valid input) counts as a failure,
        // which sends the batch to the one-by-one check.
        parts.into_iter().fold(first, |ok, h| h.join().unwrap_or(false) && ok)
    })
}
