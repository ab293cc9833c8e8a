//! The coefficients of a batch check ([`Coefficients`]), derived from the batch itself: no I/O and
//! no ambient randomness in the protocol crate.

use super::verify::Pending;

/// The random coefficients of a batch check, derived from the batch itself (as ed25519-dalek's
/// own batch verification does): SHA-512 in counter mode, keyed by a hash of every item. The
/// signatures are fixed before the coefficients are known, so a forger cannot choose them to
/// cancel out; and the protocol crate stays free of I/O and ambient randomness.
pub(super) struct Coefficients {
    seed: [u8; 64],
    counter: u64,
    buf: [u8; 64],
    used: usize,
}

impl Coefficients {
    pub(super) fn for_batch(items: &[Pending]) -> Self {
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
