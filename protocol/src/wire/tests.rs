//! Unit tests of the wire forms: every version decodes what it encodes, versions 1 to 3 keep
//! their bytes, version 4 drops the hashes.

use super::*;
use crate::{
    ids::DocId,
    keys::{SecretKey, Signature},
    schema::DocKind,
    space::Municipality,
};

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
    use crate::{ids::DocId, keys::Signature, schema::DocKind, space::Municipality};

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
        assert_eq!(hello().to_wire(v).expect("hello"), hello().to_wire(Version::V1).expect("hello"), "{v}");
        let refused = Response::Refused(Refusal::BadMessage("no".into()));
        assert!(matches!(
            Response::from_wire(&refused.to_wire(v).expect("refused"), v),
            Ok(Response::Refused(Refusal::BadMessage(m))) if m == "no"
        ));
    }
}

#[test]
fn a_version_4_round_with_a_wrong_signature_length_does_not_decode() {
    let mut bytes =
        Request::Sync(round(ChunkSignatures::Hashed(signed_pairs(1)))).to_wire(Version::V4).expect("encodes");
    // The last 65 bytes are the signature: its length prefix, then 64 bytes.
    let at = bytes.len() - 65;
    assert_eq!(bytes[at], 64);
    bytes[at] = 63;
    bytes.pop();
    assert!(Request::from_wire(&bytes, Version::V4).is_err());
}
