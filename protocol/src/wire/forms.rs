//! The two forms of a round's signatures ([`ChunkSignatures`]: hashed pairs on versions 1 to 3,
//! signatures in chunk order on version 4), and the conversion of a [`Request`] or [`Response`]
//! to and from the wire form of a version (`to_wire`, `from_wire`).

use std::convert::Infallible;

use super::{DocSync, Request, Response, Version, decode, encode};
use crate::keys::Signature;

/// `(change hash, signature)`: how versions 1 to 3 send the signature of one change.
pub type HashedSignature = ([u8; 32], Signature);

/// The signatures of the change chunks in a [`DocSync`]'s message, in either of the two forms
/// the versions carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkSignatures {
    /// `(change hash, signature)` pairs, paired with chunks by hash: what versions 1 to 3 carry.
    /// A node sending a round lists exactly one pair per chunk, in chunk order, so that the same
    /// message can go out on version 4, which sends the signatures alone.
    Hashed(Vec<HashedSignature>),
    /// One signature per change chunk, in chunk order: what version 4 carries. Only a message
    /// read on version 4 holds this form; it cannot be sent on an earlier version.
    InOrder(Vec<Signature>),
}

impl Default for ChunkSignatures {
    fn default() -> Self {
        ChunkSignatures::Hashed(Vec::new())
    }
}

impl ChunkSignatures {
    /// The version 4 form: the signatures alone, in the order listed.
    fn in_order(self) -> Vec<Signature> {
        match self {
            ChunkSignatures::Hashed(v) => v.into_iter().map(|(_, s)| s).collect(),
            ChunkSignatures::InOrder(v) => v,
        }
    }

    /// The form of versions 1 to 3, which needs the hashes.
    fn hashed(self, version: Version) -> Result<Vec<HashedSignature>, NotSendable> {
        match self {
            ChunkSignatures::Hashed(v) => Ok(v),
            ChunkSignatures::InOrder(_) => Err(NotSendable(version)),
        }
    }
}

impl<S> DocSync<S> {
    fn try_map<T, E>(self, f: impl FnOnce(S) -> Result<T, E>) -> Result<DocSync<T>, E> {
        let DocSync { space, doc, kind, message, signatures } = self;
        Ok(DocSync { space, doc, kind, message, signatures: f(signatures)? })
    }
}

/// A message holding signatures without their change hashes ([`ChunkSignatures::InOrder`]) was
/// to be sent on a version that needs the hashes. A node never sends one: what it sends, it
/// builds with the hashes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sync round whose signatures carry no change hashes cannot be sent on {0}")]
pub struct NotSendable(pub Version);

impl<S> Request<S> {
    /// The same request with its [`DocSync`]'s signatures (if any) converted by `f`.
    fn try_map<T, E>(self, f: impl FnOnce(S) -> Result<T, E>) -> Result<Request<T>, E> {
        Ok(match self {
            Request::Hello { from, spaces } => Request::Hello { from, spaces },
            Request::Sync(s) => Request::Sync(s.try_map(f)?),
            Request::Join { space, secret, from } => Request::Join { space, secret, from },
            Request::Fetch { space, doc } => Request::Fetch { space, doc },
            Request::Snapshot(s) => Request::Snapshot(s),
        })
    }

    fn map<T>(self, f: impl FnOnce(S) -> T) -> Request<T> {
        match self.try_map(|s| Ok::<T, Infallible>(f(s))) {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }
}

impl<S> Response<S> {
    /// The same response with its [`DocSync`]'s signatures (if any) converted by `f`.
    fn try_map<T, E>(self, f: impl FnOnce(S) -> Result<T, E>) -> Result<Response<T>, E> {
        Ok(match self {
            Response::Hello { from, spaces } => Response::Hello { from, spaces },
            Response::Sync(s) => Response::Sync(s.try_map(f)?),
            Response::Joined { space, log } => Response::Joined { space, log },
            Response::Refused(r) => Response::Refused(r),
            Response::Snapshot(s) => Response::Snapshot(s),
            Response::Installed { doc, heads_digest } => Response::Installed { doc, heads_digest },
        })
    }

    fn map<T>(self, f: impl FnOnce(S) -> T) -> Response<T> {
        match self.try_map(|s| Ok::<T, Infallible>(f(s))) {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }
}

/// `to_wire` and `from_wire` for [`Request`] and [`Response`], which differ only in the type.
macro_rules! wire_forms {
    ($ty:ident, $what:literal) => {
        impl $ty {
            #[doc = concat!("The body of a frame carrying this ", $what, " on `version` (before the")]
            /// frame's tag and compression): its postcard encoding, with a [`DocSync`]'s
            /// signatures in that version's form.
            ///
            /// # Errors
            /// [`NotSendable`] for a round holding [`ChunkSignatures::InOrder`] on a version
            /// before 4.
            pub fn to_wire(self, version: Version) -> Result<Vec<u8>, NotSendable> {
                Ok(match version {
                    Version::V4 => encode(&self.map(ChunkSignatures::in_order)),
                    Version::V1 | Version::V2 | Version::V3 => encode(&self.try_map(|s| s.hashed(version))?),
                })
            }

            /// Decodes the body of a frame read on `version`, refusing trailing bytes.
            ///
            /// # Errors
            /// What is wrong with the bytes.
            pub fn from_wire(bytes: &[u8], version: Version) -> Result<Self, String> {
                match version {
                    Version::V4 => {
                        decode::<$ty<Vec<Signature>>>(bytes).map(|r| r.map(ChunkSignatures::InOrder))
                    }
                    Version::V1 | Version::V2 | Version::V3 => {
                        decode::<$ty<Vec<HashedSignature>>>(bytes).map(|r| r.map(ChunkSignatures::Hashed))
                    }
                }
            }
        }
    };
}

wire_forms!(Request, "request");
wire_forms!(Response, "response");
