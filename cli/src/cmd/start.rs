//! `twin start`: run the node in the foreground.

use std::net::SocketAddr;

use clap::Args;
use serde_json::json;
use twinmesh_node::{Config, Engine, Node, NodeError};

use crate::Ctx;
use twinmesh_node::t;

#[derive(Debug, Args)]
pub(crate) struct StartArgs {
    /// Address to listen on for partners; repeat for several. Default: TCP and QUIC on port
    /// 4001 on all interfaces.
    #[arg(long, value_name = "MULTIADDR")]
    listen: Vec<libp2p::Multiaddr>,
    /// Do not discover partners on the local network (mDNS). mDNS runs on network interfaces,
    /// not loopback: a node listening on loopback only is found by no one.
    #[arg(long)]
    no_mdns: bool,
    /// Also act as a partnership relay (run this on a publicly reachable machine): it carries
    /// whole documents between the members of the spaces this town is a member of, and
    /// refuses strangers. A relay forwards encrypted streams and learns nothing of the
    /// documents of spaces it is not a member of. See docs/operations.md.
    #[arg(long)]
    relay: bool,
    /// With --relay: also serve this town (its id, 12D3KooW...) though it shares no space with
    /// this one; repeatable. E.g. a twinning association's relay that is a member of no space
    /// lists the towns it relays for.
    #[arg(long = "relay-allow", value_name = "TOWN_ID", requires = "relay")]
    relay_allow: Vec<libp2p::PeerId>,
    /// Reserve a slot on this relay so partners can reach this node through it; repeatable.
    /// E.g. /dns4/relay.example.org/tcp/4001/p2p/12D3KooW...
    #[arg(long = "relay-via", value_name = "MULTIADDR")]
    relay_via: Vec<libp2p::Multiaddr>,
    /// Send every outgoing TCP connection through this HTTP proxy (CONNECT), for town halls
    /// that reach the internet only through one: http://HOST:PORT or
    /// http://USER:PASSWORD@HOST:PORT. Noise runs inside the tunnel.
    #[arg(long, env = "TWIN_PROXY", value_name = "URL")]
    proxy: Option<twinmesh_node::net::town_tcp::Proxy>,
    /// Where to serve the local HTTP API and the web UI (loopback only by default; port 0
    /// picks a free port). Open the printed login URL in a browser to use the web UI; the API
    /// needs the bearer token from DATA_DIR/api.token (see docs/http-api.md).
    #[arg(long, default_value = twinmesh_node::http::DEFAULT_API_ADDR, value_name = "ADDR:PORT")]
    api: SocketAddr,
    /// Another host name the API and web UI answer to, e.g. a name for this machine on the
    /// town hall's network; repeatable. The API answers only requests whose Host header names
    /// the address it listens on or `localhost` (421 otherwise), so a web page that points its
    /// own name at this machine (DNS rebinding) cannot use it.
    #[arg(long = "api-host", value_name = "NAME")]
    api_hosts: Vec<String>,
    /// Which attachments to fetch from partners: `eager` (every attachment of the documents
    /// held, as soon as it is recorded, within each space's cap; `twin space storage`) or
    /// `on-demand` (only those asked for with `twin doc attachment get|fetch`).
    #[arg(long, value_enum, default_value_t = AttachMode::Eager)]
    attachments: AttachMode,
    /// The most attachment bytes a second to fetch from partners, e.g. 2MB (a town hall on a
    /// slow line); no limit by default.
    #[arg(long, value_name = "SIZE", value_parser = super::attach::parse_size)]
    attachment_rate: Option<u64>,
    /// On a data dir without an identity, create one with this municipality name first.
    #[arg(long)]
    name: Option<String>,
    /// Country code for a new identity (with --name).
    #[arg(long, default_value = "EU")]
    country: String,
}

/// Which attachments a node fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AttachMode {
    /// Every attachment, within each space's cap.
    Eager,
    /// Only those asked for.
    OnDemand,
}

pub(crate) fn run(ctx: &Ctx, a: StartArgs) -> anyhow::Result<()> {
    // Create the identity on first start when asked to; then release the store for the node.
    match Engine::open(&ctx.data_dir) {
        Err(NodeError::NotInitialized(_)) if a.name.is_some() => {
            let name = a.name.as_deref().unwrap_or_default();
            drop(Engine::init(&ctx.data_dir, name, &a.country, false)?);
        }
        Ok(engine) => drop(engine),
        Err(e) => return Err(e.into()),
    }
    super::warn_if_data_dir_open(ctx);
    let mut config = Config::new(ctx.data_dir.clone());
    config.listen = if a.listen.is_empty() {
        vec!["/ip4/0.0.0.0/tcp/4001".parse()?, "/ip4/0.0.0.0/udp/4001/quic-v1".parse()?]
    } else {
        a.listen
    };
    config.mdns = !a.no_mdns;
    config.relay_server = a.relay;
    config.relay_allow = a.relay_allow;
    config.relays = a.relay_via;
    config.proxy = a.proxy;
    config.api = Some(a.api);
    config.api_hosts = a.api_hosts;
    config.attachments_eager = a.attachments == AttachMode::Eager;
    config.attachment_rate = a.attachment_rate.filter(|r| *r > 0);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        // Register the signal handlers before announcing that the node runs, so a supervisor
        // that stops us right after reading the announcement gets a clean shutdown.
        let shutdown = shutdown_signal()?;
        let node = Node::spawn(config).await?;
        let me: serde_json::Value = node
            .handle()
            .request(twinmesh_node::api::Envelope { officer: None, request: twinmesh_node::api::Request::Id })
            .await?;
        let addrs = node.handle().listen_addrs().await?;
        let pid = node.handle().peer_id();
        let full: Vec<String> =
            addrs.iter().map(|a| twinmesh_node::net::with_peer_id(a.clone(), pid).to_string()).collect();
        let api = node.api_addr().map(|a| format!("http://{a}")).unwrap_or_default();
        let token = twinmesh_node::http::token(&ctx.data_dir)?;
        let login = twinmesh_node::http::login_url(&api, &token);
        if ctx.json {
            // One line per event, so a supervisor can read events as they come.
            say!("{}", json!({ "event": "started", "id": pid.to_string(), "name": me["name"], "listen": full, "api": api, "login_url": login, "data_dir": ctx.data_dir.root() }));
        } else {
            let l = ctx.lang;
            let (name, country) = (me["name"].as_str().unwrap_or(""), me["country"].as_str().unwrap_or(""));
            say!("{}", t!(l, "cli-start-running", name = name, country = country));
            say!("{}", t!(l, "cli-start-id", id = pid.to_string()));
            for a in &full {
                say!("{}", t!(l, "cli-start-listen", addr = a.as_str()));
            }
            say!("{}", t!(l, "cli-start-api", url = api.as_str()));
            say!("{}", t!(l, "cli-start-web", url = login.as_str()));
            say!("          {}", t!(l, "cli-start-web-hint"));
            say!("{}", t!(l, "cli-start-data-dir", dir = ctx.data_dir.root().display().to_string()));
            say!("{}", t!(l, "cli-start-stop-hint"));
        }
        shutdown.await;
        node.shutdown().await;
        if ctx.json {
            say!("{}", json!({ "event": "stopped" }));
        } else {
            say!("{}", t!(ctx.lang, "cli-start-stopped"));
        }
        anyhow::Ok(())
    })
}

/// Registers SIGINT and SIGTERM handlers now, and returns a future that resolves on either.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
