//! Unit tests of signing and verification: domain binding, actor ids, batches that name each bad
//! change, torsion components, weak keys, small-order and malformed `R`.

use super::*;
use super::{
    small_order::{has_small_order_r, small_order_encodings},
    verify::PARALLEL_FROM,
};

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
        ChangeToVerify { hash: h[0], actor: &actor_good, signature: Some(sign_change(&good, &doc, &h[0])) },
        // Tampered: signature of another change.
        ChangeToVerify { hash: h[1], actor: &actor_good, signature: Some(sign_change(&good, &doc, &h[0])) },
        ChangeToVerify { hash: h[2], actor: &actor_good, signature: None },
        ChangeToVerify { hash: h[3], actor: &actor_junk, signature: Some(sign_change(&good, &doc, &h[3])) },
        ChangeToVerify { hash: h[4], actor: &actor_good, signature: Some(sign_change(&good, &doc, &h[4])) },
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
    let weak = PublicKey::from_bytes(&constants::EIGHT_TORSION[2].compress().to_bytes()).expect("decodes");
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
                let by_decompression = CompressedEdwardsY(e).decompress().is_some_and(|p| p.is_small_order());
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
