//! `twin sync` callers, waiting until their partners' hellos are answered and the sessions
//! those hellos started have ended.

use std::collections::HashSet;

use libp2p::{PeerId, request_response::OutboundRequestId};
use tokio::sync::oneshot;

use super::{super::answers::NetAnswer, Sessions};
use crate::error::NodeError;

/// A `twin sync` caller, waiting until its partners' hellos are answered and their sessions
/// ended.
pub(in crate::net) struct SyncWaiter {
    /// Tells the hello batch sent for it (see `jobs::Done::Hellos`).
    pub(in crate::net) id: u64,
    /// The partners it syncs with (a partner that disconnects is taken off).
    pub(in crate::net) peers: HashSet<PeerId>,
    /// Partners whose hello failed (unreachable, timed out).
    pub(in crate::net) failed: HashSet<PeerId>,
    /// Hellos sent and not yet answered (an answer counts once the sessions it asks for are
    /// started).
    pub(in crate::net) hellos: HashSet<OutboundRequestId>,
    /// True until the engine built its hellos and they were sent.
    pub(in crate::net) preparing: bool,
    pub(in crate::net) start_applied: u64,
    pub(in crate::net) start_rejected: u32,
    pub(in crate::net) reply: oneshot::Sender<Result<NetAnswer, NodeError>>,
}

impl SyncWaiter {
    /// True while the waiter has to wait.
    pub(in crate::net) fn busy(&self, sessions: &Sessions<PeerId>) -> bool {
        self.preparing || !self.hellos.is_empty() || sessions.busy_with(&self.peers)
    }
}
