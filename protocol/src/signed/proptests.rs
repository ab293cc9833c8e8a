//! Property tests of change signatures: any altered bit of the hash or the signature is refused.

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
