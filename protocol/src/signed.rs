//! Signed Automerge changes.
//!
//! Every change a node makes is signed by the municipality's key over
//! `"twinmesh/change/v1" ‖ doc_id (16 bytes) ‖ change_hash (32 bytes)`.
//! The change hash covers the change's bytes (actor, seq, deps, ops, time, message), so the
//! signature covers all of them; the doc id stops a change being replayed into another document.
//!
//! The author of a change is read from its Automerge actor id, which is the author's 32-byte
//! public key followed by a [`ACTOR_SUFFIX_LEN`]-byte per-installation suffix.

use automerge::{ActorId, ChangeHash};

use crate::{
    ids::DocId,
    keys::{PublicKey, SecretKey, Signature},
};

/// The domain-separation prefix of every change signature. Bump the version to change the
/// signed payload; never reuse a prefix for another payload.
pub const CHANGE_DOMAIN: &[u8] = b"twinmesh/change/v1";

/// Length of the random per-installation suffix of an actor id.
pub const ACTOR_SUFFIX_LEN: usize = 16;

/// Why a change was rejected. Every node gives the same answer for the same change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeRejection {
    /// No signature came with the change.
    #[error("change {hash} is unsigned")]
    Unsigned {
        /// The change's hash.
        hash: ChangeHash,
    },
    /// The actor id does not carry a valid public key, so nobody can be its author.
    #[error("change {hash} has actor id {actor}, which names no municipality key")]
    NoAuthor {
        /// The change's hash.
        hash: ChangeHash,
        /// The actor id found.
        actor: String,
    },
    /// The signature does not verify against the author's key for this document. This is the
    /// answer for forged and tampered changes and for changes replayed from another document.
    #[error("change {hash} has a bad signature (forged, tampered, or from another document)")]
    BadSignature {
        /// The change's hash.
        hash: ChangeHash,
    },
    /// The signature is good, but its author may not write to the document's space.
    #[error("change {hash} is by {author}, who is not a member allowed to write to this space")]
    Unauthorized {
        /// The change's hash.
        hash: ChangeHash,
        /// The author's key (hex).
        author: String,
    },
    /// The change bytes could not be parsed.
    #[error("malformed change: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
}

impl ChangeRejection {
    /// The hash of the rejected change, if it could be parsed.
    pub fn hash(&self) -> Option<ChangeHash> {
        match self {
            Self::Unsigned { hash }
            | Self::NoAuthor { hash, .. }
            | Self::BadSignature { hash }
            | Self::Unauthorized { hash, .. } => Some(*hash),
            Self::Malformed { .. } => None,
        }
    }
}

/// Builds the actor id for a municipality key and an installation suffix.
pub fn actor_id(key: &PublicKey, suffix: [u8; ACTOR_SUFFIX_LEN]) -> ActorId {
    let mut bytes = Vec::with_capacity(32 + ACTOR_SUFFIX_LEN);
    bytes.extend_from_slice(&key.to_bytes());
    bytes.extend_from_slice(&suffix);
    ActorId::from(bytes)
}

/// Reads the author's public key out of an actor id, or `None` if the actor id is not of the
/// Twinmesh form (wrong length, or not a valid, non-weak curve point).
pub fn author_of(actor: &ActorId) -> Option<PublicKey> {
    let bytes = actor.to_bytes();
    if bytes.len() != 32 + ACTOR_SUFFIX_LEN {
        return None;
    }
    let key = PublicKey::from_bytes(&bytes[..32]).ok()?;
    if key.inner().is_weak() {
        return None;
    }
    Some(key)
}

/// The exact bytes that are signed for a change.
pub fn signing_payload(doc: &DocId, hash: &ChangeHash) -> [u8; CHANGE_DOMAIN.len() + 16 + 32] {
    let mut out = [0u8; CHANGE_DOMAIN.len() + 16 + 32];
    out[..CHANGE_DOMAIN.len()].copy_from_slice(CHANGE_DOMAIN);
    out[CHANGE_DOMAIN.len()..CHANGE_DOMAIN.len() + 16].copy_from_slice(doc.as_bytes());
    out[CHANGE_DOMAIN.len() + 16..].copy_from_slice(&hash.0);
    out
}

/// Signs a change of `doc`.
pub fn sign_change(key: &SecretKey, doc: &DocId, hash: &ChangeHash) -> Signature {
    key.sign(&signing_payload(doc, hash))
}

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
struct Pending {
    key: [u8; 32],
    payload: [u8; CHANGE_DOMAIN.len() + 16 + 32],
    sig: [u8; 64],
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
const PARALLEL_FROM: usize = 512;

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

/// The random coefficients of a batch check, derived from the batch itself (as ed25519-dalek's
/// own batch verification does): SHA-512 in counter mode, keyed by a hash of every item. The
/// signatures are fixed before the coefficients are known, so a forger cannot choose them to
/// cancel out; and the protocol crate stays free of I/O and ambient randomness.
struct Coefficients {
    seed: [u8; 64],
    counter: u64,
    buf: [u8; 64],
    used: usize,
}

impl Coefficients {
    fn for_batch(items: &[Pending]) -> Self {
        use sha2::Digest;
        let mut h = sha2::Sha512::new();
        h.update(b"twinmesh/batch-coefficients/v1");
        for p in items {
            h.update(p.key);
            h.update(p.payload);
            h.update(p.sig);
        }
        Self { seed: h.finalize().into(), counter: 0, buf: [0; 64], used: 64 }
    }

    fn next_byte(&mut self) -> u8 {
        use sha2::Digest;
        if self.used == 64 {
            let mut h = sha2::Sha512::new();
            h.update(self.seed);
            h.update(self.counter.to_le_bytes());
            self.buf = h.finalize().into();
            self.counter += 1;
            self.used = 0;
        }
        self.used += 1;
        self.buf[self.used - 1]
    }
}

impl rand_core::TryRng for Coefficients {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for d in dst {
            *d = self.next_byte();
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Coefficients {}

/// True if the signature's `R` decodes to a point of small order, which strict verification
/// rejects and batch verification might not.
///
/// Compares `R` with the complete list of encodings of small-order points instead of
/// decompressing it (a field square root, about as costly as the batch check of one signature).
/// An `R` that is not a point at all is not caught here: batch verification fails on it, and the
/// one-by-one strict check that follows names the change, so the answer is the same.
fn has_small_order_r(sig: &Signature) -> bool {
    small_order_encodings().iter().any(|e| e[..] == sig.0[..32])
}

/// Every 32-byte string that curve25519-dalek decompresses to a point of small order.
///
/// The small-order points are the eight torsion points. An encoding is the y coordinate as a
/// 255-bit little-endian number (decompression reduces it mod p, so `y + p` also decodes when it
/// fits in 255 bits, i.e. when y < 19) plus the sign bit of x. So the candidates are `y` and
/// `y + p`, each with both sign bits; the list keeps those that decompress to a small-order
/// point, using the library's own decompression.
fn small_order_encodings() -> &'static [[u8; 32]] {
    static LIST: std::sync::OnceLock<Vec<[u8; 32]>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        use curve25519_dalek::edwards::CompressedEdwardsY;
        // p = 2^255 - 19, little-endian.
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        let mut out: Vec<[u8; 32]> = Vec::new();
        for point in curve25519_dalek::constants::EIGHT_TORSION {
            let mut y = point.compress().to_bytes();
            y[31] &= 0x7f;
            let mut candidates = vec![y];
            // y + p, when it fits in 255 bits.
            let mut sum = [0u8; 32];
            let mut carry = 0u16;
            for i in 0..32 {
                let v = u16::from(y[i]) + u16::from(p[i]) + carry;
                sum[i] = v as u8;
                carry = v >> 8;
            }
            if carry == 0 && sum[31] & 0x80 == 0 {
                candidates.push(sum);
            }
            for c in candidates {
                for sign in [0u8, 0x80] {
                    let mut e = c;
                    e[31] |= sign;
                    let small = CompressedEdwardsY(e).decompress().is_some_and(|pt| pt.is_small_order());
                    if small && !out.contains(&e) {
                        out.push(e);
                    }
                }
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SecretKey {
        SecretKey::from_bytes([n; 32])
    }

    #[test]
    fn sign_verify_round_trip_and_domain_binding() {
        let k = key(1);
        let doc = DocId::from_bytes([1; 16]);
        let hash = ChangeHash([2; 32]);
        let sig = sign_change(&k, &doc, &hash);
        assert!(verify_change(&k.public(), &doc, &hash, &sig).is_ok());
        // Tampered change: another hash.
        assert!(verify_change(&k.public(), &doc, &ChangeHash([3; 32]), &sig).is_err());
        // Replayed into another document.
        assert!(verify_change(&k.public(), &DocId::from_bytes([9; 16]), &hash, &sig).is_err());
        // Forged: signed by someone else.
        assert!(verify_change(&key(2).public(), &doc, &hash, &sig).is_err());
        // A signature over the raw hash without the domain prefix does not count.
        let raw = k.sign(&hash.0);
        assert!(verify_change(&k.public(), &doc, &hash, &raw).is_err());
    }

    #[test]
    fn actor_id_names_the_author() {
        let k = key(4).public();
        let actor = actor_id(&k, [7; ACTOR_SUFFIX_LEN]);
        assert_eq!(author_of(&actor), Some(k));
        assert_eq!(author_of(&ActorId::from(vec![1, 2, 3])), None);
    }

    #[test]
    fn batch_names_each_bad_change() {
        let doc = DocId::from_bytes([5; 16]);
        let good = key(1);
        let actor_good = actor_id(&good.public(), [0; ACTOR_SUFFIX_LEN]);
        let actor_junk = ActorId::from(vec![0xaa; 8]);
        let h: Vec<ChangeHash> = (0..5).map(|i| ChangeHash([i; 32])).collect();
        let changes = vec![
            ChangeToVerify {
                hash: h[0],
                actor: &actor_good,
                signature: Some(sign_change(&good, &doc, &h[0])),
            },
            // Tampered: signature of another change.
            ChangeToVerify {
                hash: h[1],
                actor: &actor_good,
                signature: Some(sign_change(&good, &doc, &h[0])),
            },
            ChangeToVerify { hash: h[2], actor: &actor_good, signature: None },
            ChangeToVerify {
                hash: h[3],
                actor: &actor_junk,
                signature: Some(sign_change(&good, &doc, &h[3])),
            },
            ChangeToVerify {
                hash: h[4],
                actor: &actor_good,
                signature: Some(sign_change(&good, &doc, &h[4])),
            },
        ];
        let res = verify_batch(&doc, &changes);
        assert_eq!(res[0], Ok(good.public()));
        assert_eq!(res[1], Err(ChangeRejection::BadSignature { hash: h[1] }));
        assert_eq!(res[2], Err(ChangeRejection::Unsigned { hash: h[2] }));
        assert!(matches!(res[3], Err(ChangeRejection::NoAuthor { .. })));
        assert_eq!(res[4], Ok(good.public()));
    }

    /// A batch large enough to be split across threads still names a bad change in any part,
    /// including the first (checked on the calling thread) and the last.
    #[test]
    fn a_large_batch_split_across_threads_names_a_bad_change_in_any_part() {
        let doc = DocId::from_bytes([6; 16]);
        let k = key(3);
        let actor = actor_id(&k.public(), [0; ACTOR_SUFFIX_LEN]);
        let n = PARALLEL_FROM * 2 + 3;
        let hashes: Vec<ChangeHash> = (0..n).map(|i| ChangeHash(distinct_hash(i as u32))).collect();
        let sigs: Vec<Signature> = hashes.iter().map(|h| sign_change(&k, &doc, h)).collect();
        let all_good: Vec<ChangeToVerify<'_>> = hashes
            .iter()
            .zip(&sigs)
            .map(|(h, s)| ChangeToVerify { hash: *h, actor: &actor, signature: Some(*s) })
            .collect();
        assert!(verify_batch(&doc, &all_good).iter().all(|r| r == &Ok(k.public())));
        for bad in [0, n / 2, n - 1] {
            let mut changes = all_good.clone();
            // Tampered: the signature of another change.
            changes[bad].signature = Some(sigs[(bad + 1) % n]);
            let res = verify_batch(&doc, &changes);
            for (i, r) in res.iter().enumerate() {
                if i == bad {
                    assert_eq!(r, &Err(ChangeRejection::BadSignature { hash: hashes[i] }));
                } else {
                    assert_eq!(r, &Ok(k.public()), "change {i} with a bad one at {bad}");
                }
            }
        }
    }

    /// A signature made by the key's holder with a torsion component in `R`: the single strict
    /// check refuses it, and a cofactorless batch check accepts it or not depending on its
    /// random coefficients, i.e. on what else is in the batch. Every check here must give the
    /// same answer wherever the signature sits.
    fn signature_with_torsion_in_r(seed: [u8; 32], payload: &[u8]) -> Signature {
        use curve25519_dalek::{constants, scalar::Scalar};
        use sha2::Digest;
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        let a = signing.to_scalar();
        let big_a = signing.verifying_key().to_bytes();
        let r = Scalar::from_bytes_mod_order([0x11; 32]);
        let big_r = (constants::ED25519_BASEPOINT_POINT * r + constants::EIGHT_TORSION[1]).compress();
        let mut h = sha2::Sha512::new();
        h.update(big_r.as_bytes());
        h.update(big_a);
        h.update(payload);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let s = r + k * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(big_r.as_bytes());
        sig[32..].copy_from_slice(s.as_bytes());
        Signature(sig)
    }

    #[test]
    fn a_torsion_component_in_r_gets_one_answer_in_any_batch() {
        let doc = DocId::from_bytes([8; 16]);
        let seed = [9u8; 32];
        let k = SecretKey::from_bytes(seed);
        let actor = actor_id(&k.public(), [0; ACTOR_SUFFIX_LEN]);
        let odd = ChangeHash([0xab; 32]);
        let odd_sig = signature_with_torsion_in_r(seed, &signing_payload(&doc, &odd));
        // The case is real: strict single verification refuses this signature.
        assert!(k.public().verify(&signing_payload(&doc, &odd), &odd_sig).is_err());
        let alone = verify_change(&k.public(), &doc, &odd, &odd_sig).is_ok();
        // Under the cofactored (ZIP-215) equation a torsion component is harmless: only the key's
        // holder can make such a signature, and it signs what the holder meant.
        assert!(alone);
        let n = PARALLEL_FROM + 40;
        let hashes: Vec<ChangeHash> = (0..n).map(|i| ChangeHash(distinct_hash(i as u32))).collect();
        let sigs: Vec<Signature> = hashes.iter().map(|h| sign_change(&k, &doc, h)).collect();
        let good: Vec<ChangeToVerify<'_>> = hashes
            .iter()
            .zip(&sigs)
            .map(|(h, s)| ChangeToVerify { hash: *h, actor: &actor, signature: Some(*s) })
            .collect();
        let odd_change = ChangeToVerify { hash: odd, actor: &actor, signature: Some(odd_sig) };
        for (size, at) in [(0, 0), (1, 0), (1, 1), (7, 3), (n, 0), (n, n / 2), (n, n)] {
            let mut batch: Vec<ChangeToVerify<'_>> = good[..size].to_vec();
            batch.insert(at, odd_change.clone());
            let res = verify_batch(&doc, &batch);
            assert_eq!(res[at].is_ok(), alone, "batch of {} with it at {at}", size + 1);
            assert!(res.iter().all(Result::is_ok));
        }
    }

    /// A key of small order would let anyone sign for it under the cofactored equation: it is
    /// refused alone, and in a batch it names no author.
    #[test]
    fn a_weak_author_key_is_refused() {
        use curve25519_dalek::{constants, scalar::Scalar};
        let doc = DocId::from_bytes([8; 16]);
        let weak =
            PublicKey::from_bytes(&constants::EIGHT_TORSION[2].compress().to_bytes()).expect("decodes");
        let actor = actor_id(&weak, [0; ACTOR_SUFFIX_LEN]);
        // R = sB: satisfies 8(sB - R - kA) = 0 for any message, since 8A = 0.
        let s = Scalar::from_bytes_mod_order([5; 32]);
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice((constants::ED25519_BASEPOINT_POINT * s).compress().as_bytes());
        sig[32..].copy_from_slice(s.as_bytes());
        let sig = Signature(sig);
        let hash = ChangeHash([1; 32]);
        assert!(verify_change(&weak, &doc, &hash, &sig).is_err());
        let good_key = key(4);
        let good_actor = actor_id(&good_key.public(), [0; ACTOR_SUFFIX_LEN]);
        let h2 = ChangeHash([2; 32]);
        let res = verify_batch(
            &doc,
            &[
                ChangeToVerify { hash, actor: &actor, signature: Some(sig) },
                ChangeToVerify {
                    hash: h2,
                    actor: &good_actor,
                    signature: Some(sign_change(&good_key, &doc, &h2)),
                },
            ],
        );
        assert!(matches!(res[0], Err(ChangeRejection::NoAuthor { .. })), "{:?}", res[0]);
        assert_eq!(res[1], Ok(good_key.public()));
    }

    /// 32 distinct bytes for `i` (the hashes only need to differ).
    fn distinct_hash(i: u32) -> [u8; 32] {
        let mut h = [0x5a; 32];
        h[..4].copy_from_slice(&i.to_le_bytes());
        h
    }

    /// The encoding list gives the same answer as decompressing `R`, for every encoding of a
    /// small-order point (canonical or not, both sign bits) and for points of large order.
    #[test]
    fn small_order_list_matches_decompression() {
        use curve25519_dalek::edwards::CompressedEdwardsY;
        let list = small_order_encodings();
        // The 14 encodings known from "Taming the many EdDSAs" (Chalkias et al., 2020).
        assert_eq!(list.len(), 14, "{list:?}");
        for e in list {
            assert!(CompressedEdwardsY(*e).decompress().is_some_and(|p| p.is_small_order()));
        }
        // Every 255-bit value below 64 and from 2^255 - 64 up (where y = 0, 1, -1 and the
        // non-canonical encodings p, p + 1 live), with both sign bits.
        let mut checked = 0;
        for low in 0u8..64 {
            for high in [false, true] {
                for sign in [0u8, 0x80] {
                    let mut e = if high { [0xffu8; 32] } else { [0u8; 32] };
                    if high {
                        e[0] = 0xc0 + low;
                        e[31] = 0x7f;
                    } else {
                        e[0] = low;
                    }
                    e[31] |= sign;
                    let by_decompression =
                        CompressedEdwardsY(e).decompress().is_some_and(|p| p.is_small_order());
                    let mut sig = Signature([0; 64]);
                    sig.0[..32].copy_from_slice(&e);
                    assert_eq!(has_small_order_r(&sig), by_decompression, "{e:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 256);
        // Large-order points (real signatures' R values) are not in the list.
        for n in 1..50u8 {
            let sig = sign_change(&key(n), &DocId::from_bytes([n; 16]), &ChangeHash([n; 32]));
            assert!(!has_small_order_r(&sig));
        }
    }

    #[test]
    fn r_that_is_not_a_point_is_rejected_alone_and_in_a_batch() {
        let k = key(1);
        let doc = DocId::from_bytes([1; 16]);
        let hash = ChangeHash([2; 32]);
        let mut sig = sign_change(&k, &doc, &hash);
        // Find a y that is not on the curve.
        let mut y = 2u8;
        loop {
            let mut r = [0u8; 32];
            r[0] = y;
            if curve25519_dalek::edwards::CompressedEdwardsY(r).decompress().is_none() {
                sig.0[..32].copy_from_slice(&r);
                break;
            }
            y += 1;
        }
        assert!(verify_change(&k.public(), &doc, &hash, &sig).is_err());
        let actor = actor_id(&k.public(), [0; ACTOR_SUFFIX_LEN]);
        let good = sign_change(&k, &doc, &ChangeHash([3; 32]));
        let res = verify_batch(
            &doc,
            &[
                ChangeToVerify { hash, actor: &actor, signature: Some(sig) },
                ChangeToVerify { hash: ChangeHash([3; 32]), actor: &actor, signature: Some(good) },
            ],
        );
        assert_eq!(res[0], Err(ChangeRejection::BadSignature { hash }));
        assert_eq!(res[1], Ok(k.public()));
    }

    #[test]
    fn small_order_r_is_rejected() {
        let k = key(1);
        let doc = DocId::from_bytes([1; 16]);
        let hash = ChangeHash([2; 32]);
        let mut sig = sign_change(&k, &doc, &hash);
        // The identity point (y = 1) has small order.
        sig.0[..32].copy_from_slice(&{
            let mut r = [0u8; 32];
            r[0] = 1;
            r
        });
        assert!(verify_change(&k.public(), &doc, &hash, &sig).is_err());
        let actor = actor_id(&k.public(), [0; ACTOR_SUFFIX_LEN]);
        let res = verify_batch(&doc, &[ChangeToVerify { hash, actor: &actor, signature: Some(sig) }]);
        assert!(res[0].is_err());
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_bit_flip_in_hash_or_signature_is_rejected(
            seed in any::<[u8; 32]>(),
            doc in any::<[u8; 16]>(),
            hash in any::<[u8; 32]>(),
            flip in 0usize..(96 * 8),
        ) {
            let k = SecretKey::from_bytes(seed);
            let doc = DocId::from_bytes(doc);
            let hash = ChangeHash(hash);
            let mut sig = sign_change(&k, &doc, &hash);
            let mut h = hash;
            if flip < 32 * 8 {
                h.0[flip / 8] ^= 1 << (flip % 8);
            } else {
                let f = flip - 32 * 8;
                sig.0[f / 8] ^= 1 << (f % 8);
            }
            prop_assert!(verify_change(&k.public(), &doc, &h, &sig).is_err());
        }
    }
}
