//! The driver's decisions, one session at a time (the node's simulator runs thousands of
//! schedules of them against real engines).

use std::time::{Duration, Instant};

use super::*;
use crate::{schema::DocKind, wire::ChunkSignatures};

const A: u8 = 1;
const B: u8 = 2;

fn doc() -> DocId {
    DocId::from_bytes([7; 16])
}

fn round() -> DocSync {
    DocSync {
        space: SpaceId::from_bytes([3; 32]),
        doc: doc(),
        kind: DocKind::Plan,
        message: Some(vec![1, 2, 3]),
        signatures: ChunkSignatures::default(),
    }
}

fn all_connected(_: &u8) -> bool {
    true
}

fn at(now: Instant) -> At<'static, u8> {
    At { now, connected: &all_connected }
}

/// The session `start` opened: its id and whether it may go whole.
fn opened_id(steps: &[Step<u8>]) -> (u64, bool) {
    match steps {
        [Step::Open { id, whole, .. }] => (*id, *whole),
        other => panic!("expected one Open, got {other:?}"),
    }
}

#[test]
fn a_session_with_nothing_to_say_frees_its_slot_without_counting_as_a_sync() {
    let now = Instant::now();
    let mut d = Driver::new(4);
    let (id, _) = opened_id(&d.start(A, doc(), &at(now)));
    let steps = d.opened(A, doc(), id, Ok::<_, String>(Opening::Sync(None)), &at(now));
    assert!(steps.is_empty(), "no request and no Ended: {steps:?}");
    assert!(d.table().is_empty());
    opened_id(&d.start(A, doc(), &at(now)));
}

#[test]
fn a_failed_whole_document_fetch_runs_the_session_again_as_ordinary_rounds() {
    let now = Instant::now();
    let mut d = Driver::new(4);
    let (id, whole) = opened_id(&d.start(A, doc(), &at(now)));
    assert!(whole, "a first session may go whole");
    let steps = d.opened(
        A,
        doc(),
        id,
        Ok::<_, String>(Opening::Fetch { space: round().space, doc: doc() }),
        &at(now),
    );
    let sent = match steps.as_slice() {
        [Step::Send { request: WireRequest::Fetch { .. }, sent, .. }] => *sent,
        other => panic!("expected the fetch, got {other:?}"),
    };
    let (again, whole) = opened_id(&d.failed(A, sent, &at(now)));
    assert!(again != id && !whole, "ordinary sync on this connection");
}

#[test]
fn a_session_that_keeps_going_ends_at_the_round_limit() {
    let now = Instant::now();
    let mut d = Driver::new(4);
    let (id, _) = opened_id(&d.start(A, doc(), &at(now)));
    let steps = d.opened(A, doc(), id, Ok::<_, String>(Opening::Sync(Some(round()))), &at(now));
    assert!(matches!(steps.as_slice(), [Step::Send { .. }]));
    for _ in 1..MAX_ROUNDS {
        let steps = d.round_taken(A, doc(), id, Ok(Some(round())), &at(now));
        assert!(matches!(steps.as_slice(), [Step::Send { .. }]), "{steps:?}");
    }
    let steps = d.round_taken(A, doc(), id, Ok(Some(round())), &at(now));
    assert!(matches!(steps.as_slice(), [Step::Ended { peer: A, .. }]), "{steps:?}");
    assert!(d.table().is_empty());
}

#[test]
fn one_session_per_document_the_next_partner_starts_when_it_ends() {
    let now = Instant::now();
    let mut d = Driver::new(4);
    let (id, _) = opened_id(&d.start(A, doc(), &at(now)));
    assert!(d.start(B, doc(), &at(now)).is_empty(), "B waits for A's session about the document");
    d.opened(A, doc(), id, Ok::<_, String>(Opening::Sync(Some(round()))), &at(now));
    let steps = d.round_taken(A, doc(), id, Ok(None), &at(now));
    match steps.as_slice() {
        [Step::Ended { peer: A, .. }, Step::Open { peer: B, .. }] => {}
        other => panic!("expected A's end, then B's start: {other:?}"),
    }
    // B's session is slow: past the gate, a third partner's waiting session starts anyway.
    const C: u8 = 3;
    assert!(d.start(C, doc(), &at(now)).is_empty(), "C waits for B's session");
    assert!(d.sweep(&at(now)).is_empty(), "within the gate nothing moves");
    let later = now + SESSION_GATE + Duration::from_millis(1);
    assert!(matches!(d.sweep(&at(later)).as_slice(), [Step::Open { peer: C, .. }]));
}
