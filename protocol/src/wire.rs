//! Messages between nodes on the sync protocol [`SYNC_PROTOCOL`].
//!
//! Each request and response is one frame: a 4-byte big-endian length, then the body: the
//! postcard encoding of [`Request`] or [`Response`] as the negotiated [`Version`] carries it
//! ([`Request::to_wire`], [`Request::from_wire`]), preceded on version 3 and later by a tag byte
//! that says whether it is compressed. A frame larger than [`MAX_MESSAGE_BYTES`] is refused
//! before it is read. Bump the protocol name's version for any incompatible change.
//!
//! The versions differ in one message only, besides framing: version 4's [`DocSync`] carries one
//! signature per change chunk, in chunk order, where versions 1 to 3 carry a
//! `(change hash, signature)` pair per change. In memory a [`DocSync`] holds either form
//! ([`ChunkSignatures`]): a node builds the hashed form with exactly one pair per chunk, in chunk
//! order, which every version can send (version 4 drops the hashes), and a receiver pairs each
//! chunk with its signature by hash or by position.

use std::convert::Infallible;

use serde::{Deserialize, Serialize};

use crate::{
    ids::{DocId, SpaceId},
    keys::Signature,
    schema::DocKind,
    space::{Municipality, SignedSpace},
};

/// The libp2p protocol name of document sync, version 4 (preferred): version 3's messages and
/// framing, except that a [`DocSync`] carries one signature per change chunk of its message, in
/// chunk order, and no change hashes (the receiver parses every chunk and computes its hash
/// anyway). A message whose signature count differs from its chunk count is refused whole.
pub const SYNC_PROTOCOL: &str = "/twinmesh/sync/4";

/// The libp2p protocol name of document sync, version 3, still answered and dialled: version
/// 2's messages, and each frame's body starts with one byte that says how the rest is encoded:
/// [`FRAME_PLAIN`] (the postcard encoding) or [`FRAME_DEFLATE`] (the postcard encoding compressed
/// with raw DEFLATE, RFC 1951). A compressed body must inflate to at most [`MAX_MESSAGE_BYTES`]
/// and to at most 32 times its own size plus 1 MiB; a receiver stops inflating there and refuses
/// the frame. Version 4 frames the same way.
pub const SYNC_PROTOCOL_V3: &str = "/twinmesh/sync/3";

/// The libp2p protocol name of document sync, version 2, still answered: version 1's messages
/// plus whole-document transfer for a first sync ([`Request::Fetch`], [`Request::Snapshot`],
/// [`Response::Snapshot`], [`Response::Installed`]); frames are plain postcard.
pub const SYNC_PROTOCOL_V2: &str = "/twinmesh/sync/2";

/// Version 3 and 4 frame tag: the body is the postcard encoding.
pub const FRAME_PLAIN: u8 = 0;

/// Version 3 and 4 frame tag: the body is the postcard encoding compressed with raw DEFLATE.
pub const FRAME_DEFLATE: u8 = 1;

/// The libp2p protocol name of document sync, version 1, still answered. Its messages are the
/// variants of [`Request`] and [`Response`] that [`is_v1_request`] / [`is_v1_response`] accept,
/// with the same encoding (postcard numbers enum variants in order, and version 2 only appends).
pub const SYNC_PROTOCOL_V1: &str = "/twinmesh/sync/1";

/// A version of the sync protocol, as named by the protocol a stream negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// [`SYNC_PROTOCOL_V1`].
    V1,
    /// [`SYNC_PROTOCOL_V2`].
    V2,
    /// [`SYNC_PROTOCOL_V3`].
    V3,
    /// [`SYNC_PROTOCOL`].
    V4,
}

impl Version {
    /// Every version a node speaks, preferred (newest) first: the order to offer them in.
    pub const ALL: [Version; 4] = [Version::V4, Version::V3, Version::V2, Version::V1];

    /// The version a protocol name stands for, if it is one of ours.
    pub fn from_protocol(name: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.protocol() == name)
    }

    /// The libp2p protocol name.
    pub fn protocol(self) -> &'static str {
        match self {
            Version::V1 => SYNC_PROTOCOL_V1,
            Version::V2 => SYNC_PROTOCOL_V2,
            Version::V3 => SYNC_PROTOCOL_V3,
            Version::V4 => SYNC_PROTOCOL,
        }
    }

    /// True if a frame's body starts with a tag byte ([`FRAME_PLAIN`], [`FRAME_DEFLATE`]):
    /// version 3 and later.
    pub fn tagged_frames(self) -> bool {
        self >= Version::V3
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.protocol())
    }
}

/// True if `req` exists in `/twinmesh/sync/1`.
pub fn is_v1_request(req: &Request) -> bool {
    matches!(req, Request::Hello { .. } | Request::Sync(_) | Request::Join { .. })
}

/// True if `res` exists in `/twinmesh/sync/1`.
pub fn is_v1_response(res: &Response) -> bool {
    matches!(res, Response::Hello { .. } | Response::Sync(_) | Response::Joined { .. } | Response::Refused(_))
}

/// Largest frame accepted. A sync round carries the changes the other side lacks; the whole
/// automerge-paper trace (259,778 edits) is about 25 MiB of change chunks, so 64 MiB lets a
/// first sync of a very large document through in one round while bounding what a peer can
/// make us buffer.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Most documents listed in one space summary.
pub const MAX_DOCS_PER_SPACE: usize = 100_000;

/// The gossipsub topic on which new heads of a space's documents are announced.
pub fn space_topic(space: &SpaceId) -> String {
    format!("twinmesh/space/v1/{space}")
}

/// What a node holds of one space, sent to a member of that space only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpaceSummary {
    /// The space's genesis record.
    pub space: SignedSpace,
    /// The space's membership log.
    pub log: Vec<crate::membership::SignedOp>,
    /// Every document: id, kind and a digest of its heads.
    pub docs: Vec<DocSummary>,
}

/// One document in a [`SpaceSummary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSummary {
    /// The document.
    pub doc: DocId,
    /// Its kind.
    pub kind: DocKind,
    /// SHA-256 of its sorted heads: equal digests mean equal documents.
    pub heads_digest: [u8; 32],
}

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

/// One round of Automerge sync for one document, with a signature for every change it carries.
///
/// `S` is how the signatures are held: [`ChunkSignatures`] in memory; on the wire,
/// `Vec<`[`HashedSignature`]`>` on versions 1 to 3 and `Vec<`[`Signature`]`>` on version 4 (the
/// only difference between their encodings).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocSync<S = ChunkSignatures> {
    /// The space the document belongs to.
    pub space: SpaceId,
    /// The document.
    pub doc: DocId,
    /// Its kind (so a node that lacks the document can create it).
    pub kind: DocKind,
    /// An encoded Automerge sync message, or `None` when this side has nothing more to say.
    pub message: Option<Vec<u8>>,
    /// The signature of each change in `message`.
    pub signatures: S,
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

/// A whole document for a partner that holds none of it: the compact saved form and one
/// signature per change (version 2).
///
/// The change hashes are not sent: the receiver loads `saved`, lists the hashes of every change
/// it contains, sorts them, and pairs them in that order with `signatures`. A count that differs,
/// or any signature or author that does not check, refuses the whole snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocSnapshot {
    /// The space the document belongs to.
    pub space: SpaceId,
    /// The document.
    pub doc: DocId,
    /// Its kind.
    pub kind: DocKind,
    /// Automerge's saved form of the document (a document chunk, possibly followed by change
    /// chunks): what `Automerge::load` accepts.
    pub saved: Vec<u8>,
    /// One signature per change in `saved`, in ascending order of change hash.
    pub signatures: Vec<Signature>,
}

impl DocSnapshot {
    /// Encoded size of a snapshot with `saved_len` bytes of document and `changes` signatures,
    /// as an upper bound (ids, kind and the postcard length prefixes included).
    pub fn encoded_len_bound(saved_len: usize, changes: usize) -> usize {
        saved_len + changes * 64 + 128
    }
}

/// A request on the sync protocol. `S` is how a [`DocSync`] holds its signatures (see there).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request<S = ChunkSignatures> {
    /// "Here is who I am and what I hold of the spaces we share."
    Hello {
        /// The sender's profile.
        from: Municipality,
        /// Spaces the receiver is a member of.
        spaces: Vec<SpaceSummary>,
    },
    /// A sync round.
    Sync(DocSync<S>),
    /// Redeem an invitation ticket: "add me to this space".
    Join {
        /// The space.
        space: SpaceId,
        /// The ticket's one-time secret.
        secret: [u8; 16],
        /// The joiner's profile (its key must be the connection's).
        from: Municipality,
    },
    /// Version 2: "I hold none of this document: send it whole" (answered by
    /// [`Response::Snapshot`]).
    Fetch {
        /// The space.
        space: SpaceId,
        /// The document.
        doc: DocId,
    },
    /// Version 2: "you hold none of this document (your hello did not list it): here it is"
    /// (answered by [`Response::Installed`] or [`Response::Refused`]).
    Snapshot(DocSnapshot),
}

/// A response on the sync protocol. `S` is how a [`DocSync`] holds its signatures (see there).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Response<S = ChunkSignatures> {
    /// The receiver's own hello.
    Hello {
        /// The responder's profile.
        from: Municipality,
        /// Spaces the requester is a member of.
        spaces: Vec<SpaceSummary>,
    },
    /// The next sync round.
    Sync(DocSync<S>),
    /// The joiner was added: the space record and its log, now including the joiner.
    Joined {
        /// The space.
        space: SignedSpace,
        /// Its membership log.
        log: Vec<crate::membership::SignedOp>,
    },
    /// The request was refused.
    Refused(Refusal),
    /// Version 2: the document asked for by [`Request::Fetch`].
    Snapshot(DocSnapshot),
    /// Version 2: the snapshot of [`Request::Snapshot`] was checked and stored.
    Installed {
        /// The document.
        doc: DocId,
        /// The receiver's heads digest now.
        heads_digest: [u8; 32],
    },
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

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    /// The requester is not a member of the space.
    #[error("not a member of this space")]
    NotAMember,
    /// The document is unknown here.
    #[error("unknown document")]
    UnknownDoc,
    /// The message could not be processed.
    #[error("bad message: {0}")]
    BadMessage(String),
    /// The invitation is unknown, used, expired or does not match.
    #[error("invitation refused: {0}")]
    Invitation(String),
}

/// A gossipsub announcement: a document of a space has new heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announce {
    /// The space.
    pub space: SpaceId,
    /// The document.
    pub doc: DocId,
    /// Its kind.
    pub kind: DocKind,
    /// SHA-256 of its sorted heads.
    pub heads_digest: [u8; 32],
}

/// Largest gossip announcement accepted, in bytes.
pub const MAX_ANNOUNCE_BYTES: usize = 1024;

/// Encodes a message body (without the length prefix).
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    postcard::to_stdvec(msg).unwrap_or_default()
}

/// Decodes a message body, refusing trailing bytes.
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, String> {
    let (v, rest) = postcard::take_from_bytes::<T>(bytes).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!("{} trailing bytes", rest.len()));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;

    fn hello() -> Request {
        let founder = SecretKey::from_bytes([1; 32]);
        Request::Hello {
            from: Municipality { key: founder.public(), name: "A".into(), country: "FR".into() },
            spaces: vec![],
        }
    }

    #[test]
    fn decode_rejects_garbage_without_panicking() {
        for v in Version::ALL {
            assert!(Request::from_wire(&[0xff; 10], v).is_err());
            assert!(Request::from_wire(&[], v).is_err());
            let mut bytes = hello().to_wire(v).expect("encodes");
            assert!(Request::from_wire(&bytes, v).is_ok());
            bytes.push(0);
            assert!(Request::from_wire(&bytes, v).is_err(), "{v}: trailing byte refused");
        }
    }

    #[test]
    fn protocol_names_and_versions_match() {
        for v in Version::ALL {
            assert_eq!(Version::from_protocol(v.protocol()), Some(v));
        }
        assert_eq!(Version::from_protocol("/twinmesh/sync/5"), None);
        assert_eq!(Version::ALL[0].protocol(), SYNC_PROTOCOL, "the newest is offered first");
        assert!(!Version::V2.tagged_frames() && Version::V3.tagged_frames() && Version::V4.tagged_frames());
    }

    /// `DocSync` and `Request` as versions 1 to 3 defined them (before version 4), to check that
    /// their bytes did not change.
    mod before_v4 {
        use super::super::*;

        #[derive(Serialize)]
        pub(super) struct DocSync {
            pub(super) space: SpaceId,
            pub(super) doc: DocId,
            pub(super) kind: DocKind,
            pub(super) message: Option<Vec<u8>>,
            pub(super) signatures: Vec<([u8; 32], Signature)>,
        }

        #[derive(Serialize)]
        #[allow(dead_code)]
        pub(super) enum Request {
            Hello { from: Municipality, spaces: Vec<SpaceSummary> },
            Sync(DocSync),
            Join { space: SpaceId, secret: [u8; 16], from: Municipality },
            Fetch { space: SpaceId, doc: DocId },
            Snapshot(DocSnapshot),
        }
    }

    fn signed_pairs(n: u8) -> Vec<HashedSignature> {
        let key = SecretKey::from_bytes([2; 32]);
        (0..n).map(|i| ([i; 32], key.sign(&[i]))).collect()
    }

    fn round(signatures: ChunkSignatures) -> DocSync {
        DocSync {
            space: SpaceId::from_bytes([3; 32]),
            doc: DocId::from_bytes([4; 16]),
            kind: DocKind::Plan,
            message: Some(vec![5; 40]),
            signatures,
        }
    }

    #[test]
    fn versions_1_to_3_encode_a_round_exactly_as_before_and_version_4_drops_the_hashes() {
        let pairs = signed_pairs(3);
        let old = encode(&before_v4::Request::Sync(before_v4::DocSync {
            space: SpaceId::from_bytes([3; 32]),
            doc: DocId::from_bytes([4; 16]),
            kind: DocKind::Plan,
            message: Some(vec![5; 40]),
            signatures: pairs.clone(),
        }));
        let req = Request::Sync(round(ChunkSignatures::Hashed(pairs.clone())));
        for v in [Version::V1, Version::V2, Version::V3] {
            let bytes = req.clone().to_wire(v).expect("encodes");
            assert_eq!(bytes, old, "{v}: same bytes as before version 4");
            match Request::from_wire(&bytes, v) {
                Ok(Request::Sync(d)) => assert_eq!(d.signatures, ChunkSignatures::Hashed(pairs.clone())),
                other => panic!("{v}: {other:?}"),
            }
        }
        let v4 = req.to_wire(Version::V4).expect("encodes");
        assert_eq!(v4.len(), old.len() - 3 * 32, "the hashes are all that is dropped");
        let in_order: Vec<Signature> = pairs.iter().map(|(_, s)| *s).collect();
        match Request::from_wire(&v4, Version::V4) {
            Ok(Request::Sync(d)) => assert_eq!(d.signatures, ChunkSignatures::InOrder(in_order.clone())),
            other => panic!("v4: {other:?}"),
        }
        // What was read on version 4 goes out on version 4 unchanged, and on no earlier version.
        let read = Response::Sync(round(ChunkSignatures::InOrder(in_order)));
        assert_eq!(read.clone().to_wire(Version::V4).expect("v4").len(), v4.len());
        for v in [Version::V1, Version::V2, Version::V3] {
            assert_eq!(read.clone().to_wire(v).map(|_| ()), Err(NotSendable(v)));
        }
    }

    #[test]
    fn messages_other_than_a_round_have_the_same_bytes_in_every_version() {
        let fetch = Request::Fetch { space: SpaceId::from_bytes([1; 32]), doc: DocId::from_bytes([2; 16]) };
        let old_fetch = encode(&before_v4::Request::Fetch {
            space: SpaceId::from_bytes([1; 32]),
            doc: DocId::from_bytes([2; 16]),
        });
        for v in Version::ALL {
            assert_eq!(fetch.clone().to_wire(v).expect("fetch"), old_fetch, "{v}");
            assert_eq!(
                hello().to_wire(v).expect("hello"),
                hello().to_wire(Version::V1).expect("hello"),
                "{v}"
            );
            let refused = Response::Refused(Refusal::BadMessage("no".into()));
            assert!(matches!(
                Response::from_wire(&refused.to_wire(v).expect("refused"), v),
                Ok(Response::Refused(Refusal::BadMessage(m))) if m == "no"
            ));
        }
    }

    #[test]
    fn a_version_4_round_with_a_wrong_signature_length_does_not_decode() {
        let mut bytes = Request::Sync(round(ChunkSignatures::Hashed(signed_pairs(1))))
            .to_wire(Version::V4)
            .expect("encodes");
        // The last 65 bytes are the signature: its length prefix, then 64 bytes.
        let at = bytes.len() - 65;
        assert_eq!(bytes[at], 64);
        bytes[at] = 63;
        bytes.pop();
        assert!(Request::from_wire(&bytes, Version::V4).is_err());
    }
}
