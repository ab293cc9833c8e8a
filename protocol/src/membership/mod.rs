//! The membership log of a space: signed operations in a hash DAG, and the deterministic rule
//! that turns any set of them into the same membership on every node.
//!
//! - The space's genesis (see [`crate::space`]) makes its founder the first admin.
//! - Every later operation is signed by its author and names the operations it has seen
//!   (`parents`); its id is the SHA-256 of `"twinmesh/member-op/v1" ‖ postcard(op)`.
//! - [`Membership::compute`] orders the operations topologically (parents first, ties broken by
//!   the smaller operation hash) and applies each one if its author may make it: only admins
//!   add, change roles and remove; anyone may leave; nobody may remove or demote the last
//!   admin. An operation that does not apply is shown as rejected; which of them a node
//!   stores at all is decided by [`admit`] (junk never, the rest within a per-author budget).
//!
//! Authority never depends on the order of concurrent operations (which an author could steer
//! by grinding its operation's hash): it is judged in each operation's causal past, and
//! **removals win** — an operation by `X` that is concurrent with an applied removal or
//! demotion of `X` (by someone else) is rejected. Two admins removing each other concurrently
//! both end removed, unless that would leave no admin: then the more senior of them (the
//! founder, else the one made admin first) stays. A removal applies only to the membership it
//! has seen, so a re-added member is not removed again by a removal that did not know of it.
//!
//! A member that leaves records no cutoff of its own writes (it cannot vouch for itself); an
//! admin may record or tighten the cutoff of a former member by removing it again.
//!
//! One file per part: the operations and their signatures (`ops.rs`), the topological order of a
//! log (`dag.rs`), the rules one pass applies and the vetoes between passes (`rules.rs`), the
//! computed membership and its queries (`compute.rs`), and which operations a node stores
//! (`admission.rs`).

mod admission;
mod compute;
mod dag;
mod ops;
mod rules;

pub use admission::{Admission, LogFull, MAX_INEFFECTIVE_PER_AUTHOR, MAX_STORED_OPS, admissible, admit};
pub use compute::{Member, Membership, OpOutcome, WriteRight};
pub use ops::{DocCutoff, MemberOp, OpBody, Role, SignedOp};

/// Domain prefix of membership operations.
pub const OP_DOMAIN: &[u8] = b"twinmesh/member-op/v1";

/// Most operations a node stores in one space's log. Operations that would take a log beyond it
/// are refused with an error; [`Membership::compute`] itself never truncates.
pub const MAX_LOG_OPS: usize = 10_000;

/// Most operations, summed over the spaces, that a node reads from one hello to learn spaces it
/// does not hold yet (each costs a signature check).
pub const MAX_NEW_SPACE_OPS_PER_HELLO: usize = 1_000;

/// Most spaces a node reads from one hello; the rest are ignored.
pub const MAX_SPACES_PER_HELLO: usize = 100;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod admit_tests;
