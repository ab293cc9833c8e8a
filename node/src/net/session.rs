//! Sync sessions: the driver that decides everything about them is sans I/O and lives in
//! [`twinmesh_protocol::session`] (the gate, the queue, the rounds, the whole-document exchange
//! and its fallback); here are what the node adds around it: the answers to a partner's
//! requests from the engine's results (`reply.rs`), the `twin sync` waiters (`waiter.rs`), how
//! often the gate is swept, and the seeded simulator that runs the driver on engines in memory
//! (`sim.rs`, in `cargo test`).

mod reply;
#[cfg(test)]
mod sim;
mod waiter;

use std::time::Duration;

pub(super) use twinmesh_protocol::session::{At, Driver, Sent, Sessions, Step};
pub use twinmesh_protocol::session::{MAX_ROUNDS, MAX_SESSIONS, MAX_SESSIONS_PER_PEER, SESSION_GATE};

pub(super) use self::{
    reply::{installed_reply, round_reply, served_reply},
    waiter::SyncWaiter,
};

/// How often sessions kept waiting by a slow one are looked at again.
pub(super) const GATE_SWEEP: Duration = Duration::from_secs(1);
