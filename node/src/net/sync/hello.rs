//! Hellos in the sync protocol: finishing the jobs that take in a partner's hello (answering
//! it) and the answer to ours (opening the sessions for the documents that differ).

use libp2p::{
    PeerId,
    request_response::{OutboundRequestId, ResponseChannel},
};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    space::Municipality,
    wire::{Refusal, Response as WireResponse, SpaceSummary},
};

use super::super::task::NetTask;
use crate::{error::NodeError, event::NodeEvent};

impl NetTask {
    /// A hello is answered and acted on: the waiters stop counting it.
    pub(super) fn hello_done(&mut self, request_id: OutboundRequestId) {
        for w in &mut self.waiters {
            w.hellos.remove(&request_id);
        }
        self.check_waiters();
    }

    pub(in crate::net) fn hello_answered(
        &mut self,
        peer: PeerId,
        channel: ResponseChannel<WireResponse>,
        answer: Result<(Municipality, Vec<SpaceSummary>, bool, Vec<SpaceId>), NodeError>,
    ) {
        let response = match answer {
            Ok((me, spaces, changed, mine)) => {
                self.subscribe(mine);
                if changed {
                    self.refresh_relay_allow();
                    let _ = self.events.send(NodeEvent::Spaces);
                    // Tell everyone, the sender too: it may hold documents of a space we just
                    // learned, and only the side that sends a hello compares documents.
                    self.send_hellos(self.peers.ids(), false, None, None);
                }
                self.peers.hello_is_news(peer, &spaces, false);
                WireResponse::Hello { from: me, spaces }
            }
            Err(NodeError::Shutdown) => return,
            Err(e) => WireResponse::Refused(Refusal::BadMessage(e.to_string())),
        };
        // A partner that disconnected meanwhile: the channel is closed and this fails.
        let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
    }

    pub(in crate::net) fn hello_response(
        &mut self,
        peer: PeerId,
        request_id: OutboundRequestId,
        differ: Result<(Vec<DocId>, bool, Vec<SpaceId>), NodeError>,
    ) {
        if let Ok((docs, log_changed, mine)) = differ {
            self.subscribe(mine);
            if log_changed {
                self.refresh_relay_allow();
                let _ = self.events.send(NodeEvent::Spaces);
                self.rehello_except(peer);
            }
            // A partner that disconnected meanwhile gets its sessions at the next hello.
            if self.peers.is_connected(&peer) {
                for d in docs {
                    self.start_session(peer, d);
                }
            }
        }
        self.hello_done(request_id);
    }
}
