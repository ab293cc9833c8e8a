//! Property tests of the rules every node must agree on: validity, readiness, the round checks
//! and heads digest, and the invitation ticket.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::{
    AutoCommit, Automerge, Change, ChangeHash, ReadDoc, sync::SyncDoc, transaction::Transactable,
};
use proptest::prelude::*;
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::{SecretKey, Signature},
    membership::{DocCutoff, MemberOp, Membership, OpBody, Role, SignedOp},
    readiness::split_ready,
    round::{RoundError, heads_digest, open_round},
    signed,
    space::{Municipality, SignedSpace},
    ticket::{Ticket, TicketError},
    time::Timestamp,
    validity::{self, Reserved, nothing_reserved},
    wire::ChunkSignatures,
};

const DOC: DocId = DocId::from_bytes([5; 16]);

fn key(n: u8) -> SecretKey {
    SecretKey::from_bytes([n; 32])
}

/// The towns of the test space: 0 the founder (admin), 1 an editor, 2 a viewer, 3 an editor
/// removed with a cutoff, 4 never a member.
const TOWNS: usize = 5;
const REMOVED: usize = 3;

fn actor(town: usize) -> automerge::ActorId {
    signed::actor_id(&key(town as u8 + 1).public(), [town as u8; 16])
}

fn membership(cutoff: u64) -> Membership {
    let founder = key(1);
    let m = Municipality { key: founder.public(), name: "A".into(), country: "FR".into() };
    let space = SignedSpace::create(&founder, "S", m, Timestamp(0), [0; 16]).expect("space");
    let mut ops: Vec<SignedOp> = Vec::new();
    let mut op = |body: OpBody| {
        let parents = ops.last().map(|o| vec![o.hash()]).unwrap_or_default();
        let signed = SignedOp::sign(
            &founder,
            MemberOp { space: space.id(), author: founder.public(), parents, time: Timestamp(1), body },
        );
        ops.push(signed);
    };
    for (town, role) in [(1, Role::Editor), (2, Role::Viewer), (REMOVED, Role::Editor)] {
        op(OpBody::Add { member: key(town as u8 + 1).public(), name: format!("T{town}"), role });
    }
    let actors = vec![(actor(REMOVED).to_bytes().to_vec(), cutoff)];
    op(OpBody::Remove {
        member: key(REMOVED as u8 + 1).public(),
        cutoff: vec![DocCutoff { doc: DOC, actors }],
    });
    Membership::compute(&space, &ops)
}

/// A document history made by the towns: each step, a town either writes on its own replica
/// or takes in another town's replica, so the history forks and merges.
fn history(steps: &[(usize, Option<usize>)]) -> Vec<Change> {
    let mut replicas: Vec<AutoCommit> = (0..TOWNS).map(|t| AutoCommit::new().with_actor(actor(t))).collect();
    for (i, &(town, from)) in steps.iter().enumerate() {
        match from {
            Some(other) if other != town => {
                let theirs = replicas[other].get_changes(&[]).into_iter().collect::<Vec<_>>();
                replicas[town].apply_changes(theirs).expect("merge");
            }
            _ => {
                replicas[town].put(automerge::ROOT, format!("k{}", i % 3), i as i64).expect("put");
                replicas[town].commit();
            }
        }
    }
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for r in &mut replicas {
        for c in r.get_changes(&[]) {
            if seen.insert(c.hash()) {
                all.push(c.clone());
            }
        }
    }
    all
}

fn steps() -> impl Strategy<Value = Vec<(usize, Option<usize>)>> {
    prop::collection::vec((0..TOWNS, prop::option::weighted(0.3, 0..TOWNS)), 1..24)
}

fn valid_set(m: &Membership, pool: &[Change]) -> BTreeSet<ChangeHash> {
    validity::valid_mask(m, &DOC, pool, nothing_reserved)
        .into_iter()
        .zip(pool)
        .filter(|(v, _)| *v)
        .map(|(_, c)| c.hash())
        .collect()
}

/// The changes of `pool` that descend from `c` (not `c` itself).
fn descendants(pool: &[Change], c: &ChangeHash) -> HashSet<ChangeHash> {
    let mut out = HashSet::new();
    let mut grew = true;
    while grew {
        grew = false;
        for x in pool {
            if !out.contains(&x.hash()) && x.deps().iter().any(|d| d == c || out.contains(d)) {
                out.insert(x.hash());
                grew = true;
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Validity depends on the set of changes, never on the order they arrived in.
    #[test]
    fn validity_does_not_depend_on_arrival_order(steps in steps(), cutoff in 0u64..4, seed in any::<u64>()) {
        let m = membership(cutoff);
        let pool = history(&steps);
        let mut shuffled = pool.clone();
        shuffle(&mut shuffled, seed);
        prop_assert_eq!(valid_set(&m, &pool), valid_set(&m, &shuffled));
    }

    /// A change is valid exactly when its author may write (a current writer, or a removed
    /// member within its cutoff) or a change valid on its own descends from it: a removed
    /// member's change after its cutoff, a viewer's or an outsider's is never valid on its own.
    #[test]
    fn only_writers_and_what_they_built_on_are_valid(steps in steps(), cutoff in 0u64..4) {
        let m = membership(cutoff);
        let pool = history(&steps);
        let valid = valid_set(&m, &pool);
        let own_right = |c: &Change| {
            *c.actor_id() == actor(0)
                || *c.actor_id() == actor(1)
                || (*c.actor_id() == actor(REMOVED) && c.seq() <= cutoff)
        };
        for c in &pool {
            let under_a_valid_one = descendants(&pool, &c.hash())
                .iter()
                .any(|d| pool.iter().any(|x| x.hash() == *d && own_right(x)));
            prop_assert_eq!(
                valid.contains(&c.hash()),
                own_right(c) || under_a_valid_one,
                "change {} seq {}",
                c.hash(),
                c.seq()
            );
        }
    }

    /// A forged change (by the reserved-record rules) is never valid, nor anything built on it,
    /// even a writer's change.
    #[test]
    fn a_forged_change_poisons_what_builds_on_it(steps in steps(), pick in any::<prop::sample::Index>()) {
        let m = membership(0);
        let pool = history(&steps);
        prop_assume!(!pool.is_empty());
        let forged = pool[pick.index(pool.len())].hash();
        let rules = |c: &Change| if c.hash() == forged { Reserved::Forged("test".into()) } else { Reserved::Fine };
        let mask = validity::valid_mask(&m, &DOC, &pool, rules);
        let tainted = descendants(&pool, &forged);
        for (c, v) in pool.iter().zip(mask) {
            if c.hash() == forged || tainted.contains(&c.hash()) {
                prop_assert!(!v);
            }
        }
        let signed: Vec<(Change, Signature)> = pool.iter().map(|c| (c.clone(), Signature([0; 64]))).collect();
        let (ok, bad) = validity::classify_with(&m, &DOC, signed, rules);
        prop_assert_eq!(ok.len() + bad.len(), pool.len());
        prop_assert!(bad.iter().any(|(c, _, _)| c.hash() == forged));
    }

    /// Whatever order and batches the changes arrive in, readiness applies each only after its
    /// dependencies (Automerge's own queue stays empty), holds the rest, and ends with the
    /// whole history.
    #[test]
    fn readiness_applies_any_arrival_order_to_the_same_document(
        steps in steps(),
        seed in any::<u64>(),
        cuts in prop::collection::vec(1usize..6, 1..8),
    ) {
        let pool = history(&steps);
        let mut all = Automerge::new();
        all.apply_changes(pool.clone()).expect("whole history");
        let mut arriving = pool.clone();
        shuffle(&mut arriving, seed);
        let mut doc = Automerge::new();
        let mut held: Vec<(Change, ())> = Vec::new();
        let mut at = 0;
        let mut cut = cuts.iter().cycle();
        while at < arriving.len() || !held.is_empty() {
            let end = (at + cut.next().copied().unwrap_or(1)).min(arriving.len());
            let mut batch = std::mem::take(&mut held);
            batch.extend(arriving[at..end].iter().cloned().map(|c| (c, ())));
            // Now and then a change arrives twice.
            if let Some(c) = arriving.get(at) {
                batch.push((c.clone(), ()));
            }
            at = end;
            let (ready, waiting) = split_ready(&doc, batch);
            let mut have: HashSet<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
            for (c, _) in &ready {
                prop_assert!(c.deps().iter().all(|d| have.contains(d)), "applied before a dependency");
                prop_assert!(have.insert(c.hash()), "applied twice");
            }
            doc.apply_changes(ready.into_iter().map(|(c, _)| c)).expect("ready changes apply");
            prop_assert!(doc.get_missing_deps(&[]).is_empty(), "nothing waits in Automerge's queue");
            if at >= arriving.len() && !waiting.is_empty() {
                // Everything arrived: nothing can wait any more.
                prop_assert!(false, "{} change(s) still wait with the whole history given", waiting.len());
            }
            held = waiting;
        }
        let mut ours = doc.get_heads();
        let mut want = all.get_heads();
        ours.sort();
        want.sort();
        prop_assert_eq!(ours, want);
    }

    /// The heads digest ignores the order of the heads and tells different sets apart.
    #[test]
    fn heads_digest_is_a_function_of_the_set(
        a in prop::collection::btree_set(any::<[u8; 32]>(), 0..6),
        b in prop::collection::btree_set(any::<[u8; 32]>(), 0..6),
        seed in any::<u64>(),
    ) {
        let hashes = |s: &BTreeSet<[u8; 32]>| s.iter().map(|h| ChangeHash(*h)).collect::<Vec<_>>();
        let mut shuffled = hashes(&a);
        shuffle(&mut shuffled, seed);
        prop_assert_eq!(heads_digest(&hashes(&a)), heads_digest(&shuffled));
        prop_assert_eq!(heads_digest(&hashes(&a)) == heads_digest(&hashes(&b)), a == b);
    }

    /// Every round Automerge itself produces opens; any bytes at all are answered (opened or
    /// refused) without a panic; a version-4 round with a signature missing or extra is refused.
    #[test]
    fn rounds_open_or_are_refused_whole(steps in steps(), junk in prop::collection::vec(any::<u8>(), 0..200), extra in 1usize..3) {
        let pool = history(&steps);
        let mut theirs = Automerge::new();
        let (first, _) = split_ready(&theirs, pool[..pool.len() / 2].iter().cloned().map(|c| (c, ())).collect());
        theirs.apply_changes(first.into_iter().map(|(c, _)| c)).expect("some");
        let mut ours = Automerge::new();
        ours.apply_changes(pool.clone()).expect("all");
        let mut states = [automerge::sync::State::new(), automerge::sync::State::new()];
        let mut docs = [ours, theirs];
        // Sync the two through `open_round` until neither has anything to say.
        for turn in 0..12 {
            let (from, to) = (turn % 2, 1 - turn % 2);
            let Some(m) = docs[from].generate_sync_message(&mut states[from]) else { continue };
            let bytes = m.encode();
            let opened = open_round(&DOC, Some(&bytes), &ChunkSignatures::Hashed(Vec::new()))
                .expect("Automerge's own round opens")
                .expect("a message");
            let chunks = opened.changes.len();
            let sigs = vec![Signature([1; 64]); chunks + extra];
            let refused = open_round(&DOC, Some(&bytes), &ChunkSignatures::InOrder(sigs));
            prop_assert!(matches!(refused, Err(RoundError::SignatureCount { .. })), "{:?}", refused);
            let sigs = vec![Signature([1; 64]); chunks];
            prop_assert!(open_round(&DOC, Some(&bytes), &ChunkSignatures::InOrder(sigs)).is_ok());
            docs[to].receive_sync_message(&mut states[to], opened).expect("receive");
        }
        prop_assert_eq!(docs[0].get_heads(), docs[1].get_heads());
        let _ = open_round(&DOC, Some(&junk), &ChunkSignatures::Hashed(Vec::new()));
        prop_assert!(open_round(&DOC, None, &ChunkSignatures::InOrder(vec![])).is_ok());
    }

    /// A ticket round-trips, and changing any one byte of it (or its expiry) makes it refused.
    #[test]
    fn a_ticket_round_trips_and_any_altered_byte_is_refused(
        name in "\\PC{0,40}",
        addrs in prop::collection::vec("/ip4/[0-9.]{7,15}/tcp/[0-9]{1,5}", 0..3),
        secret in any::<[u8; 16]>(),
        role in prop::sample::select(vec![Role::Viewer, Role::Editor, Role::Admin]),
        expires in 0i64..4_000_000_000_000,
        inviter in 1u8..200,
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let k = key(inviter);
        let t = Ticket {
            space: SpaceId::from_bytes([9; 32]),
            space_name: name,
            inviter: k.public(),
            addrs,
            secret,
            role,
            expires: Timestamp(expires),
        };
        let text = t.encode(&k);
        prop_assert_eq!(Ticket::decode(&text, Timestamp(expires)).expect("round trip"), t.clone());
        prop_assert_eq!(Ticket::decode(&text, Timestamp(expires + 1)), Err(TicketError::Expired(t.expires)));
        let body = &text["twinmesh:".len()..];
        let mut bytes = data_encoding::BASE32_NOPAD.decode(body.to_ascii_uppercase().as_bytes()).expect("base32");
        let i = at.index(bytes.len());
        bytes[i] ^= flip;
        let altered = format!("twinmesh:{}", data_encoding::BASE32_NOPAD.encode(&bytes));
        prop_assert!(Ticket::decode(&altered, Timestamp(0)).is_err());
    }
}

/// A seeded Fisher-Yates shuffle (the test keeps its randomness in proptest's seed).
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let j = (seed >> 33) as usize % (i + 1);
        v.swap(i, j);
    }
}

/// The readiness rule's examples: a chain given backwards comes out in order; a gap waits.
#[test]
fn readiness_examples() {
    let mut d = AutoCommit::new();
    for i in 0..5 {
        d.put(automerge::ROOT, "k", i as i64).expect("test doc");
        d.commit();
    }
    let cs: Vec<Change> = d.get_changes(&[]).into_iter().collect();
    let signed = |cs: &[Change]| cs.iter().map(|c| (c.clone(), ())).collect::<Vec<_>>();
    let mut reversed = signed(&cs);
    reversed.reverse();
    let (ready, waiting) = split_ready(&Automerge::new(), reversed);
    assert!(waiting.is_empty());
    assert_eq!(
        ready.iter().map(|(c, _)| c.hash()).collect::<Vec<_>>(),
        cs.iter().map(Change::hash).collect::<Vec<_>>()
    );

    let mut doc = Automerge::new();
    doc.apply_changes(cs[..2].to_vec()).expect("test doc");
    // Has 0 and 1; offered 1 (present), 3 and 4 (need 2, absent).
    let (ready, waiting) = split_ready(&doc, signed(&[cs[1].clone(), cs[4].clone(), cs[3].clone()]));
    assert!(ready.is_empty());
    let w: HashSet<_> = waiting.iter().map(|(c, _)| c.hash()).collect();
    assert_eq!(w, HashSet::from([cs[3].hash(), cs[4].hash()]));
    let (ready, waiting) = split_ready(&doc, signed(&[cs[4].clone(), cs[2].clone(), cs[3].clone()]));
    assert!(waiting.is_empty());
    assert_eq!(
        ready.iter().map(|(c, _)| c.hash()).collect::<Vec<_>>(),
        vec![cs[2].hash(), cs[3].hash(), cs[4].hash()]
    );
}

/// The Bloom checks refuse the two filters that crashed Automerge, and more than one filter.
#[test]
fn bad_bloom_filters_are_refused() {
    let mut a = Automerge::new();
    let mut tx = a.transaction();
    tx.put(automerge::ROOT, "k", 1).expect("put");
    tx.commit();
    let m = a.generate_sync_message(&mut automerge::sync::State::new()).expect("message");
    let good = m.encode();
    assert!(open_round(&DOC, Some(&good), &ChunkSignatures::default()).is_ok());
    let by_bytes: HashMap<&str, Vec<u8>> = HashMap::from([
        // entries 1, bits per entry 0, probes 7: no bit array at all.
        ("no bits", vec![1, 0, 7]),
        // entries 1, bits per entry 10, a probe count of 200, and the two bytes of bits.
        ("absurd probes", vec![1, 10, 0xc8, 0x01, 0xff, 0xff]),
    ]);
    for (what, bloom) in by_bytes {
        let mut msg = automerge::sync::Message::decode(&good).expect("decode");
        msg.have = vec![automerge::sync::Have {
            last_sync: vec![],
            bloom: automerge::sync::BloomFilter::try_from(bloom.as_slice()).expect("bloom"),
        }];
        let err = open_round(&DOC, Some(&msg.encode()), &ChunkSignatures::default());
        assert!(matches!(err, Err(RoundError::BadBloom)), "{what}: {err:?}");
    }
    let mut msg = automerge::sync::Message::decode(&good).expect("decode");
    let have = automerge::sync::Have { last_sync: vec![], bloom: automerge::sync::BloomFilter::default() };
    msg.have = vec![have.clone(), have];
    assert!(matches!(
        open_round(&DOC, Some(&msg.encode()), &ChunkSignatures::default()),
        Err(RoundError::TooManyBlooms)
    ));
}
