//! The versions of the sync protocol: their libp2p protocol names, the frame tags of versions 3
//! and 4, and which messages exist in version 1.

use super::{Request, Response};

/// The libp2p protocol name of document sync, version 5 (preferred): version 4's messages and
/// framing, except which signatures travel. A [`DocSync`](super::DocSync) carries
/// `(chunk index, signature)` for at least each author's latest change in the round, and a
/// [`DocSnapshot`](super::DocSnapshot) the signatures of each author's latest changes in the
/// document; every other change is proven by a later signed change of its author that builds on
/// it (`vouch`).
pub const SYNC_PROTOCOL: &str = "/twinmesh/sync/5";

/// The libp2p protocol name of document sync, version 4, still answered and dialled: version
/// 3's messages and framing, except that a [`DocSync`](super::DocSync) carries one signature per
/// change chunk of its message, in chunk order, and no change hashes (the receiver parses every
/// chunk and computes its hash anyway). A message whose signature count differs from its chunk
/// count is refused whole.
pub const SYNC_PROTOCOL_V4: &str = "/twinmesh/sync/4";

/// The libp2p protocol name of document sync, version 3, still answered and dialled: version
/// 2's messages, and each frame's body starts with one byte that says how the rest is encoded:
/// [`FRAME_PLAIN`] (the postcard encoding) or [`FRAME_DEFLATE`] (the postcard encoding compressed
/// with raw DEFLATE, RFC 1951). A compressed body must inflate to at most
/// [`MAX_MESSAGE_BYTES`](super::MAX_MESSAGE_BYTES) and to at most 32 times its own size plus
/// 1 MiB; a receiver stops inflating there and refuses the frame. Versions 4 and 5 frame the same way.
pub const SYNC_PROTOCOL_V3: &str = "/twinmesh/sync/3";

/// The libp2p protocol name of document sync, version 2, still answered: version 1's messages
/// plus whole-document transfer for a first sync ([`Request::Fetch`], [`Request::Snapshot`],
/// [`Response::Snapshot`], [`Response::Installed`]); frames are plain postcard.
pub const SYNC_PROTOCOL_V2: &str = "/twinmesh/sync/2";

/// Version 3 to 5 frame tag: the body is the postcard encoding.
pub const FRAME_PLAIN: u8 = 0;

/// Version 3 to 5 frame tag: the body is the postcard encoding compressed with raw DEFLATE.
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
    /// [`SYNC_PROTOCOL_V4`].
    V4,
    /// [`SYNC_PROTOCOL`].
    V5,
}

impl Version {
    /// Every version a node speaks, preferred (newest) first: the order to offer them in.
    pub const ALL: [Version; 5] = [Version::V5, Version::V4, Version::V3, Version::V2, Version::V1];

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
            Version::V4 => SYNC_PROTOCOL_V4,
            Version::V5 => SYNC_PROTOCOL,
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
