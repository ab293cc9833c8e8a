//! Shared harness: real nodes on loopback, each with its own temp data dir.
#![allow(dead_code, unreachable_pub)]

pub mod web;

use std::{future::Future, time::Duration};

use futures::StreamExt;
use libp2p::{
    PeerId, StreamProtocol, Swarm, noise,
    request_response::{self, ProtocolSupport},
    swarm::{NetworkBehaviour, SwarmEvent},
    tcp, yamux,
};
use twinmesh_node::{identity::libp2p_keypair, net::SyncCodec};
use twinmesh_protocol::{
    keys::SecretKey,
    wire::{self, Response},
};

use serde_json::Value;
use twinmesh_node::{
    Config, DataDir, Engine, Node,
    api::{EditSpec, Envelope, Request},
};

/// Every wait in these tests is bounded by this.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Whether a test that needs a real component (network namespaces, Chromium) must run rather
/// than skip: always in CI (`CI` set and not `false`), or where `TWIN_REQUIRE_REAL=1`.
pub fn real_components_required() -> bool {
    let set = |v: &str| std::env::var(v).is_ok_and(|s| !s.is_empty() && s != "0" && s != "false");
    set("CI") || set("TWIN_REQUIRE_REAL")
}

pub struct TestNode {
    pub dir: tempfile::TempDir,
    pub node: Option<Node>,
    pub name: String,
}

pub fn init(name: &str, country: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    Engine::init(&DataDir::new(dir.path()), name, country, false).expect("init");
    dir
}

pub fn config(dir: &tempfile::TempDir) -> Config {
    let mut c = Config::new(DataDir::new(dir.path()));
    c.api = None;
    c.mdns = false;
    c
}

impl TestNode {
    pub async fn start(name: &str, country: &str) -> Self {
        Self::start_with(name, country, |_| {}).await
    }

    /// Starts a node with a tweaked config (kept for restarts).
    pub async fn start_with(name: &str, country: &str, tweak: impl Fn(&mut Config)) -> Self {
        let dir = init(name, country);
        let mut c = config(&dir);
        tweak(&mut c);
        let node = Node::spawn(c).await.expect("spawn");
        Self { dir, node: Some(node), name: name.into() }
    }

    pub fn node(&self) -> &Node {
        self.node.as_ref().expect("node running")
    }

    pub async fn req(&self, request: Request) -> Result<Value, twinmesh_node::NodeError> {
        self.node().handle().request(Envelope { officer: None, request }).await
    }

    pub async fn ok(&self, request: Request) -> Value {
        self.req(request).await.expect("request succeeds")
    }

    pub async fn id(&self) -> String {
        self.ok(Request::Id).await["id"].as_str().expect("id").to_string()
    }

    pub async fn addr(&self) -> String {
        let addrs = self.node().handle().listen_addrs().await.expect("addrs");
        format!("{}/p2p/{}", addrs[0], self.node().handle().peer_id())
    }

    pub async fn dial(&self, other: &TestNode) {
        let addr = other.addr().await;
        self.ok(Request::Dial { addr }).await;
    }

    pub async fn stop(&mut self) {
        if let Some(n) = self.node.take() {
            n.shutdown().await;
        }
    }

    pub async fn restart(&mut self) {
        self.stop().await;
        self.node = Some(Node::spawn(config(&self.dir)).await.expect("respawn"));
    }

    pub async fn set(&self, doc: &str, path: &str, value: &str) -> Value {
        self.ok(Request::DocEdit {
            doc: doc.parse().expect("doc id"),
            edits: vec![EditSpec::Set { path: path.into(), value: value.into() }],
            message: None,
            lang: None,
        })
        .await
    }

    pub async fn edit(&self, doc: &str, edits: Vec<EditSpec>) -> Value {
        self.ok(Request::DocEdit { doc: doc.parse().expect("doc id"), edits, message: None, lang: None })
            .await
    }

    pub async fn show(&self, doc: &str) -> Result<Value, twinmesh_node::NodeError> {
        self.req(Request::DocShow { doc: doc.parse().expect("doc id"), at: None }).await
    }

    pub async fn heads(&self, doc: &str) -> Option<Value> {
        self.show(doc).await.ok().map(|v| v["heads"].clone())
    }
}

/// Polls `f` until it returns true, failing the test after [`TIMEOUT`].
pub async fn eventually<F, Fut>(what: &str, f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    eventually_within(what, TIMEOUT, f).await;
}

/// Polls `f` until it returns true, failing the test after `limit`.
pub async fn eventually_within<F, Fut>(what: &str, limit: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if f().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {limit:?} waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A space founded by `founder` with `members` added, and a plan in it. Returns (space, doc).
pub async fn space_with_plan(founder: &TestNode, members: &[&TestNode]) -> (String, String) {
    let space = founder.ok(Request::SpaceCreate { name: "St-Pol – Warstein".into() }).await["id"]
        .as_str()
        .expect("space id")
        .to_string();
    for m in members {
        founder
            .ok(Request::SpaceAdd {
                space: space.parse().expect("space"),
                member: m.id().await,
                name: Some(m.name.clone()),
                role: None,
            })
            .await;
    }
    let doc = founder
        .ok(Request::DocNew {
            space: space.parse().expect("space"),
            kind: twinmesh_protocol::schema::DocKind::Plan,
            title: "CIRCLE60".into(),
            lang: None,
        })
        .await["id"]
        .as_str()
        .expect("doc id")
        .to_string();
    founder
        .edit(
            &doc,
            vec![EditSpec::Add {
                list: "budget/lines".into(),
                fields: vec![("amount".into(), "3000".into())],
            }],
        )
        .await;
    (space, doc)
}

/// True once every node reports the same heads for `doc`.
/// The founder adds the holder of `key` to `space` as an editor, named `name`.
pub async fn add_member(founder: &TestNode, space: &str, key: &SecretKey, name: &str) {
    founder
        .ok(Request::SpaceAdd {
            space: space.parse().expect("space"),
            member: twinmesh_node::identity::peer_id(&key.public()).to_string(),
            name: Some(name.into()),
            role: None,
        })
        .await;
}

pub async fn converged(nodes: &[&TestNode], doc: &str) -> bool {
    let mut first = None;
    for n in nodes {
        let Some(h) = n.heads(doc).await else { return false };
        match &first {
            None => first = Some(h),
            Some(f) if *f != h => return false,
            _ => {}
        }
    }
    true
}

// ---- a peer that speaks the wire protocol directly ----

/// The behaviour of a raw peer: the sync protocol alone.
pub type Rr = request_response::Behaviour<SyncCodec>;

pub fn attacker_swarm(key: &SecretKey) -> Swarm<Rr> {
    attacker_swarm_with(key, wire::SYNC_PROTOCOL)
}

/// A raw peer speaking only `protocol` (e.g. [`wire::SYNC_PROTOCOL_V3`], as an old node).
pub fn attacker_swarm_with(key: &SecretKey, protocol: &'static str) -> Swarm<Rr> {
    raw_swarm(key, |_| {
        request_response::Behaviour::new(
            [(StreamProtocol::new(protocol), ProtocolSupport::Full)],
            request_response::Config::default(),
        )
    })
}

/// A raw libp2p peer over TCP with `key`'s identity and the behaviour `make` builds.
pub fn raw_swarm<B: NetworkBehaviour>(
    key: &SecretKey,
    make: impl FnOnce(&libp2p::identity::Keypair) -> B,
) -> Swarm<B> {
    libp2p::SwarmBuilder::with_existing_identity(libp2p_keypair(key))
        .with_tokio()
        .with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
        .expect("tcp")
        .with_behaviour(|k| make(k))
        .expect("behaviour")
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build()
}

pub async fn connect<B: NetworkBehaviour>(swarm: &mut Swarm<B>, addr: &str) -> PeerId {
    swarm.dial(addr.parse::<libp2p::Multiaddr>().expect("addr")).expect("dial");
    tokio::time::timeout(TIMEOUT, async {
        loop {
            if let SwarmEvent::ConnectionEstablished { peer_id, .. } = swarm.select_next_some().await {
                return peer_id;
            }
        }
    })
    .await
    .expect("connected in time")
}

/// Sends one request and waits for its response; `None` if the connection closed instead.
pub async fn ask(swarm: &mut Swarm<Rr>, peer: PeerId, req: wire::Request) -> Option<Response> {
    swarm.behaviour_mut().send_request(&peer, req.into());
    tokio::time::timeout(TIMEOUT, async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::Behaviour(request_response::Event::Message {
                    message: request_response::Message::Response { response, .. },
                    ..
                }) => return Some(response),
                SwarmEvent::Behaviour(request_response::Event::OutboundFailure { .. }) => return None,
                SwarmEvent::ConnectionClosed { num_established: 0, .. } => return None,
                _ => {}
            }
        }
    })
    .await
    .expect("answer or disconnect in time")
}

/// A plain V1 sync message carrying `changes` as chunks.
pub fn message_of(changes: &[&automerge::Change]) -> Vec<u8> {
    use automerge::sync::{ChunkList, Message, MessageVersion};
    let mut heads: Vec<_> = changes.iter().map(|c| c.hash()).collect();
    heads.sort();
    Message {
        heads,
        need: vec![],
        have: vec![],
        changes: ChunkList::from(changes.iter().map(|c| c.raw_bytes().to_vec()).collect::<Vec<_>>()),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode()
}

// ---- a peer that writes frames byte for byte ----

/// A request-response codec that writes each request's bytes as they are (a frame with its
/// length prefix, or anything else) and reads the answer whole: the hostile partner of
/// `hostile.rs` sends with it what [`SyncCodec`] would never write.
#[derive(Debug, Clone, Default)]
pub struct RawCodec;

impl request_response::Codec for RawCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T: futures::AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        read_all(io).await
    }

    async fn read_response<T: futures::AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        read_all(io).await
    }

    async fn write_request<T: futures::AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> std::io::Result<()> {
        use futures::AsyncWriteExt;
        io.write_all(&req).await?;
        io.close().await
    }

    async fn write_response<T: futures::AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Vec<u8>,
    ) -> std::io::Result<()> {
        use futures::AsyncWriteExt;
        io.write_all(&res).await?;
        io.close().await
    }
}

async fn read_all<T: futures::AsyncRead + Unpin + Send>(io: &mut T) -> std::io::Result<Vec<u8>> {
    use futures::AsyncReadExt;
    let mut out = Vec::new();
    io.take(wire::MAX_MESSAGE_BYTES as u64 + 8).read_to_end(&mut out).await?;
    Ok(out)
}

/// A raw peer that writes bytes on `protocol` streams with [`RawCodec`].
pub fn raw_frame_swarm(
    key: &SecretKey,
    protocol: &'static str,
) -> Swarm<request_response::Behaviour<RawCodec>> {
    raw_swarm(key, |_| {
        request_response::Behaviour::new(
            [(StreamProtocol::new(protocol), ProtocolSupport::Full)],
            request_response::Config::default(),
        )
    })
}

/// Sends `bytes` on a new stream and waits until the node answers or closes the connection; true
/// if it answered and the connection is still open.
pub async fn send_raw(
    swarm: &mut Swarm<request_response::Behaviour<RawCodec>>,
    peer: PeerId,
    bytes: Vec<u8>,
) -> bool {
    swarm.behaviour_mut().send_request(&peer, bytes);
    tokio::time::timeout(TIMEOUT, async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::Behaviour(request_response::Event::Message { .. }) => {
                    return swarm.is_connected(&peer);
                }
                // The node answers every frame it refuses; no answer means it closed the
                // connection (a ban), whichever event of the two comes first.
                SwarmEvent::Behaviour(request_response::Event::OutboundFailure { .. }) => return false,
                SwarmEvent::ConnectionClosed { num_established: 0, .. } => return false,
                _ => {}
            }
        }
    })
    .await
    .expect("answer, failure or disconnect in time")
}

/// One length-prefixed frame carrying `body` as it is.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = (body.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    f
}

// ---- what the node logs ----

/// Everything logged at warn or above by every node in this test process, since the first call.
/// Installs a global subscriber once (tests of one binary share it).
pub fn warn_log() -> &'static std::sync::Mutex<Vec<u8>> {
    static LOG: std::sync::OnceLock<&'static std::sync::Mutex<Vec<u8>>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let buf: &'static std::sync::Mutex<Vec<u8>> = Box::leak(Box::new(std::sync::Mutex::new(Vec::new())));
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || LogWriter(buf))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        buf
    })
}

/// The lines of [`warn_log`] that contain every one of `needles`.
pub fn warnings_with(needles: &[&str]) -> Vec<String> {
    let log = warn_log().lock().unwrap_or_else(|e| e.into_inner());
    String::from_utf8_lossy(&log)
        .lines()
        .filter(|l| needles.iter().all(|n| l.contains(n)))
        .map(str::to_string)
        .collect()
}

struct LogWriter(&'static std::sync::Mutex<Vec<u8>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
