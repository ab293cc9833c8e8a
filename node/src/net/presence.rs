//! Presence: which officers of which partner towns have a document open right now.
//!
//! An editor tells its node every [`PRESENCE_HEARTBEAT`] that its officer has a document open
//! (`POST /api/v1/docs/{id}/presence`), and once more when it closes it. The node tells the
//! connected members of the document's space on [`PRESENCE_PROTOCOL`], at once when the list
//! of its officers in the document changes and again every heartbeat while it is not empty;
//! a receiver keeps what it heard for [`PRESENCE_TTL`], and forgets a partner's presence at
//! once when it disconnects. Nothing of it is stored. A message from a town that is not a
//! member, about a document not held here, over [`MAX_PRESENCE_BYTES`] or past the rate limit
//! is dropped. Old nodes do not speak the protocol: nothing is sent to them.
//!
//! The codec is in `presence/codec.rs`, what this node knows of who has what open (the
//! presence book: limits and expiry) in `presence/book.rs`; this file holds the limits and what
//! the network loop does with presence.
//!
//! [`PRESENCE_HEARTBEAT`]: twinmesh_protocol::presence::PRESENCE_HEARTBEAT
//! [`PRESENCE_TTL`]: twinmesh_protocol::presence::PRESENCE_TTL
//! [`MAX_PRESENCE_BYTES`]: twinmesh_protocol::presence::MAX_PRESENCE_BYTES

mod book;
mod codec;
#[cfg(test)]
mod tests;

use super::answers::{NetAnswer, Present};
use super::work::Work;
use std::{collections::HashSet, time::Instant};

use libp2p::{PeerId, request_response};
use tokio::sync::oneshot;
use twinmesh_protocol::{ids::DocId, keys::PublicKey, presence::Presence};

pub use twinmesh_protocol::presence::PRESENCE_PROTOCOL;

use super::task::NetTask;
use crate::{error::NodeError, event::NodeEvent, identity::key_of_peer};

pub(super) use book::PresenceBook;
pub use book::Viewer;
pub use codec::PresenceCodec;

/// Most presence messages taken from one partner per [`PRESENCE_HEARTBEAT`]: one per open
/// document per heartbeat, plus the opens and closes in between, with room to spare.
///
/// [`PRESENCE_HEARTBEAT`]: twinmesh_protocol::presence::PRESENCE_HEARTBEAT
pub const MAX_PRESENCE_PER_HEARTBEAT: u32 = 40;

/// Most documents one partner can be present in at once, as this node keeps it.
pub const MAX_PRESENCE_DOCS_PER_PEER: usize = 64;

/// Most editor tabs this node keeps as having one document open (a script that opens tabs in
/// a loop cannot grow the table).
const MAX_LOCAL_TABS_PER_DOC: usize = 32;

/// Presence as the API shows it: per partner town present, its name, country and officers.
pub(super) fn present_json(
    e: &crate::engine::Engine,
    present: &[(DocId, PublicKey, Vec<String>)],
) -> Result<Vec<Present>, NodeError> {
    let mut out = Vec::new();
    for (doc, key, officers) in present {
        let profile = e.peer(key)?.and_then(|r| r.profile);
        out.push(Present {
            doc: *doc,
            id: crate::identity::peer_id(key).to_string(),
            town: profile.as_ref().map(|p| p.name.clone()),
            country: profile.as_ref().map(|p| p.country.clone()),
            officers: officers.clone(),
        });
    }
    Ok(out)
}

/// What the loop does after a presence job.
pub(super) enum PresenceDone {
    /// The members to tell this node's presence in `doc` (all connected ones, or `only`).
    Targets { doc: DocId, only: Option<PeerId>, targets: Result<Vec<PublicKey>, NodeError> },
    /// A partner's message, and whether it may tell it.
    Heard { peer: PeerId, msg: Presence, allowed: Result<bool, NodeError> },
}

impl NetTask {
    /// `GET`/`POST /api/v1/docs/{doc}/presence`: records the tab's presence, if given, tells
    /// the partners when this node's officers in the document changed, and answers who of
    /// the partners has it open.
    pub(super) fn presence_request(
        &mut self,
        doc: DocId,
        viewer: Option<Viewer>,
        reply: oneshot::Sender<Result<NetAnswer, NodeError>>,
    ) {
        if let Some(v) = viewer
            && self.presence.set_local(doc, v, Instant::now())
        {
            self.tell_presence(doc, None);
        }
        let present = self.presence.present(Some(&doc));
        self.job(Work::PresenceList { doc, present, reply });
    }

    /// Tells the connected members of `doc`'s space (or only `only`) which of this node's
    /// officers have it open (one job finds the members).
    fn tell_presence(&mut self, doc: DocId, only: Option<PeerId>) {
        self.job(Work::PresenceTargets { doc, only });
    }

    /// Every [`PRESENCE_HEARTBEAT`]: forgets stale presence, and repeats this node's.
    pub(super) fn presence_tick(&mut self) {
        let (local_changed, remote_changed) = self.presence.expire(Instant::now());
        for doc in remote_changed {
            let _ = self.events.send(NodeEvent::Presence { doc });
        }
        let mut docs: HashSet<DocId> = self.presence.open_docs().into_iter().collect();
        docs.extend(local_changed);
        for doc in docs {
            self.tell_presence(doc, None);
        }
    }

    /// `peer` connected: it hears this node's presence now rather than at the next heartbeat.
    pub(super) fn presence_peer_connected(&mut self, peer: PeerId) {
        for doc in self.presence.open_docs() {
            self.tell_presence(doc, Some(peer));
        }
    }

    /// `peer` disconnected: its presence ends now.
    pub(super) fn presence_peer_gone(&mut self, peer: &PeerId) {
        for doc in self.presence.drop_peer(peer) {
            let _ = self.events.send(NodeEvent::Presence { doc });
        }
    }

    /// An event of the presence protocol.
    pub(super) fn on_presence_event(&mut self, ev: request_response::Event<Presence, ()>) {
        match ev {
            request_response::Event::Message {
                peer,
                message: request_response::Message::Request { request, channel, .. },
                ..
            } => {
                let _ = self.swarm.behaviour_mut().presence.send_response(channel, ());
                if !self.presence.admit(peer, Instant::now()) {
                    tracing::debug!(%peer, "presence over the rate limit; dropped");
                    return;
                }
                let Some(key) = key_of_peer(&peer) else { return };
                self.job(Work::PresenceHeard { peer, key, msg: request });
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                // An oversized or undecodable message is refused by the codec, unread.
                tracing::debug!(%peer, %error, "presence message refused");
            }
            request_response::Event::OutboundFailure { peer, error, .. } => {
                // An older node does not speak presence: nothing to tell it.
                tracing::trace!(%peer, %error, "presence not delivered");
            }
            _ => {}
        }
    }

    /// Acts on a finished presence job.
    pub(super) fn on_presence_done(&mut self, done: PresenceDone) {
        match done {
            PresenceDone::Targets { doc, only, targets } => {
                let Ok(targets) = targets else { return };
                let officers = self.presence.local_officers(&doc);
                for key in targets {
                    let peer = crate::identity::peer_id(&key);
                    if only.is_some_and(|o| o != peer) || !self.peers.is_connected(&peer) {
                        continue;
                    }
                    let msg = Presence { doc, officers: officers.clone() };
                    let _ = self.swarm.behaviour_mut().presence.send_request(&peer, msg);
                }
            }
            PresenceDone::Heard { peer, msg, allowed } => {
                match allowed {
                    Ok(true) if self.peers.is_connected(&peer) => {}
                    Ok(_) => {
                        tracing::debug!(%peer, doc = %msg.doc, "presence from a non-member or about an unknown document; ignored");
                        return;
                    }
                    Err(e) => {
                        tracing::debug!(%peer, error = %e, "presence not checked");
                        return;
                    }
                }
                let doc = msg.doc;
                let arrived = !msg.officers.is_empty() && !self.presence.is_present(&peer, &doc);
                if self.presence.heard(peer, msg, Instant::now()) {
                    let _ = self.events.send(NodeEvent::Presence { doc });
                }
                // A partner just opened a document this node's officers have open: tell it now
                // rather than at the next heartbeat.
                if arrived && !self.presence.local_officers(&doc).is_empty() {
                    let officers = self.presence.local_officers(&doc);
                    let _ =
                        self.swarm.behaviour_mut().presence.send_request(&peer, Presence { doc, officers });
                }
            }
        }
    }
}
