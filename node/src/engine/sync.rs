//! Membership and document sync with partner nodes.
//!
//! The network layer moves [`twinmesh_protocol::wire`] messages; everything that decides what to accept lives
//! here, next to the store: who is a member, which documents differ, and which incoming
//! changes are signed by a member who may write. Accepted changes are applied in one batch and
//! persisted with their signatures before the reply is sent.
//!
//! One file per part: what this node remembers about partners (`sync/peers.rs`); what it keeps
//! in memory of their sync (`sync/partners.rs`); hellos, the documents that differ and the
//! heads digests (`sync/hello.rs`); sync rounds, built and taken in (`sync/round.rs`); how a
//! round's changes are proven and which held changes go along as witnesses (`sync/proof.rs`).

mod hello;
mod partners;
mod peers;
mod proof;
mod round;
#[cfg(test)]
pub(crate) mod tests;

// The round checks and the heads digest are rules every node shares (protocol crate); named
// here too for the fuzz targets and the tests.
pub use twinmesh_protocol::round::heads_digest;
#[doc(hidden)]
pub use twinmesh_protocol::round::open_round;

pub use partners::MAX_PENDING_DOCS;
pub(crate) use partners::PartnerSync;
pub use peers::{LAST_SEEN_RESOLUTION_MS, MAX_PEER_ADDRS, PeerRecord};
pub use round::Received;
pub(crate) use round::sync_key;

use super::Engine;
