//! The running node: the engine on its own thread, the libp2p network in one task, and the
//! local HTTP API, tied together by bounded channels.
//!
//! ```text
//!  HTTP API / CLI ──► NodeHandle ──► engine thread (Engine: store + documents)
//!                          │               ▲
//!                          ▼               │ closures with a oneshot reply
//!                    network task (owns the Swarm) ◄──► partner nodes
//! ```

use std::{net::SocketAddr, thread::JoinHandle, time::Duration};

use libp2p::Multiaddr;
use tokio::sync::{broadcast, mpsc, watch};

use crate::{
    api::{self, Envelope, Request},
    engine::Engine,
    error::NodeError,
    identity::DataDir,
    net,
};
pub use crate::{
    engine::EngineHandle,
    event::{NodeEvent, Origin},
    handle::{NETWORK_CALL_TIMEOUT, NodeHandle},
};

/// Commands waiting for the network task.
pub(crate) const NET_QUEUE: usize = 64;

/// Events kept for a slow listener (a browser tab on a busy node). One that falls further
/// behind is told to reload everything (see [`NodeEvent`]), so nothing is lost, only batched.
pub const EVENT_QUEUE: usize = 256;

/// Node configuration. `Default` is a local-development node: TCP on an OS-chosen port on
/// loopback, mDNS off, API on an OS-chosen loopback port.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory (must be initialised).
    pub data_dir: DataDir,
    /// Addresses to listen on, e.g. `/ip4/0.0.0.0/tcp/4001` and `/ip4/0.0.0.0/udp/4001/quic-v1`.
    pub listen: Vec<Multiaddr>,
    /// Discover partners on the local network with mDNS.
    pub mdns: bool,
    /// Where to serve the local HTTP API; `None` serves none.
    pub api: Option<SocketAddr>,
    /// Redial partners remembered from earlier runs.
    pub redial: bool,
    /// Serve as a partnership relay (libp2p relay v2, `twin start --relay`) for the active
    /// members of the spaces this town is a member of, and for `relay_allow`; strangers are
    /// refused. A relay forwards encrypted streams; it learns nothing of the documents of
    /// spaces it is not a member of. Limits: [`crate::net::RELAY_CIRCUIT_BYTES`] and
    /// [`crate::net::RELAY_CIRCUIT_DURATION`] per circuit.
    pub relay_server: bool,
    /// Towns (PeerIds) the relay also serves though they share no space with this town
    /// (`twin start --relay-allow`), e.g. when the relay's own town is a member of no space.
    pub relay_allow: Vec<libp2p::PeerId>,
    /// Relays to reserve a slot on, so partners can reach this node through them
    /// (e.g. `/dns4/relay.example.org/tcp/4001/p2p/12D3KooW...`).
    pub relays: Vec<Multiaddr>,
    /// An HTTP proxy for every outgoing TCP connection (`twin start --proxy`), for town halls
    /// that reach the internet only through one.
    pub proxy: Option<crate::net::town_tcp::Proxy>,
    /// Most sync sessions the node drives with one partner at once
    /// ([`crate::net::MAX_SESSIONS_PER_PEER`]); the others wait for those to end.
    pub sessions_per_peer: usize,
    /// Host names the API answers to besides the address it listens on and `localhost`
    /// (`twin start --api-host`), e.g. `twin.townhall.lan`. A request with any other `Host` is
    /// refused with 421, so a web page that rebinds its own name to 127.0.0.1 cannot use the
    /// API or the web UI.
    pub api_hosts: Vec<String>,
    /// Fetch every attachment of the documents held as soon as it is recorded (`twin start
    /// --attachments eager`, the default), within each space's cap; else only the attachments
    /// asked for (`--attachments on-demand`, `twin doc attachment fetch`).
    pub attachments_eager: bool,
    /// The most attachment bytes a second this node fetches from partners (`twin start
    /// --attachment-rate`), for a town hall on a slow line; `None`: no limit.
    pub attachment_rate: Option<u64>,
}

impl Config {
    /// A local-development config for `data_dir`.
    pub fn new(data_dir: DataDir) -> Self {
        Self {
            data_dir,
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("static multiaddr")],
            mdns: false,
            api: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            redial: true,
            relay_server: false,
            relay_allow: Vec::new(),
            relays: Vec::new(),
            proxy: None,
            sessions_per_peer: crate::net::MAX_SESSIONS_PER_PEER,
            api_hosts: Vec::new(),
            attachments_eager: true,
            attachment_rate: None,
        }
    }
}

/// How long a document must go unchanged before the idle compactor saves it whole.
const COMPACT_QUIET: Duration = Duration::from_secs(5);

/// Every [`COMPACT_QUIET`], saves whole a few loaded documents that changed but have been quiet
/// since (see [`Engine::compact_loaded`]); stops at shutdown.
fn spawn_compactor(engine: EngineHandle, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(COMPACT_QUIET) => {}
                _ = shutdown.changed() => return,
            }
            match engine.call(|e| e.compact_loaded(Some(COMPACT_QUIET), 4)).await {
                Ok(Ok(n)) if n > 0 => tracing::debug!(documents = n, "compacted quiet documents"),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "could not compact documents"),
                Err(_) => return,
            }
        }
    });
}

/// A running node. Call [`Node::shutdown`] to stop it in order.
#[must_use = "a node stops when shut down; keep it"]
pub struct Node {
    handle: NodeHandle,
    shutdown: watch::Sender<bool>,
    net_task: tokio::task::JoinHandle<()>,
    http: Option<(SocketAddr, tokio::task::JoinHandle<()>)>,
    engine_thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node").field("peer_id", &self.handle.peer_id).finish()
    }
}

impl Node {
    /// Opens the store and starts the engine thread, the network and the HTTP API.
    ///
    /// # Errors
    /// The store is locked or missing, a listen address is unusable, or the API port is taken.
    pub async fn spawn(config: Config) -> Result<Self, NodeError> {
        let mut engine = Engine::open(&config.data_dir)?;
        let key = engine.secret_key().clone();
        let id =
            std::sync::Arc::new(api::handle(&mut engine, Envelope { officer: None, request: Request::Id })?);
        let (events, _) = broadcast::channel(EVENT_QUEUE);
        // Long exports and imports report their progress on the event stream.
        let progress_events = events.clone();
        engine.set_progress_sink(Some(std::sync::Arc::new(move |s: &crate::engine::Step| {
            let _ = progress_events.send(NodeEvent::from(s));
        })));
        let (engine_handle, engine_thread) = crate::engine::handle::spawn(engine)?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (net_tx, net_rx) = mpsc::channel(NET_QUEUE);
        let (net_status_tx, net_status) = watch::channel(net::NetStatus::default());
        let peer_id = crate::identity::peer_id(&key.public());
        let net_config = net::NetConfig {
            listen: config.listen.clone(),
            mdns: config.mdns,
            redial: config.redial,
            relay_server: config.relay_server,
            relay_allow: config.relay_allow.clone(),
            relays: config.relays.clone(),
            proxy: config.proxy.clone(),
            sessions_per_peer: config.sessions_per_peer,
            attachments_eager: config.attachments_eager,
            attachment_rate: config.attachment_rate,
        };
        let links = net::NetLinks {
            cmds: net_rx,
            shutdown: shutdown_rx.clone(),
            events: events.clone(),
            status: net_status_tx,
        };
        let net_task = net::spawn(&net_config, &key, engine_handle.clone(), links).await?;
        spawn_compactor(engine_handle.clone(), shutdown_rx.clone());
        let handle = NodeHandle { engine: engine_handle, net: net_tx, peer_id, events, id, net_status };
        let http = match config.api {
            Some(addr) => Some(
                crate::http::serve(addr, &config.api_hosts, &config.data_dir, handle.clone(), shutdown_rx)
                    .await?,
            ),
            None => None,
        };
        Ok(Self { handle, shutdown, net_task, http, engine_thread: Some(engine_thread) })
    }

    /// A handle for requests.
    pub fn handle(&self) -> &NodeHandle {
        &self.handle
    }

    /// Where the HTTP API listens, if it runs.
    pub fn api_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().map(|(a, _)| *a)
    }

    /// Stops the HTTP API and the network, then lets the engine finish its queue and close
    /// the store.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some((_, task)) = self.http.take() {
            let _ = task.await;
        }
        let _ = (&mut self.net_task).await;
        let engine_thread = self.engine_thread.take();
        drop(self);
        if let Some(t) = engine_thread {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}
