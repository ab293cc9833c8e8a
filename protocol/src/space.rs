//! Partnership spaces.
//!
//! A space is a partnership of towns. It starts with a genesis record signed by its founder;
//! the space id is the SHA-256 of `"twinmesh/space/v1" ‖ postcard(genesis)`, so an id can only
//! ever name the founder who signed it. Membership beyond the founder is added by later signed
//! records (see the membership log, built on top of this).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    ids::SpaceId,
    keys::{PublicKey, SecretKey, Signature},
    time::Timestamp,
};

/// Domain-separation prefix for space genesis signatures and ids.
pub const SPACE_DOMAIN: &[u8] = b"twinmesh/space/v1";

/// Longest accepted space name, in bytes.
pub const MAX_SPACE_NAME: usize = 200;

/// A municipality as named in signed records: its key, display name and country code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Municipality {
    /// The municipality's node key.
    pub key: PublicKey,
    /// Display name, e.g. "Poix-du-Nord".
    pub name: String,
    /// ISO 3166-1 alpha-2 country code, e.g. "FR".
    pub country: String,
}

/// The founding record of a space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceGenesis {
    /// Human name of the partnership, e.g. "Keighley – Poix-du-Nord".
    pub name: String,
    /// The founding municipality; the first admin.
    pub founder: Municipality,
    /// When the space was founded.
    pub created: Timestamp,
    /// Random bytes from the founder, so two spaces with the same name and time differ.
    pub nonce: [u8; 16],
}

/// A genesis record with the founder's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedSpace {
    /// The record.
    pub genesis: SpaceGenesis,
    /// The founder's signature over `SPACE_DOMAIN ‖ postcard(genesis)`.
    pub signature: Signature,
}

/// Why a space record is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpaceError {
    /// The signature is not the founder's.
    #[error("space record is not signed by its founder")]
    BadSignature,
    /// The name is empty or too long.
    #[error("space name must be 1 to {MAX_SPACE_NAME} bytes")]
    BadName,
    /// The record could not be decoded.
    #[error("space record is malformed: {0}")]
    Malformed(String),
}

fn genesis_bytes(genesis: &SpaceGenesis) -> Vec<u8> {
    let mut out = SPACE_DOMAIN.to_vec();
    // Serializing a plain struct of strings, keys and integers into a Vec cannot fail.
    out.extend(postcard::to_stdvec(genesis).unwrap_or_default());
    out
}

/// Checks a municipality or space display name: not blank, bounded length, no control characters.
pub fn validate_name(name: &str) -> bool {
    let t = name.trim();
    !t.is_empty() && name.len() <= MAX_SPACE_NAME && !name.chars().any(char::is_control)
}

impl SignedSpace {
    /// Founds a space. The caller passes the time and the random nonce.
    pub fn create(
        key: &SecretKey,
        name: &str,
        founder: Municipality,
        created: Timestamp,
        nonce: [u8; 16],
    ) -> Result<Self, SpaceError> {
        if !validate_name(name) {
            return Err(SpaceError::BadName);
        }
        let genesis = SpaceGenesis { name: name.trim().to_string(), founder, created, nonce };
        let signature = key.sign(&genesis_bytes(&genesis));
        Ok(Self { genesis, signature })
    }

    /// The space id: the hash of the signed-over bytes.
    pub fn id(&self) -> SpaceId {
        let digest = Sha256::digest(genesis_bytes(&self.genesis));
        SpaceId::from_bytes(digest.into())
    }

    /// Checks the founder's signature and the name; returns the space id.
    pub fn verify(&self) -> Result<SpaceId, SpaceError> {
        if !validate_name(&self.genesis.name) {
            return Err(SpaceError::BadName);
        }
        self.genesis
            .founder
            .key
            .verify(&genesis_bytes(&self.genesis), &self.signature)
            .map_err(|_| SpaceError::BadSignature)?;
        Ok(self.id())
    }

    /// Encodes the record for storage or transfer.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// Decodes and verifies a record.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SpaceError> {
        let s: Self = postcard::from_bytes(bytes).map_err(|e| SpaceError::Malformed(e.to_string()))?;
        s.verify()?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn founder(key: &SecretKey) -> Municipality {
        Municipality { key: key.public(), name: "Poix-du-Nord".into(), country: "FR".into() }
    }

    #[test]
    fn id_binds_founder_and_tampering_is_detected() {
        let key = SecretKey::from_bytes([1; 32]);
        let space =
            SignedSpace::create(&key, "Keighley – Poix-du-Nord", founder(&key), Timestamp(1), [0; 16])
                .expect("valid");
        let id = space.verify().expect("verifies");
        let back = SignedSpace::from_bytes(&space.to_bytes()).expect("round trip");
        assert_eq!(back.id(), id);

        let mut renamed = space.clone();
        renamed.genesis.name = "Keighley – Somewhere".into();
        assert_eq!(renamed.verify(), Err(SpaceError::BadSignature));

        // Someone else cannot claim to be the founder of an existing space id.
        let thief = SecretKey::from_bytes([2; 32]);
        let mut stolen = space.clone();
        stolen.genesis.founder = founder(&thief);
        stolen.signature = thief.sign(b"whatever");
        assert!(stolen.verify().is_err());
    }

    #[test]
    fn names_are_checked() {
        let key = SecretKey::from_bytes([1; 32]);
        assert!(SignedSpace::create(&key, "  ", founder(&key), Timestamp(1), [0; 16]).is_err());
        assert!(SignedSpace::create(&key, "a\u{7}b", founder(&key), Timestamp(1), [0; 16]).is_err());
        assert!(SignedSpace::create(&key, &"x".repeat(201), founder(&key), Timestamp(1), [0; 16]).is_err());
    }
}
