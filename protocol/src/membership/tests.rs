//! Unit tests of the membership rules: roles, the last admin, concurrent removals, cutoffs.

use super::compute::hex;
use super::*;
use crate::{
    ids::DocId,
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

fn op(author: &SecretKey, space: &SignedSpace, parents: Vec<[u8; 32]>, body: OpBody) -> SignedOp {
    SignedOp::sign(
        author,
        MemberOp { space: space.id(), author: author.public(), parents, time: Timestamp(1), body },
    )
}

fn add(author: &SecretKey, s: &SignedSpace, parents: Vec<[u8; 32]>, who: &SecretKey, role: Role) -> SignedOp {
    op(author, s, parents, OpBody::Add { member: who.public(), name: "x".into(), role })
}

fn remove(author: &SecretKey, s: &SignedSpace, parents: Vec<[u8; 32]>, who: &SecretKey) -> SignedOp {
    op(author, s, parents, OpBody::Remove { member: who.public(), cutoff: vec![] })
}

#[test]
fn roles_and_the_last_admin() {
    let (a, b, c) = (key(1), key(2), key(3));
    let s = space(&a);
    let add_b = add(&a, &s, vec![], &b, Role::Editor);
    // An editor cannot add.
    let b_adds_c = add(&b, &s, vec![add_b.hash()], &c, Role::Admin);
    // The founder cannot be removed while the only admin.
    let a_leaves = remove(&a, &s, vec![add_b.hash()], &a);
    let m = Membership::compute(&s, &[b_adds_c.clone(), add_b.clone(), a_leaves]);
    assert_eq!(m.role(&b.public()), Some(Role::Editor));
    assert_eq!(m.role(&c.public()), None);
    assert!(m.is_admin(&a.public()));
    assert_eq!(m.log.iter().filter(|o| o.rejected.is_some()).count(), 2);
}

#[test]
fn forged_and_foreign_ops_are_ignored() {
    let (a, b) = (key(1), key(2));
    let s = space(&a);
    let mut forged = add(&a, &s, vec![], &b, Role::Admin);
    forged.op.author = b.public();
    let other = space(&key(9));
    let foreign = add(&key(9), &other, vec![], &b, Role::Admin);
    let m = Membership::compute(&s, &[forged, foreign]);
    assert_eq!(m.role(&b.public()), None);
    assert!(m.log.is_empty());
}

/// All orders of `ops` give the same membership (a few rotations and the reverse).
fn same_in_any_order(s: &SignedSpace, ops: &[SignedOp]) -> Membership {
    let m = Membership::compute(s, ops);
    let mut rev = ops.to_vec();
    rev.reverse();
    assert_eq!(Membership::compute(s, &rev).members, m.members);
    for k in 1..ops.len() {
        let mut rot = ops.to_vec();
        rot.rotate_left(k);
        assert_eq!(Membership::compute(s, &rot).members, m.members);
    }
    m
}

/// Signs `body` by `author` with `parents`, choosing `time` so that the op's hash sorts
/// before `than` (what an attacker grinding hashes would do).
fn ground(
    author: &SecretKey,
    s: &SignedSpace,
    parents: Vec<[u8; 32]>,
    body: OpBody,
    than: [u8; 32],
) -> SignedOp {
    for t in 0..100_000 {
        let o = SignedOp::sign(
            author,
            MemberOp {
                space: s.id(),
                author: author.public(),
                parents: parents.clone(),
                time: Timestamp(t),
                body: body.clone(),
            },
        );
        if o.hash() < than {
            return o;
        }
    }
    panic!("no hash below the target found");
}

#[test]
fn mutual_removal_leaves_the_founder_when_no_other_admin_remains() {
    // Before: the removal with the smaller hash won, so the removed admin could grind its
    // way to keeping its rights. Now both removals apply, and since that would leave no
    // admin, the founder (the senior) stays.
    let (a, b) = (key(1), key(2));
    let s = space(&a);
    let add_b = add(&a, &s, vec![], &b, Role::Admin);
    let a_removes_b = remove(&a, &s, vec![add_b.hash()], &b);
    let b_removes_a = ground(
        &b,
        &s,
        vec![add_b.hash()],
        OpBody::Remove { member: a.public(), cutoff: vec![] },
        a_removes_b.hash(),
    );
    let m = same_in_any_order(&s, &[add_b, a_removes_b, b_removes_a]);
    assert!(m.is_admin(&a.public()));
    assert!(!m.can_read(&b.public()));
    assert_eq!(m.admins(), 1);
    let rejected: Vec<_> = m.log.iter().filter_map(|o| o.rejected.clone()).collect();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(rejected[0].contains("last admin"), "{rejected:?}");
}

#[test]
fn two_admins_removing_each_other_both_end_removed() {
    let (a, b, c) = (key(1), key(2), key(3));
    let s = space(&a);
    let add_b = add(&a, &s, vec![], &b, Role::Admin);
    let add_c = add(&a, &s, vec![add_b.hash()], &c, Role::Admin);
    let p = vec![add_c.hash()];
    let a_removes_b = remove(&a, &s, p.clone(), &b);
    let b_removes_a = remove(&b, &s, p, &a);
    let m = same_in_any_order(&s, &[add_b, add_c, a_removes_b, b_removes_a]);
    assert!(!m.can_read(&a.public()));
    assert!(!m.can_read(&b.public()));
    assert!(m.is_admin(&c.public()));
    assert!(m.log.iter().all(|o| o.rejected.is_none()));
}

#[test]
fn a_removed_admin_cannot_act_concurrently_with_its_removal_whatever_its_hashes() {
    // A removes B; B answers with ops claiming the same parents, their hashes ground to
    // sort before A's removal: removing C, adding X, promoting Y who then adds Z.
    let (a, b, c, x, y, z) = (key(1), key(2), key(3), key(4), key(5), key(6));
    let s = space(&a);
    let add_b = add(&a, &s, vec![], &b, Role::Admin);
    let add_c = add(&a, &s, vec![add_b.hash()], &c, Role::Admin);
    let add_y = add(&a, &s, vec![add_c.hash()], &y, Role::Editor);
    let p = vec![add_y.hash()];
    let r = remove(&a, &s, p.clone(), &b);
    let b_removes_c =
        ground(&b, &s, p.clone(), OpBody::Remove { member: c.public(), cutoff: vec![] }, r.hash());
    let b_adds_x = ground(
        &b,
        &s,
        p.clone(),
        OpBody::Add { member: x.public(), name: "x".into(), role: Role::Admin },
        r.hash(),
    );
    let b_promotes_y = ground(
        &b,
        &s,
        p,
        OpBody::SetRole { member: y.public(), role: Role::Admin, cutoff: vec![] },
        r.hash(),
    );
    let y_adds_z = add(&y, &s, vec![b_promotes_y.hash()], &z, Role::Editor);
    let m = same_in_any_order(
        &s,
        &[add_b, add_c, add_y, r, b_removes_c.clone(), b_adds_x.clone(), b_promotes_y.clone(), y_adds_z],
    );
    assert!(!m.can_read(&b.public()), "B is removed");
    assert!(m.is_admin(&c.public()), "C stays an admin");
    assert!(!m.can_read(&x.public()), "B's add is rejected");
    assert_eq!(m.role(&y.public()), Some(Role::Editor), "B's promotion is rejected");
    assert!(!m.can_read(&z.public()), "and so is what Y built on it");
    for o in [&b_removes_c, &b_adds_x, &b_promotes_y] {
        let why = m.log.iter().find(|l| l.hash == hex(&o.hash())).and_then(|l| l.rejected.clone());
        assert!(why.is_some_and(|w| w.contains("removals win")));
    }
}

#[test]
fn add_racing_a_removal_of_the_adder() {
    // Before: the order (the hashes) decided. Now the removal wins whatever the hashes.
    let (a, b, x) = (key(1), key(2), key(3));
    let s = space(&a);
    let add_b = add(&a, &s, vec![], &b, Role::Admin);
    let a_removes_b = remove(&a, &s, vec![add_b.hash()], &b);
    let b_adds_x = ground(
        &b,
        &s,
        vec![add_b.hash()],
        OpBody::Add { member: x.public(), name: "x".into(), role: Role::Editor },
        a_removes_b.hash(),
    );
    let m = same_in_any_order(&s, &[add_b.clone(), b_adds_x, a_removes_b]);
    assert!(!m.can_read(&x.public()));
    // An add by an admin nobody removed stands.
    let b_adds_x_later = add(&b, &s, vec![add_b.hash()], &x, Role::Editor);
    let m = Membership::compute(&s, &[add_b, b_adds_x_later]);
    assert!(m.can_read(&x.public()));
}

#[test]
fn a_stale_removal_does_not_remove_a_re_added_member() {
    let (a, b, c) = (key(1), key(2), key(3));
    let s = space(&a);
    let add_b = add(&a, &s, vec![], &b, Role::Editor);
    let add_c = add(&a, &s, vec![add_b.hash()], &c, Role::Admin);
    let a_removes_b = remove(&a, &s, vec![add_c.hash()], &b);
    let a_re_adds_b = add(&a, &s, vec![a_removes_b.hash()], &b, Role::Editor);
    // C removes B without having seen either.
    let c_removes_b = remove(&c, &s, vec![add_c.hash()], &b);
    let m = same_in_any_order(&s, &[add_b, add_c, a_removes_b, a_re_adds_b, c_removes_b]);
    assert_eq!(m.role(&b.public()), Some(Role::Editor));
}

#[test]
fn a_leaver_cannot_vouch_for_its_own_writes() {
    let (a, b, c) = (key(1), key(2), key(3));
    let s = space(&a);
    let doc = DocId::from_bytes([5; 16]);
    let cut = |n| vec![DocCutoff { doc, actors: vec![(vec![7; 48], n)] }];
    let add_b = add(&a, &s, vec![], &b, Role::Editor);
    let add_c = add(&a, &s, vec![add_b.hash()], &c, Role::Admin);
    let b_leaves =
        op(&b, &s, vec![add_c.hash()], OpBody::Remove { member: b.public(), cutoff: cut(u64::MAX) });
    let m = Membership::compute(&s, &[add_b.clone(), add_c.clone(), b_leaves.clone()]);
    assert!(!m.can_read(&b.public()));
    assert_eq!(m.write_right(&b.public(), &doc, &[7; 48]), WriteRight::UpTo(0));
    // An admin records a cutoff for the former member; a second admin, concurrently, a
    // smaller one: the smaller holds, in any order.
    let a_sets = op(&a, &s, vec![b_leaves.hash()], OpBody::Remove { member: b.public(), cutoff: cut(4) });
    let c_sets = op(&c, &s, vec![b_leaves.hash()], OpBody::Remove { member: b.public(), cutoff: cut(3) });
    let m = same_in_any_order(&s, &[add_b.clone(), add_c.clone(), b_leaves.clone(), a_sets.clone()]);
    assert_eq!(m.write_right(&b.public(), &doc, &[7; 48]), WriteRight::UpTo(4));
    let m = same_in_any_order(&s, &[add_b, add_c, b_leaves, a_sets, c_sets]);
    assert_eq!(m.write_right(&b.public(), &doc, &[7; 48]), WriteRight::UpTo(3));
}

#[test]
fn compute_never_truncates() {
    // 10,001 self-signed junk ops handed over before the real ones (a store returns ops by
    // hash, and junk can be ground to small hashes): the real ones still count.
    let (a, b, junk) = (key(1), key(2), key(9));
    let s = space(&a);
    let add_b = add(&a, &s, vec![], &b, Role::Editor);
    let mut ops: Vec<SignedOp> = (0..=MAX_LOG_OPS as i64)
        .map(|t| {
            SignedOp::sign(
                &junk,
                MemberOp {
                    space: s.id(),
                    author: junk.public(),
                    parents: vec![[0; 32]],
                    time: Timestamp(t),
                    body: OpBody::Remove { member: b.public(), cutoff: vec![] },
                },
            )
        })
        .collect();
    ops.push(add_b);
    let m = Membership::compute(&s, &ops);
    assert_eq!(m.role(&b.public()), Some(Role::Editor));
}

#[test]
fn admissible_keeps_only_member_ops_with_known_parents() {
    let (a, b, c, stranger) = (key(1), key(2), key(3), key(9));
    let s = space(&a);
    let add_b = add(&a, &s, vec![], &b, Role::Admin);
    let stored = vec![add_b.clone()];
    // B adds C, and C (a member by the same batch) makes an op (rejected, but stored).
    let b_adds_c = add(&b, &s, vec![add_b.hash()], &c, Role::Editor);
    let c_tries = add(&c, &s, vec![b_adds_c.hash()], &stranger, Role::Admin);
    // Junk: a stranger's op, an op with a missing parent and its child, a forged one.
    let by_stranger = add(&stranger, &s, vec![add_b.hash()], &stranger, Role::Admin);
    let orphan = add(&b, &s, vec![[7; 32]], &stranger, Role::Viewer);
    let child_of_orphan = add(&b, &s, vec![orphan.hash()], &stranger, Role::Viewer);
    let mut forged = add(&a, &s, vec![add_b.hash()], &stranger, Role::Admin);
    forged.op.author = b.public();
    let incoming = vec![
        c_tries.clone(),
        by_stranger,
        orphan,
        forged,
        child_of_orphan,
        add_b,
        b_adds_c.clone(),
        b_adds_c.clone(),
    ];
    let mut got: Vec<[u8; 32]> = admissible(&s, &stored, incoming).iter().map(SignedOp::hash).collect();
    got.sort();
    let mut want = vec![b_adds_c.hash(), c_tries.hash()];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn cutoffs_limit_a_removed_writer() {
    let (a, b) = (key(1), key(2));
    let s = space(&a);
    let doc = DocId::from_bytes([5; 16]);
    let add_b = add(&a, &s, vec![], &b, Role::Editor);
    let rm = op(
        &a,
        &s,
        vec![add_b.hash()],
        OpBody::Remove {
            member: b.public(),
            cutoff: vec![DocCutoff { doc, actors: vec![(vec![7; 48], 4)] }],
        },
    );
    let m = Membership::compute(&s, &[add_b, rm]);
    assert_eq!(m.write_right(&b.public(), &doc, &[7; 48]), WriteRight::UpTo(4));
    assert_eq!(m.write_right(&b.public(), &doc, &[8; 48]), WriteRight::UpTo(0));
    assert_eq!(m.write_right(&a.public(), &doc, &[1; 48]), WriteRight::Writer);
    assert_eq!(m.write_right(&key(9).public(), &doc, &[1; 48]), WriteRight::None);
    assert!(!m.can_read(&b.public()));
}

#[test]
fn ops_wait_for_missing_parents() {
    let (a, b, c) = (key(1), key(2), key(3));
    let s = space(&a);
    let add_b = add(&a, &s, vec![], &b, Role::Admin);
    let b_adds_c = add(&b, &s, vec![add_b.hash()], &c, Role::Editor);
    let m = Membership::compute(&s, std::slice::from_ref(&b_adds_c));
    assert!(!m.can_read(&c.public()));
    let m = Membership::compute(&s, &[b_adds_c, add_b]);
    assert!(m.can_read(&c.public()));
}
