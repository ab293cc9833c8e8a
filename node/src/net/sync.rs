//! The sync protocol in the event loop: partners' requests, the answers to this node's
//! requests, and the sessions they drive. Engine work goes out as jobs; what comes back
//! (`jobs::Done`) is finished here.
//!
//! Hellos are finished in `sync/hello.rs`; the sessions (opening, rounds and whole-document
//! transfers taken in, ends) in `sync/sessions.rs`.

mod hello;
mod sessions;

use super::work::Work;
use libp2p::{
    PeerId,
    request_response::{self, OutboundRequestId, ResponseChannel},
};
use twinmesh_protocol::wire::{
    DocSnapshot, DocSync, Refusal, Request as WireRequest, Response as WireResponse,
};

use super::{
    codec::{self, Inbound},
    jobs::Answer,
    task::{NetTask, Pending},
};
use crate::{error::NodeError, identity::key_of_peer};

impl NetTask {
    pub(super) fn on_sync_event(&mut self, ev: request_response::Event<Inbound, WireResponse>) {
        match ev {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request { request: Inbound::Refused(why), channel, .. } => {
                    self.refused_frame(peer, &format!("sent a frame we refused: {why}"));
                    let refusal = WireResponse::Refused(Refusal::BadMessage(why));
                    let _ = self.swarm.behaviour_mut().sync.send_response(channel, refusal);
                }
                request_response::Message::Request {
                    request: Inbound::Request(request), channel, ..
                } => self.on_request(peer, request, channel),
                request_response::Message::Response { request_id, response } => {
                    self.on_response(request_id, response)
                }
            },
            request_response::Event::OutboundFailure { peer, request_id, error, .. } => {
                tracing::debug!(%peer, %error, "request failed");
                if let request_response::OutboundFailure::Io(e) = &error
                    && codec::is_refused_frame(e)
                {
                    self.refused_frame(peer, &format!("answered with a frame we refused: {e}"));
                }
                let Some((_, kind)) = self.pending.remove(&request_id) else { return };
                for w in &mut self.waiters {
                    if w.hellos.remove(&request_id) {
                        w.failed.insert(peer);
                    }
                }
                match kind {
                    // A whole-document request typically fails with a peer that speaks only
                    // version 1: it failed before it was sent.
                    Pending::Session(sent) => self.drive_sessions(|d, at| d.failed(peer, sent, at)),
                    Pending::Join(reply) => {
                        let _ = reply.send(Err(NodeError::Network(format!(
                            "cannot reach the inviting town's node ({error}); it may be offline: try again later"
                        ))));
                    }
                    Pending::Hello => {}
                }
                self.check_waiters();
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, %error, "inbound request failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    /// A frame from `peer` was refused: it counts towards the peer's ban.
    fn refused_frame(&mut self, peer: PeerId, reason: &str) {
        let ban = self.peers.refused_frame(peer, reason);
        self.cut_off_if(ban, peer);
    }

    /// A partner's request: each kind becomes one engine job, answered when it is done.
    fn on_request(&mut self, peer: PeerId, request: WireRequest, channel: ResponseChannel<WireResponse>) {
        let Some(key) = key_of_peer(&peer) else {
            let refusal = Refusal::BadMessage(NodeError::NotAllowed("no key".into()).to_string());
            let _ = self.swarm.behaviour_mut().sync.send_response(channel, WireResponse::Refused(refusal));
            return;
        };
        match request {
            WireRequest::Hello { from, spaces } => {
                self.job(Work::AnswerHello { peer, key, channel, from, spaces })
            }
            WireRequest::Join { space, secret, from } => {
                if from.key != key {
                    let refusal = Refusal::Invitation("profile does not match the connection".into());
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .sync
                        .send_response(channel, WireResponse::Refused(refusal));
                    return;
                }
                self.job(Work::Redeem { peer, channel, space, secret, from });
            }
            WireRequest::Fetch { space: _, doc } => self.job(Work::Serve { peer, key, channel, doc }),
            WireRequest::Snapshot(snap) => self.install(peer, snap, Answer::Inbound(channel)),
            WireRequest::Sync(msg) => self.receive(peer, msg, Answer::Inbound(channel)),
        }
    }

    /// The answer to one of this node's requests.
    fn on_response(&mut self, request_id: OutboundRequestId, response: WireResponse) {
        let Some((peer, kind)) = self.pending.remove(&request_id) else { return };
        let key = key_of_peer(&peer);
        match (kind, response) {
            (Pending::Hello, WireResponse::Hello { from, spaces }) => match key {
                // The waiters keep counting this hello until its sessions are started.
                Some(key) => self.job(Work::HelloResponse { peer, key, request_id, from, spaces }),
                None => self.hello_done(request_id),
            },
            (Pending::Hello, other) => {
                tracing::info!(%peer, response = ?std::mem::discriminant(&other), "hello refused");
                self.hello_done(request_id);
            }
            (Pending::Session(sent), response) => {
                self.drive_sessions(|d, at| d.answered(peer, sent, response, at))
            }
            (Pending::Join(reply), WireResponse::Joined { space, log }) => {
                self.job(Work::AcceptJoin { inviter: peer, reply, space, log })
            }
            (Pending::Join(reply), WireResponse::Refused(r)) => {
                let _ = reply.send(Err(NodeError::NotAllowed(r.to_string())));
            }
            (Pending::Join(reply), _) => {
                let _ = reply.send(Err(NodeError::Network("unexpected answer to a join".into())));
            }
        }
    }

    /// Checks and stores a document `peer` sent whole (one engine job), pushed to this node or
    /// fetched by one of its sessions.
    fn install(&mut self, peer: PeerId, snap: DocSnapshot, to: Answer) {
        let doc = snap.doc;
        let Some(key) = key_of_peer(&peer) else {
            self.installed(peer, doc, to, Err(NodeError::NotAllowed("no key".into())));
            return;
        };
        self.job(Work::Install { peer, key, snap, to });
    }

    /// Takes in a sync round from `peer` (one engine job).
    fn receive(&mut self, peer: PeerId, msg: DocSync, to: Answer) {
        let round = (msg.space, msg.doc, msg.kind);
        let Some(key) = key_of_peer(&peer) else {
            self.received(peer, round, to, Ok(Err(Refusal::NotAMember)));
            return;
        };
        self.job(Work::Receive { peer, key, msg, to });
    }
}
