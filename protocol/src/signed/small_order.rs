//! The small-order `R` check: a signature whose `R` is a point of small order is refused by
//! single and batch verification alike.

use crate::keys::Signature;

/// True if the signature's `R` decodes to a point of small order, which strict verification
/// rejects and batch verification might not.
///
/// Compares `R` with the complete list of encodings of small-order points instead of
/// decompressing it (a field square root, about as costly as the batch check of one signature).
/// An `R` that is not a point at all is not caught here: batch verification fails on it, and the
/// one-by-one strict check that follows names the change, so the answer is the same.
pub(super) fn has_small_order_r(sig: &Signature) -> bool {
    small_order_encodings().iter().any(|e| e[..] == sig.0[..32])
}

/// Every 32-byte string that curve25519-dalek decompresses to a point of small order.
///
/// The small-order points are the eight torsion points. An encoding is the y coordinate as a
/// 255-bit little-endian number (decompression reduces it mod p, so `y + p` also decodes when it
/// fits in 255 bits, i.e. when y < 19) plus the sign bit of x. So the candidates are `y` and
/// `y + p`, each with both sign bits; the list keeps those that decompress to a small-order
/// point, using the library's own decompression.
pub(super) fn small_order_encodings() -> &'static [[u8; 32]] {
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
