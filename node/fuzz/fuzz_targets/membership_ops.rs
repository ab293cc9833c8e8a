//! Membership: a space record and its signed operation log as they arrive in a hello, a join
//! answer or a bundle, decoded and then computed into a membership (signatures checked, ops
//! ordered, rights applied).
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinmesh_protocol::{
    membership::{Membership, SignedOp, admissible},
    space::SignedSpace,
    wire,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(op) = wire::decode::<SignedOp>(data) {
        let _ = op.verify();
        let _ = op.hash();
    }
    if let Ok((space, log)) = wire::decode::<(SignedSpace, Vec<SignedOp>)>(data) {
        let _ = Membership::compute(&space, &log);
        let admitted = admissible(&space, &[], log);
        let _ = Membership::compute(&space, &admitted);
    }
});
