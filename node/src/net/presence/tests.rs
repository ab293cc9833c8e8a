//! Tests of the presence book: local tabs, partners' presence and its expiry, the limits.

use std::time::{Duration, Instant};

use twinmesh_protocol::presence::{PRESENCE_HEARTBEAT, PRESENCE_TTL};

use super::*;

fn doc(n: u8) -> DocId {
    DocId::from_bytes([n; 16])
}

fn open(tab: &str, officer: &str) -> Viewer {
    Viewer { tab: tab.into(), officer: officer.into(), open: true }
}

#[test]
fn local_tabs_open_close_and_expire() {
    let mut b = PresenceBook::default();
    let t0 = Instant::now();
    assert!(b.set_local(doc(1), open("t1", "Marie"), t0));
    assert!(!b.set_local(doc(1), open("t1", "Marie"), t0), "a heartbeat changes nothing");
    assert!(!b.set_local(doc(1), open("t2", "Marie"), t0), "the same officer in a second tab");
    assert!(b.set_local(doc(1), open("t3", "Jan"), t0));
    assert_eq!(b.local_officers(&doc(1)), vec!["Jan".to_string(), "Marie".to_string()]);
    assert!(b.set_local(doc(1), Viewer { open: false, ..open("t3", "Jan") }, t0));
    // t1 keeps beating, t2 goes silent: after the TTL only t1 is left, Marie still there.
    let later = t0 + PRESENCE_TTL + Duration::from_secs(1);
    assert!(!b.set_local(doc(1), open("t1", "Marie"), later));
    let (local, _) = b.expire(later);
    assert_eq!(local, vec![doc(1)]);
    assert_eq!(b.local_officers(&doc(1)), vec!["Marie".to_string()]);
    let (local, _) = b.expire(later + PRESENCE_TTL);
    assert_eq!(local, vec![doc(1)]);
    assert!(b.open_docs().is_empty());
}

#[test]
fn remote_presence_expires_and_ends_with_the_connection() {
    let mut b = PresenceBook::default();
    let (p, q) = (PeerId::random(), PeerId::random());
    let t0 = Instant::now();
    assert!(b.heard(p, Presence { doc: doc(1), officers: vec!["Ana".into()] }, t0));
    assert!(!b.heard(p, Presence { doc: doc(1), officers: vec!["Ana".into()] }, t0));
    assert!(b.heard(q, Presence { doc: doc(1), officers: vec!["Jan".into()] }, t0));
    assert!(b.is_present(&p, &doc(1)));
    assert_eq!(b.drop_peer(&q), vec![doc(1)]);
    assert!(!b.is_present(&q, &doc(1)));
    let (_, remote) = b.expire(t0 + PRESENCE_TTL - Duration::from_secs(1));
    assert!(remote.is_empty());
    let (_, remote) = b.expire(t0 + PRESENCE_TTL);
    assert_eq!(remote, vec![doc(1)]);
    assert!(!b.is_present(&p, &doc(1)));
    assert!(b.heard(p, Presence { doc: doc(2), officers: vec!["Ana".into()] }, t0));
    assert!(b.heard(p, Presence { doc: doc(2), officers: vec![] }, t0), "closing ends it at once");
    assert!(!b.is_present(&p, &doc(2)));
}

#[test]
fn rate_and_size_limits() {
    let mut b = PresenceBook::default();
    let p = PeerId::random();
    let t0 = Instant::now();
    for _ in 0..MAX_PRESENCE_PER_HEARTBEAT {
        assert!(b.admit(p, t0));
    }
    assert!(!b.admit(p, t0));
    assert!(b.admit(p, t0 + PRESENCE_HEARTBEAT), "a new window");
    for n in 0..MAX_PRESENCE_DOCS_PER_PEER {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&(n as u64).to_le_bytes());
        assert!(b.heard(p, Presence { doc: DocId::from_bytes(id), officers: vec!["A".into()] }, t0));
    }
    assert!(!b.heard(p, Presence { doc: doc(0xee), officers: vec!["A".into()] }, t0));
    assert!(!b.is_present(&p, &doc(0xee)));
}
