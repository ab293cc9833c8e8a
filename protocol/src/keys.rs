//! A municipality's key pair.
//!
//! One ed25519 key per node. The same 32 secret bytes are the node's libp2p identity, so a
//! connection that Noise authenticated is already an authenticated municipality.

use std::{fmt, str::FromStr};

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Why bytes or text are not a valid public key or signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not 32 bytes, or not a valid point on the curve.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// Not 64 hex characters.
    #[error("invalid public key text '{0}': expected 64 hex characters")]
    InvalidHex(String),
}

/// The secret half of a municipality's key. Its `Debug` output never shows the secret, and the
/// secret is zeroized on drop.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// Builds a key from its 32 secret bytes (as stored in the data dir).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&bytes))
    }

    /// The 32 secret bytes, for writing the key file. Handle with care.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `msg` as is. Prefer the domain-separated helpers in [`crate::signed`] and
    /// [`crate::space`].
    pub fn sign(&self, msg: &[u8]) -> Signature {
        Signature(self.0.sign(msg).to_bytes())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public: {})", self.public().fmt_short())
    }
}

/// A municipality's public key: its identity in every signed record.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses 32 bytes, rejecting invalid curve points.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::InvalidPublicKey)?;
        VerifyingKey::from_bytes(&arr).map(Self).map_err(|_| KeyError::InvalidPublicKey)
    }

    /// The 32 public key bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The first 10 hex characters, for logs.
    pub fn fmt_short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(10);
        s
    }

    /// Verifies a signature with the strict rules (no malleable signatures, no weak keys).
    pub fn verify(&self, msg: &[u8], sig: &Signature) -> Result<(), SignatureInvalid> {
        let sig = ed25519_dalek::Signature::from_bytes(&sig.0);
        self.0.verify_strict(msg, &sig).map_err(|_| SignatureInvalid)
    }

    pub(crate) fn inner(&self) -> &VerifyingKey {
        &self.0
    }
}

/// A signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("signature does not verify")]
pub struct SignatureInvalid;

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fmt_short())
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() != 64 || !s.is_ascii() {
            return Err(KeyError::InvalidHex(s.to_string()));
        }
        let mut bytes = [0u8; 32];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(chunk).map_err(|_| KeyError::InvalidHex(s.to_string()))?;
            bytes[i] = u8::from_str_radix(hex, 16).map_err(|_| KeyError::InvalidHex(s.to_string()))?;
        }
        Self::from_bytes(&bytes)
    }
}

/// Hex text in human-readable formats such as JSON; raw bytes otherwise.
impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.collect_str(self) } else { self.to_bytes().serialize(s) }
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            return text.parse().map_err(serde::de::Error::custom);
        }
        let bytes = <[u8; 32]>::deserialize(d)?;
        Self::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

/// An ed25519 signature (64 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; 64]);

impl Signature {
    /// Parses 64 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 64]>::try_from(bytes).ok().map(Self)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({:02x}{:02x}{:02x}{:02x}..)", self.0[0], self.0[1], self.0[2], self.0[3])
    }
}

impl Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Signature;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("64 signature bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Signature, E> {
                Signature::from_slice(v).ok_or_else(|| E::invalid_length(v.len(), &self))
            }
        }
        d.deserialize_bytes(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let key = SecretKey::from_bytes([0x42; 32]);
        let dbg = format!("{key:?}");
        assert!(!dbg.contains("4242"), "{dbg}");
        assert!(dbg.contains(&key.public().fmt_short()));
    }

    #[test]
    fn public_key_text_round_trip() {
        let key = SecretKey::from_bytes([3; 32]).public();
        assert_eq!(key.to_string().parse::<PublicKey>(), Ok(key));
        assert!("zz".parse::<PublicKey>().is_err());
    }

    #[test]
    fn signature_serde_round_trip() {
        let key = SecretKey::from_bytes([5; 32]);
        let sig = key.sign(b"hello");
        let bytes = postcard::to_stdvec(&sig).expect("serialize");
        let back: Signature = postcard::from_bytes(&bytes).expect("deserialize");
        assert_eq!(sig, back);
        assert!(key.public().verify(b"hello", &back).is_ok());
        assert!(key.public().verify(b"hellO", &back).is_err());
    }
}
