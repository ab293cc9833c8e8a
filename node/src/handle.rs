//! [`NodeHandle`]: the one way into a running node, for the HTTP API and embedders. It answers
//! requests with the engine and hands network requests to the network task.

use libp2p::Multiaddr;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::{
    api::{self, Envelope, Request, Response},
    engine::EngineHandle,
    error::NodeError,
    event::{NodeEvent, Origin},
    net,
};

/// How long an API call may wait for the network (a dial, a sync) before it reports a timeout.
pub const NETWORK_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A cloneable handle to a running node.
#[derive(Clone, Debug)]
pub struct NodeHandle {
    pub(crate) engine: EngineHandle,
    pub(crate) net: mpsc::Sender<net::NetCmd>,
    pub(crate) peer_id: libp2p::PeerId,
    pub(crate) events: broadcast::Sender<NodeEvent>,
    /// This node's identity (the answer to [`Request::Id`]): fixed while the node runs.
    pub(crate) id: std::sync::Arc<Response>,
    /// The network status (the answer to [`Request::Status`]), kept current by the network
    /// task, so status never waits for the engine or the network task.
    pub(crate) net_status: watch::Receiver<net::NetStatus>,
}

impl NodeHandle {
    /// This node's PeerId.
    pub fn peer_id(&self) -> libp2p::PeerId {
        self.peer_id
    }

    /// Live events: document changes and partner status. A receiver that lags gets
    /// `RecvError::Lagged` and should re-read what it shows.
    pub fn subscribe(&self) -> broadcast::Receiver<NodeEvent> {
        self.events.subscribe()
    }

    /// The engine.
    pub fn engine(&self) -> &EngineHandle {
        &self.engine
    }

    /// Answers an API request as JSON: the HTTP API's edge. See [`Self::answer`].
    pub async fn request(&self, env: Envelope) -> Result<Value, NodeError> {
        api::to_json(&self.answer(env).await?)
    }

    /// Answers an API request; network requests go to the network task, and changes made here
    /// are announced to partners. The identity, the schema and the network status are answered
    /// from what the node keeps current, without a job; other reads go through the engine's
    /// read queue ([`EngineHandle::call_read`]), so neither waits behind a run of writes.
    pub async fn answer(&self, env: Envelope) -> Result<Response, NodeError> {
        match env.request {
            Request::Id => return Ok((*self.id).clone()),
            Request::Schema => return Ok(Response::Schema(api::schema())),
            Request::Status => {
                return Ok(Response::Network(net::NetAnswer::Status(self.net_status.borrow().clone())));
            }
            _ => {}
        }
        if env.request.is_read() {
            return self.engine.call_read(move |e| api::handle(e, env)).await?;
        }
        if let Some(req) = env.request.net_request() {
            let joins = matches!(req, net::NetRequest::SpaceJoin { .. });
            let (tx, rx) = oneshot::channel();
            self.net.send(net::NetCmd::Api(req, tx)).await.map_err(|_| NodeError::Shutdown)?;
            let result = match tokio::time::timeout(NETWORK_CALL_TIMEOUT, rx).await {
                Ok(r) => r.map_err(|_| NodeError::Shutdown)?,
                Err(_) => Err(NodeError::Network("timed out waiting for the network".into())),
            };
            if joins && result.is_ok() {
                let _ = self.events.send(NodeEvent::Spaces);
            }
            return result.map(Response::Network);
        }
        let changed = env.request.changes_doc();
        let rehello = matches!(
            env.request,
            Request::SpaceAdd { .. }
                | Request::SpaceRole { .. }
                | Request::SpaceRemove { .. }
                | Request::SpaceLeave { .. }
                | Request::DocNew { .. }
                | Request::DocImport { .. }
                | Request::BundleImport { .. }
                | Request::SpaceCreate { .. }
        );
        let result = self.engine.call(move |e| api::handle(e, env)).await??;
        // Events are hints for live front ends; with no listener, sending fails, and that is fine.
        if let Some(doc) = changed {
            let _ = self.events.send(NodeEvent::Doc { doc, origin: Origin::Local });
        }
        if let Response::Doc(created) = &result {
            let _ = self.events.send(NodeEvent::Doc { doc: created.id, origin: Origin::Local });
        }
        if rehello {
            let _ = self.events.send(NodeEvent::Spaces);
        }
        // Announcements are hints: if the queue is full, the next hello or sync catches up.
        if let Some(doc) = changed {
            let _ = self.net.try_send(net::NetCmd::Announce(doc));
        }
        if rehello {
            let _ = self.net.try_send(net::NetCmd::Rehello);
        }
        Ok(result)
    }

    /// The addresses the node listens on.
    pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, NodeError> {
        let (tx, rx) = oneshot::channel();
        self.net.send(net::NetCmd::ListenAddrs(tx)).await.map_err(|_| NodeError::Shutdown)?;
        rx.await.map_err(|_| NodeError::Shutdown)
    }
}
