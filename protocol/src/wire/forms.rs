//! The forms of a round's signatures ([`ChunkSignatures`]: hashed pairs on versions 1 to 3,
//! signatures in chunk order on version 4, signatures of some chunks named by position on
//! version 5, and what a node builds before it knows the version), the forms of a snapshot's
//! signatures ([`SnapshotSignatures`]), and the conversion of a [`Request`] or [`Response`] to
//! and from the wire form of a version (`to_wire`, `from_wire`).

use std::convert::Infallible;

use serde::{Deserialize, Serialize};

use super::{DocSync, Request, Response, Version, decode, encode};
use crate::keys::Signature;

/// `(change hash, signature)`: how versions 1 to 3 send the signature of one change.
pub type HashedSignature = ([u8; 32], Signature);

/// `(chunk index, signature)`: how version 5 sends the signature of one change of a round.
pub type IndexedSignature = (u32, Signature);

/// What a node knows of one change chunk of a round it builds: its hash, its stored signature
/// (none when the node keeps no signature of its own for it, see `vouch`), and whether it is
/// its author's latest change in the round (version 5 sends exactly those signatures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutgoingSignature {
    /// The change hash.
    pub hash: [u8; 32],
    /// The signature this node holds for the change.
    pub signature: Option<Signature>,
    /// True when no later change of the same author in the round builds on it.
    pub latest: bool,
}

/// The signatures of the change chunks in a [`DocSync`]'s message, in the form a version reads
/// them, or as a node builds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkSignatures {
    /// `(change hash, signature)` pairs, paired with chunks by hash: what versions 1 to 3 carry.
    Hashed(Vec<HashedSignature>),
    /// One signature per change chunk, in chunk order: what version 4 carries. Only a message
    /// read on version 4 holds this form; it cannot be sent on an earlier version.
    InOrder(Vec<Signature>),
    /// `(chunk index, signature)` for the chunks the sender signed, by increasing index: what
    /// version 5 carries. At least each author's latest change in the round is signed; the
    /// others are proven through them (see `vouch`).
    Indexed(Vec<IndexedSignature>),
    /// What a node builds, one entry per chunk in chunk order, before it knows which version
    /// the stream will speak: every version can be written from it when the node holds every
    /// signature, version 5 whenever it holds those of the latest changes.
    Outgoing(Vec<OutgoingSignature>),
}

impl Default for ChunkSignatures {
    fn default() -> Self {
        ChunkSignatures::Outgoing(Vec::new())
    }
}

impl ChunkSignatures {
    /// The version 4 form: every chunk's signature, in order.
    fn in_order(self) -> Result<Vec<Signature>, NotSendable> {
        match self {
            ChunkSignatures::Hashed(v) => Ok(v.into_iter().map(|(_, s)| s).collect()),
            ChunkSignatures::InOrder(v) => Ok(v),
            ChunkSignatures::Outgoing(v) => {
                v.into_iter().map(|o| o.signature.ok_or(NotSendable::Pruned(Version::V4))).collect()
            }
            ChunkSignatures::Indexed(_) => Err(NotSendable::NoHashes(Version::V4)),
        }
    }

    /// The form of versions 1 to 3, which needs every hash and every signature.
    fn hashed(self, version: Version) -> Result<Vec<HashedSignature>, NotSendable> {
        match self {
            ChunkSignatures::Hashed(v) => Ok(v),
            ChunkSignatures::Outgoing(v) => v
                .into_iter()
                .map(|o| o.signature.map(|s| (o.hash, s)).ok_or(NotSendable::Pruned(version)))
                .collect(),
            ChunkSignatures::InOrder(_) | ChunkSignatures::Indexed(_) => Err(NotSendable::NoHashes(version)),
        }
    }

    /// The version 5 form: the signatures of each author's latest changes in the round (those
    /// a built round marks), or every signature of a round read on an older version.
    fn indexed(self) -> Vec<IndexedSignature> {
        let all = |v: Vec<Signature>| (0u32..).zip(v).collect();
        match self {
            ChunkSignatures::Hashed(v) => all(v.into_iter().map(|(_, s)| s).collect()),
            ChunkSignatures::InOrder(v) => all(v),
            ChunkSignatures::Indexed(v) => v,
            ChunkSignatures::Outgoing(v) => (0u32..)
                .zip(v)
                .filter(|(_, o)| o.latest)
                .filter_map(|(i, o)| o.signature.map(|s| (i, s)))
                .collect(),
        }
    }
}

/// The signatures of a [`DocSnapshot`](super::DocSnapshot), in ascending order of change hash. On the wire every
/// version carries a list of signatures; what it lists differs: one per change of the document
/// (versions 2 to 4), or one per latest change of each author (version 5; see `vouch`). A
/// receiver tells the two apart by their count, and when every change is its author's latest
/// the two lists are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotSignatures {
    /// As read from the wire.
    Received(Vec<Signature>),
    /// As a node builds them before it knows the version: every change's signature if it
    /// holds them all, and those of each author's latest changes.
    Built {
        /// One per change, when this node holds them all.
        every: Option<Vec<Signature>>,
        /// One per latest change of each author.
        latest: Vec<Signature>,
    },
}

impl SnapshotSignatures {
    /// The list a version sends.
    pub(super) fn for_version(self, version: Version) -> Result<SnapshotSignatures, NotSendable> {
        Ok(SnapshotSignatures::Received(match self {
            SnapshotSignatures::Received(v) => v,
            SnapshotSignatures::Built { latest, .. } if version >= Version::V5 => latest,
            SnapshotSignatures::Built { every, .. } => every.ok_or(NotSendable::Pruned(version))?,
        }))
    }

    /// The signatures listed.
    pub fn as_slice(&self) -> &[Signature] {
        match self {
            SnapshotSignatures::Received(v) => v,
            SnapshotSignatures::Built { every: Some(v), .. } => v,
            SnapshotSignatures::Built { every: None, latest } => latest,
        }
    }
}

/// A list as read from the wire ([`SnapshotSignatures::Received`]).
impl FromIterator<Signature> for SnapshotSignatures {
    fn from_iter<I: IntoIterator<Item = Signature>>(iter: I) -> Self {
        SnapshotSignatures::Received(iter.into_iter().collect())
    }
}

impl Serialize for SnapshotSignatures {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for SnapshotSignatures {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Signature>::deserialize(d).map(SnapshotSignatures::Received)
    }
}

impl<S> DocSync<S> {
    fn try_map<T, E>(self, f: impl FnOnce(S) -> Result<T, E>) -> Result<DocSync<T>, E> {
        let DocSync { space, doc, kind, message, signatures } = self;
        Ok(DocSync { space, doc, kind, message, signatures: f(signatures)? })
    }
}

/// A message cannot be written on the version a stream negotiated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotSendable {
    /// A round read without its change hashes (versions 4 and 5) was to be sent on a version
    /// that needs them. A node never sends one: what it sends, it builds with the hashes.
    #[error("a sync round whose signatures carry no change hashes cannot be sent on {0}")]
    NoHashes(Version),
    /// The version needs a signature for every change, and this node keeps only those that
    /// vouch for the rest (docs/protocol.md, "Keeping signatures").
    #[error(
        "{0} needs a signature for every change, and this node no longer keeps some of them; \
         the partner must speak /twinmesh/sync/5"
    )]
    Pruned(Version),
}

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

    /// The same request with its [`DocSnapshot`]'s signatures (if any) as `version` sends them.
    fn snapshot_for(self, version: Version) -> Result<Self, NotSendable> {
        Ok(match self {
            Request::Snapshot(s) => Request::Snapshot(s.for_version(version)?),
            other => other,
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

    /// The same response with its [`DocSnapshot`]'s signatures (if any) as `version` sends them.
    fn snapshot_for(self, version: Version) -> Result<Self, NotSendable> {
        Ok(match self {
            Response::Snapshot(s) => Response::Snapshot(s.for_version(version)?),
            other => other,
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
            /// [`NotSendable`] for a round read without hashes on a version that needs them,
            /// and for signatures this node no longer keeps on a version that needs them all.
            pub fn to_wire(self, version: Version) -> Result<Vec<u8>, NotSendable> {
                let this = self.snapshot_for(version)?;
                Ok(match version {
                    Version::V5 => encode(&this.map(ChunkSignatures::indexed)),
                    Version::V4 => encode(&this.try_map(ChunkSignatures::in_order)?),
                    Version::V1 | Version::V2 | Version::V3 => encode(&this.try_map(|s| s.hashed(version))?),
                })
            }

            /// Decodes the body of a frame read on `version`, refusing trailing bytes.
            ///
            /// # Errors
            /// What is wrong with the bytes.
            pub fn from_wire(bytes: &[u8], version: Version) -> Result<Self, String> {
                match version {
                    Version::V5 => {
                        decode::<$ty<Vec<IndexedSignature>>>(bytes).map(|r| r.map(ChunkSignatures::Indexed))
                    }
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
