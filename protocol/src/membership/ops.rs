//! Membership operations: what an operation does ([`OpBody`], with the [`Role`]s and
//! [`DocCutoff`]s it names), the operation itself ([`MemberOp`]) and its signed form
//! ([`SignedOp`]), whose hash is the operation's id.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::OP_DOMAIN;
use crate::{
    ids::{DocId, SpaceId},
    keys::{PublicKey, SecretKey, Signature},
    time::Timestamp,
};

/// What a member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads only.
    Viewer,
    /// Reads and writes documents.
    Editor,
    /// Writes documents and changes membership.
    Admin,
}

impl Role {
    /// True if the role may write documents.
    pub fn can_write(self) -> bool {
        matches!(self, Self::Editor | Self::Admin)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        })
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Ok(Self::Viewer),
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            _ => Err(format!("'{s}' is not a role: use viewer, editor or admin")),
        }
    }
}

/// The highest change sequence number of each of a member's actors in one document that stay
/// valid after the member lost the right to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocCutoff {
    /// The document.
    pub doc: DocId,
    /// (actor id bytes, highest valid seq).
    pub actors: Vec<(Vec<u8>, u64)>,
}

/// What an operation does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpBody {
    /// Add a municipality with a role.
    Add {
        /// Its key.
        member: PublicKey,
        /// Its display name.
        name: String,
        /// Its role.
        role: Role,
    },
    /// Change a member's role. A demotion to viewer carries the cutoff of its writes.
    SetRole {
        /// The member.
        member: PublicKey,
        /// The new role.
        role: Role,
        /// Writes up to here stay valid (used when the new role cannot write).
        cutoff: Vec<DocCutoff>,
    },
    /// Remove a member (or leave, when the author is the member).
    Remove {
        /// The member.
        member: PublicKey,
        /// Writes up to here stay valid.
        cutoff: Vec<DocCutoff>,
    },
}

/// An operation before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberOp {
    /// The space.
    pub space: SpaceId,
    /// Who makes it.
    pub author: PublicKey,
    /// Hashes of the operations its author had seen (the heads of its log).
    pub parents: Vec<[u8; 32]>,
    /// When (the author's clock; informational only, never used for ordering).
    pub time: Timestamp,
    /// What it does.
    pub body: OpBody,
}

/// A signed membership operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOp {
    /// The operation.
    pub op: MemberOp,
    /// The author's signature over `OP_DOMAIN ‖ postcard(op)`.
    pub signature: Signature,
}

fn op_bytes(op: &MemberOp) -> Vec<u8> {
    let mut out = OP_DOMAIN.to_vec();
    out.extend(postcard::to_stdvec(op).unwrap_or_default());
    out
}

impl SignedOp {
    /// Signs an operation.
    pub fn sign(key: &SecretKey, op: MemberOp) -> Self {
        let signature = key.sign(&op_bytes(&op));
        Self { op, signature }
    }

    /// The operation's id.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(op_bytes(&self.op)).into()
    }

    /// True if the author signed it.
    pub fn verify(&self) -> bool {
        self.op.author.verify(&op_bytes(&self.op), &self.signature).is_ok()
    }
}
