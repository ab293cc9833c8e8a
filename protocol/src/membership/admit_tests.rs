//! The door rule of the membership log ([`admit`]): junk is refused, each author has a small
//! budget of operations that do not take effect, and revocations never count against the cap.

use proptest::prelude::*;

use super::compute::hex;
use super::*;
use crate::{
    keys::SecretKey,
    space::{Municipality, SignedSpace},
    time::Timestamp,
};

fn key(n: u8) -> SecretKey {
    SecretKey::from_bytes([n; 32])
}

fn space(founder: &SecretKey) -> SignedSpace {
    let m = Municipality { key: founder.public(), name: "A".into(), country: "FR".into() };
    SignedSpace::create(founder, "S", m, Timestamp(0), [0; 16]).expect("space")
}

fn op(author: &SecretKey, s: &SignedSpace, parents: Vec<[u8; 32]>, t: i64, body: OpBody) -> SignedOp {
    SignedOp::sign(
        author,
        MemberOp { space: s.id(), author: author.public(), parents, time: Timestamp(t), body },
    )
}

fn make_admin(who: &SecretKey, s: &SignedSpace, parents: Vec<[u8; 32]>, t: i64) -> SignedOp {
    op(who, s, parents, t, OpBody::Add { member: who.public(), name: "J".into(), role: Role::Admin })
}

fn leave(who: &SecretKey, s: &SignedSpace, parents: Vec<[u8; 32]>, t: i64) -> SignedOp {
    op(who, s, parents, t, OpBody::Remove { member: who.public(), cutoff: vec![] })
}

fn hashes(ops: &[SignedOp]) -> Vec<[u8; 32]> {
    let mut h: Vec<[u8; 32]> = ops.iter().map(SignedOp::hash).collect();
    h.sort();
    h
}

/// A founder `a`, an editor `e` added by it: (space, log).
fn with_editor(a: &SecretKey, e: &SecretKey) -> (SignedSpace, Vec<SignedOp>) {
    let s = space(a);
    let add = op(a, &s, vec![], 1, OpBody::Add { member: e.public(), name: "E".into(), role: Role::Editor });
    (s, vec![add])
}

#[test]
fn junk_is_refused_at_the_door_and_the_rest_of_the_batch_is_kept() {
    let (a, e, x) = (key(1), key(2), key(3));
    let (s, log) = with_editor(&a, &e);
    let heads = hashes(&log);
    let mut batch: Vec<SignedOp> = (0..50).map(|t| make_admin(&e, &s, heads.clone(), t)).collect();
    let add_x =
        op(&a, &s, heads, 9, OpBody::Add { member: x.public(), name: "X".into(), role: Role::Viewer });
    batch.push(add_x.clone());
    let got = admit(&s, &log, batch, true).expect("admit");
    assert_eq!(hashes(&got.ops), vec![add_x.hash()]);
    assert_eq!(got.refused.len(), 50);
    assert!(
        got.refused.iter().all(|(_, why)| why.contains("can never apply: only an admin may add")),
        "{:?}",
        got.refused[0]
    );
    assert!(got.membership.can_read(&x.public()));
}

#[test]
fn ops_naming_junk_are_refused_unless_an_applied_admin_op_built_on_it() {
    let (a, e, x) = (key(1), key(2), key(3));
    let (s, log) = with_editor(&a, &e);
    let heads = hashes(&log);
    let j1 = make_admin(&e, &s, heads.clone(), 1);
    let j2 = make_admin(&e, &s, heads.clone(), 2);
    // The editor's leave on its junk: the junk cannot be brought in that way, so the leave is
    // refused too (it names a refused op).
    let e_leaves = leave(&e, &s, vec![j1.hash(), j2.hash()], 3);
    let got = admit(&s, &log, vec![j1.clone(), j2.clone(), e_leaves.clone()], true).expect("admit");
    assert!(got.ops.is_empty(), "{:?}", hashes(&got.ops));
    let why = got.refused.iter().find(|(h, _)| *h == e_leaves.hash()).map(|(_, w)| w.clone());
    assert!(why.is_some_and(|w| w.contains("names an operation that was refused")));
    // An admin of an older version named j1 in its heads: j1 is kept (history it built on, or
    // its add would wait forever for a parent), j2 still refused, and nothing of it applies.
    let a_adds_x = op(
        &a,
        &s,
        vec![j1.hash(), heads[0]],
        4,
        OpBody::Add { member: x.public(), name: "X".into(), role: Role::Editor },
    );
    let got = admit(&s, &log, vec![j1.clone(), j2.clone(), a_adds_x.clone()], true).expect("admit");
    let mut want = vec![j1.hash(), a_adds_x.hash()];
    want.sort();
    assert_eq!(hashes(&got.ops), want);
    assert!(got.membership.can_read(&x.public()));
    assert_eq!(got.membership.role(&e.public()), Some(Role::Editor));
    // New ops never name it: the heads are the applied ops only.
    assert_eq!(got.membership.heads, vec![a_adds_x.hash()]);
}

#[test]
fn each_author_has_a_small_budget_of_ops_that_do_not_take_effect() {
    let (a, e) = (key(1), key(2));
    let (s, log) = with_editor(&a, &e);
    let heads = hashes(&log);
    // "Anyone may leave" is no way to mint ops: 40 concurrent leaves, one applies.
    let leaves: Vec<SignedOp> = (0..40).map(|t| leave(&e, &s, heads.clone(), t)).collect();
    let got = admit(&s, &log, leaves.clone(), true).expect("admit");
    assert_eq!(got.ops.len(), 1 + MAX_INEFFECTIVE_PER_AUTHOR);
    assert_eq!(got.refused.len(), 40 - 1 - MAX_INEFFECTIVE_PER_AUTHOR);
    assert!(!got.membership.can_read(&e.public()));
    let applied = got.membership.log.iter().filter(|o| o.rejected.is_none()).count();
    assert_eq!(applied, 2, "the add and one leave");
    // The budget holds across batches: with it spent, the next one is refused too.
    let mut stored = log.clone();
    stored.extend(got.ops);
    let again = admit(&s, &stored, leaves, true).expect("admit");
    assert!(again.ops.is_empty());
    // The author's legitimate op still goes through when it applies (the budget is only for
    // ops that do not take effect); here: an admin re-adds it, and it leaves once more.
    let re_add = op(
        &a,
        &s,
        again.membership.heads.clone(),
        50,
        OpBody::Add { member: e.public(), name: "E".into(), role: Role::Editor },
    );
    let got = admit(&s, &stored, vec![re_add.clone()], true).expect("admit");
    stored.extend(got.ops);
    let got = admit(&s, &stored, vec![leave(&e, &s, vec![re_add.hash()], 51)], true).expect("admit");
    assert_eq!(got.ops.len(), 1);
}

#[test]
fn a_removal_that_lost_a_race_is_kept_as_history() {
    // B (admin) is removed by A while B concurrently removes C: B's op lost (removals win),
    // but its author had the right in its causal past: stored, shown as rejected.
    let (a, b, c) = (key(1), key(2), key(3));
    let s = space(&a);
    let add_b =
        op(&a, &s, vec![], 1, OpBody::Add { member: b.public(), name: "B".into(), role: Role::Admin });
    let add_c = op(
        &a,
        &s,
        vec![add_b.hash()],
        2,
        OpBody::Add { member: c.public(), name: "C".into(), role: Role::Editor },
    );
    let a_rm_b = op(&a, &s, vec![add_c.hash()], 3, OpBody::Remove { member: b.public(), cutoff: vec![] });
    let b_rm_c = op(&b, &s, vec![add_c.hash()], 3, OpBody::Remove { member: c.public(), cutoff: vec![] });
    let stored = vec![add_b, add_c, a_rm_b];
    let got = admit(&s, &stored, vec![b_rm_c.clone()], true).expect("admit");
    assert_eq!(hashes(&got.ops), vec![b_rm_c.hash()]);
    let o = got.membership.log.iter().find(|o| o.hash == hex(&b_rm_c.hash())).expect("judged");
    assert!(o.rejected.as_deref().is_some_and(|w| w.contains("removals win")));
    assert!(got.membership.can_read(&c.public()));
}

#[test]
fn revocations_do_not_count_against_the_cap() {
    let (a, e) = (key(1), key(2));
    let (s, log) = with_editor(&a, &e);
    let heads = hashes(&log);
    let rm = op(&a, &s, heads.clone(), 5, OpBody::Remove { member: e.public(), cutoff: vec![] });
    let demote =
        op(&a, &s, heads, 5, OpBody::SetRole { member: e.public(), role: Role::Viewer, cutoff: vec![] });
    for o in [rm, demote] {
        let got = admit(&s, &log, vec![o.clone()], true).expect("admit");
        let out = got.membership.log.iter().find(|x| x.hash == hex(&o.hash())).expect("judged");
        assert!(out.rejected.is_none() && out.revokes, "{out:?}");
        assert!(got.membership.log.iter().any(|x| x.rejected.is_none() && !x.revokes), "the add counts");
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// The editor signs an op on random earlier ops: make itself admin, add or remove someone,
    /// leave, or promote itself.
    Editor { kind: u8, parents: Vec<prop::sample::Index> },
    /// The founder adds a fresh member on the heads.
    Admin,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..5, prop::collection::vec(any::<prop::sample::Index>(), 1..3))
            .prop_map(|(kind, parents)| Step::Editor { kind, parents }),
        1 => Just(Step::Admin),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever an editor floods the log with, one op at a time or in batches: nothing stored is
    /// junk, its ops that do not take effect stay within the budget, the log stays small, and
    /// the founder's removal of the editor is admitted and applies.
    #[test]
    fn an_editor_cannot_make_itself_impossible_to_remove(
        steps in prop::collection::vec(step(), 1..60),
        batch in 1usize..8,
    ) {
        let (a, e) = (key(1), key(2));
        let (s, mut stored) = with_editor(&a, &e);
        let mut made: Vec<SignedOp> = stored.clone();
        let mut pending: Vec<SignedOp> = Vec::new();
        for (t, st) in steps.iter().enumerate() {
            let t = t as i64 + 10;
            let o = match st {
                Step::Editor { kind, parents } => {
                    let mut ps: Vec<[u8; 32]> = parents.iter().map(|i| made[i.index(made.len())].hash()).collect();
                    ps.sort();
                    ps.dedup();
                    let x = key(100 + (t % 50) as u8).public();
                    let body = match kind {
                        0 => OpBody::Add { member: e.public(), name: "J".into(), role: Role::Admin },
                        1 => OpBody::Add { member: x, name: "X".into(), role: Role::Admin },
                        2 => OpBody::Remove { member: a.public(), cutoff: vec![] },
                        3 => OpBody::SetRole { member: e.public(), role: Role::Admin, cutoff: vec![] },
                        _ => OpBody::Remove { member: e.public(), cutoff: vec![] },
                    };
                    op(&e, &s, ps, t, body)
                }
                Step::Admin => {
                    let heads = Membership::compute(&s, &stored).heads;
                    let x = key(200 + (t % 50) as u8).public();
                    op(&a, &s, heads, t, OpBody::Add { member: x, name: "X".into(), role: Role::Viewer })
                }
            };
            made.push(o.clone());
            pending.push(o);
            if pending.len() >= batch {
                let got = admit(&s, &stored, std::mem::take(&mut pending), true).expect("admit");
                stored.extend(got.ops);
            }
        }
        let got = admit(&s, &stored, pending, true).expect("admit");
        stored.extend(got.ops);
        let m = Membership::compute(&s, &stored);
        prop_assert!(m.log.iter().all(|o| !o.unauthorized), "junk stored");
        let by_e = m.log.iter().filter(|o| o.op.author == e.public() && o.rejected.is_some()).count();
        prop_assert!(by_e <= MAX_INEFFECTIVE_PER_AUTHOR);
        let stored_by_e = stored.iter().filter(|o| o.op.author == e.public()).count();
        prop_assert!(stored_by_e <= 1 + MAX_INEFFECTIVE_PER_AUTHOR, "{} ops by the editor stored", stored_by_e);
        let rm = op(&a, &s, m.heads.clone(), 1_000, OpBody::Remove { member: e.public(), cutoff: vec![] });
        let got = admit(&s, &stored, vec![rm.clone()], true).expect("admit");
        prop_assert_eq!(hashes(&got.ops), vec![rm.hash()]);
        prop_assert!(!got.membership.can_read(&e.public()));
        prop_assert!(got.membership.is_admin(&a.public()));
    }
}
