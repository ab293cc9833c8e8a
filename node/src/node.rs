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
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use twinmesh_protocol::ids::DocId;

use crate::{
    api::{self, Envelope, Request},
    engine::Engine,
    error::NodeError,
    identity::DataDir,
    net,
};

/// Jobs waiting for the engine thread. Each is a short operation; 64 lets API calls and sync
/// rounds queue up without a peer being able to make the queue grow without bound.
const ENGINE_QUEUE: usize = 64;

/// Reads waiting for the engine thread (views, lists, history, exports), in a queue of their
/// own that the engine serves in turn with [`ENGINE_QUEUE`], so a read waits behind at most
/// one write however many writers there are. Bounded like the write queue.
const READ_QUEUE: usize = 64;

/// Commands waiting for the network task.
pub(crate) const NET_QUEUE: usize = 64;

/// Events kept for a slow listener (a browser tab on a busy node). One that falls further
/// behind is told to reload everything (see [`NodeEvent`]), so nothing is lost, only batched.
pub const EVENT_QUEUE: usize = 256;

/// Where a document change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Made through this node's API.
    Local,
    /// Received from a partner.
    Remote,
}

/// What a running node tells live front ends (the web UI, through the HTTP API's
/// server-sent events). Events are hints to re-read: they carry ids, not content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeEvent {
    /// A document's content changed.
    Doc {
        /// The document.
        doc: DocId,
        /// Who changed it.
        origin: Origin,
    },
    /// Spaces, members or the document list changed (created, imported, joined, removed).
    Spaces,
    /// A partner connected or disconnected, or a sync round with it ended.
    Peers,
}

/// How long an API call may wait for the network (a dial, a sync) before it reports a timeout.
pub const NETWORK_CALL_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// Serve as a libp2p relay (v2) for other nodes (`twin start --relay`). A relay forwards
    /// encrypted streams; it learns nothing of the documents of spaces it is not a member of.
    pub relay_server: bool,
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
            relays: Vec::new(),
            proxy: None,
            sessions_per_peer: crate::net::MAX_SESSIONS_PER_PEER,
            api_hosts: Vec::new(),
        }
    }
}

type Job = Box<dyn FnOnce(&mut Engine) + Send>;

/// A cloneable handle to the engine thread.
#[derive(Clone, Debug)]
pub struct EngineHandle {
    tx: mpsc::Sender<Job>,
    reads: mpsc::Sender<Job>,
}

impl EngineHandle {
    /// Runs `f` on the engine thread and returns its result. `f` may change the store; calls
    /// run in the order they were made.
    pub async fn call<R, F>(&self, f: F) -> Result<R, NodeError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Engine) -> R + Send + 'static,
    {
        Self::run_on(&self.tx, f).await
    }

    /// Runs a read (`f` changes nothing a caller sees) on the engine thread through the read
    /// queue, which the engine serves in turn with the write queue: a read waits behind at
    /// most one write, not behind every queued one.
    pub async fn call_read<R, F>(&self, f: F) -> Result<R, NodeError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Engine) -> R + Send + 'static,
    {
        Self::run_on(&self.reads, f).await
    }

    /// Jobs waiting for the engine thread: (reads, writes). The job running now is not counted.
    pub fn queued(&self) -> (usize, usize) {
        let waiting = |q: &mpsc::Sender<Job>| q.max_capacity() - q.capacity();
        (waiting(&self.reads), waiting(&self.tx))
    }

    async fn run_on<R, F>(queue: &mpsc::Sender<Job>, f: F) -> Result<R, NodeError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Engine) -> R + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        queue
            .send(Box::new(move |e: &mut Engine| {
                let _ = tx.send(f(e));
            }))
            .await
            .map_err(|_| NodeError::Shutdown)?;
        rx.await.map_err(|_| {
            if queue.is_closed() {
                NodeError::Shutdown
            } else {
                NodeError::Internal("the request failed inside the node; see the node's log".into())
            }
        })
    }
}

/// The engine thread's next job: from the queue whose turn it is if it has one, else from the
/// other; blocks while both are empty. `None` when both are closed.
fn next_job(
    reads: &mut mpsc::Receiver<Job>,
    writes: &mut mpsc::Receiver<Job>,
    read_turn: bool,
) -> Option<(Job, bool)> {
    futures::executor::block_on(async {
        if read_turn {
            tokio::select! {
                biased;
                Some(j) = reads.recv() => Some((j, true)),
                Some(j) = writes.recv() => Some((j, false)),
                else => None,
            }
        } else {
            tokio::select! {
                biased;
                Some(j) = writes.recv() => Some((j, false)),
                Some(j) = reads.recv() => Some((j, true)),
                else => None,
            }
        }
    })
}

fn spawn_engine(engine: Engine) -> Result<(EngineHandle, JoinHandle<()>), NodeError> {
    let (tx, mut rx) = mpsc::channel::<Job>(ENGINE_QUEUE);
    let (reads, mut reads_rx) = mpsc::channel::<Job>(READ_QUEUE);
    let thread = std::thread::Builder::new()
        .name("twinmesh-engine".into())
        .spawn(move || {
            let mut engine = engine;
            // Reads and writes take turns when both wait, so neither starves the other.
            let mut read_turn = true;
            while let Some((job, was_read)) = next_job(&mut reads_rx, &mut rx, read_turn) {
                read_turn = !was_read;
                // A bug reached by one request (a panic, e.g. inside a dependency on data from
                // a peer) must not stop the node: the request fails, in-memory caches are
                // dropped (the store holds everything acknowledged), and the next job runs.
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut engine))).is_err() {
                    tracing::error!(
                        "a request failed with an internal error; reloading documents from the store"
                    );
                    engine.drop_caches();
                }
            }
            // Every acknowledged write was flushed; closing saves loaded documents whole (so
            // the next start loads them fast) and closes the store.
            engine.close();
        })
        .map_err(|e| NodeError::Network(format!("cannot start the engine thread: {e}")))?;
    Ok((EngineHandle { tx, reads }, thread))
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

/// A cloneable handle to a running node.
#[derive(Clone, Debug)]
pub struct NodeHandle {
    engine: EngineHandle,
    net: mpsc::Sender<net::NetCmd>,
    peer_id: libp2p::PeerId,
    events: broadcast::Sender<NodeEvent>,
    /// This node's identity (the answer to [`Request::Id`]): fixed while the node runs.
    id: std::sync::Arc<Value>,
    /// The network status (the answer to [`Request::Status`]), kept current by the network
    /// task, so status never waits for the engine or the network task.
    net_status: watch::Receiver<Value>,
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

    /// Answers an API request; network requests go to the network task, and changes made here
    /// are announced to partners. The identity, the schema and the network status are answered
    /// from what the node keeps current, without a job; other reads go through the engine's
    /// read queue ([`EngineHandle::call_read`]), so neither waits behind a run of writes.
    pub async fn request(&self, env: Envelope) -> Result<Value, NodeError> {
        match env.request {
            Request::Id => return Ok((*self.id).clone()),
            Request::Schema => return Ok(api::schema_json()),
            Request::Status => return Ok(self.net_status.borrow().clone()),
            _ => {}
        }
        if env.request.is_read() {
            return self.engine.call_read(move |e| api::handle(e, env)).await?;
        }
        if env.request.needs_network() {
            let joins = matches!(env.request, Request::SpaceJoin { .. });
            let (tx, rx) = oneshot::channel();
            self.net.send(net::NetCmd::Api(env.request, tx)).await.map_err(|_| NodeError::Shutdown)?;
            let result = match tokio::time::timeout(NETWORK_CALL_TIMEOUT, rx).await {
                Ok(r) => r.map_err(|_| NodeError::Shutdown)?,
                Err(_) => Err(NodeError::Network("timed out waiting for the network".into())),
            };
            if joins && result.is_ok() {
                let _ = self.events.send(NodeEvent::Spaces);
            }
            return result;
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
        let created = matches!(env.request, Request::DocNew { .. });
        let result = self.engine.call(move |e| api::handle(e, env)).await??;
        // Events are hints for live front ends; with no listener, sending fails, and that is fine.
        if let Some(doc) = changed {
            let _ = self.events.send(NodeEvent::Doc { doc, origin: Origin::Local });
        }
        if created && let Some(doc) = result.get("id").and_then(Value::as_str).and_then(|d| d.parse().ok()) {
            let _ = self.events.send(NodeEvent::Doc { doc, origin: Origin::Local });
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
        let (engine_handle, engine_thread) = spawn_engine(engine)?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (net_tx, net_rx) = mpsc::channel(NET_QUEUE);
        let (events, _) = broadcast::channel(EVENT_QUEUE);
        let (net_status_tx, net_status) = watch::channel(Value::Null);
        let peer_id = crate::identity::peer_id(&key.public());
        let net_task = net::spawn(
            &config,
            &key,
            engine_handle.clone(),
            net_rx,
            shutdown_rx.clone(),
            events.clone(),
            net_status_tx,
        )
        .await?;
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
