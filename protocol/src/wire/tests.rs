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
    assert_eq!(Version::from_protocol("/twinmesh/sync/6"), None);
    assert_eq!(Version::ALL[0].protocol(), SYNC_PROTOCOL, "the newest is offered first");
    assert!(!Version::V2.tagged_frames() && Version::V3.tagged_frames() && Version::V5.tagged_frames());
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
        assert_eq!(read.clone().to_wire(v).map(|_| ()), Err(NotSendable::NoHashes(v)));
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

/// A round a node builds: chunk 0 and 2 are their authors' latest, chunk 1 is proven through a
/// later one, and its signature was not kept.
fn built_round() -> (Request, Vec<HashedSignature>) {
    let pairs = signed_pairs(3);
    let chunks = pairs
        .iter()
        .enumerate()
        .map(|(i, (h, s))| OutgoingSignature { hash: *h, signature: (i != 1).then_some(*s), latest: i != 1 })
        .collect();
    (Request::Sync(round(ChunkSignatures::Outgoing(chunks))), pairs)
}

#[test]
fn version_5_sends_the_latest_changes_signatures_by_index() {
    let (req, pairs) = built_round();
    let v5 = req.clone().to_wire(Version::V5).expect("encodes");
    match Request::from_wire(&v5, Version::V5) {
        Ok(Request::Sync(d)) => {
            assert_eq!(d.signatures, ChunkSignatures::Indexed(vec![(0, pairs[0].1), (2, pairs[2].1)]));
        }
        other => panic!("v5: {other:?}"),
    }
    // Older versions need every signature: this node no longer keeps one, so nothing is sent.
    for v in [Version::V1, Version::V2, Version::V3, Version::V4] {
        assert_eq!(req.clone().to_wire(v).map(|_| ()), Err(NotSendable::Pruned(v)), "{v}");
    }
    // With every signature kept, version 4 sends them all and version 5 only the latest.
    let full: Vec<OutgoingSignature> = pairs
        .iter()
        .enumerate()
        .map(|(i, (h, s))| OutgoingSignature { hash: *h, signature: Some(*s), latest: i != 1 })
        .collect();
    let full = Request::Sync(round(ChunkSignatures::Outgoing(full)));
    let v4 = full.clone().to_wire(Version::V4).expect("v4");
    assert_eq!(v4.len(), v5.len() + 65 - 2, "one more signature, no indices");
    assert_eq!(full.to_wire(Version::V5).expect("v5"), v5);
}

#[test]
fn a_snapshot_lists_every_signature_up_to_version_4_and_the_latest_on_version_5() {
    let pairs = signed_pairs(3);
    let every: Vec<Signature> = pairs.iter().map(|(_, s)| *s).collect();
    let snapshot = |every: Option<Vec<Signature>>| {
        Response::Snapshot(DocSnapshot {
            space: SpaceId::from_bytes([3; 32]),
            doc: DocId::from_bytes([4; 16]),
            kind: DocKind::Plan,
            saved: vec![1, 2, 3],
            signatures: SnapshotSignatures::Built { every, latest: vec![every_last(&pairs)] },
        })
    };
    fn every_last(p: &[HashedSignature]) -> Signature {
        p[2].1
    }
    let listed = |bytes: &[u8], v| match Response::from_wire(bytes, v) {
        Ok(Response::Snapshot(s)) => s.signatures.as_slice().to_vec(),
        other => panic!("{v}: {other:?}"),
    };
    for v in [Version::V2, Version::V3, Version::V4] {
        let bytes = snapshot(Some(every.clone())).to_wire(v).expect("encodes");
        assert_eq!(listed(&bytes, v), every, "{v}");
        assert_eq!(snapshot(None).to_wire(v).map(|_| ()), Err(NotSendable::Pruned(v)), "{v}");
    }
    let bytes = snapshot(None).to_wire(Version::V5).expect("encodes");
    assert_eq!(listed(&bytes, Version::V5), vec![pairs[2].1]);
}
