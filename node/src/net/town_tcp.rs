//! TCP for town halls: libp2p's TCP transport for listening and direct dials, plus what a
//! municipal network needs on the way out.
//!
//! - **DNS names**: `/dns4/relay.example.org/tcp/443` (and `/dns6`, `/dns`) are resolved with
//!   the system resolver, so operators can name relays and partners by host name.
//! - **HTTP proxies**: many town halls reach the internet only through an HTTP proxy. With a
//!   proxy configured, every outgoing TCP connection is an HTTP `CONNECT` tunnel through it
//!   (with Basic authentication when the proxy URL carries a user). Noise runs inside the
//!   tunnel, so the proxy sees only the partner's address and encrypted bytes. A TLS-inspecting
//!   proxy that insists on TLS inside every tunnel is not supported.

use std::{
    fmt, io,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use futures::{FutureExt, future::BoxFuture};
use libp2p::{
    Multiaddr,
    core::transport::{DialOpts, ListenerId, Transport, TransportError, TransportEvent},
    multiaddr::Protocol,
    tcp,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Longest reply header accepted from a proxy.
const MAX_PROXY_REPLY: usize = 8 * 1024;
/// How long a proxy may take to connect and answer.
const PROXY_TIMEOUT: Duration = Duration::from_secs(15);

/// An HTTP proxy for outgoing connections, from a URL such as
/// `http://proxy.town.example:3128` or `http://user:secret@10.0.0.1:8080`.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// `host:port` of the proxy.
    addr: String,
    /// `user:password`, if the URL has one.
    credentials: Option<String>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the password.
        write!(f, "Proxy({}{})", if self.credentials.is_some() { "<user>@" } else { "" }, self.addr)
    }
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}", self.addr)
    }
}

impl std::str::FromStr for Proxy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = match s.split_once("://") {
            Some(("http", rest)) => rest,
            Some((scheme, _)) => {
                return Err(format!("proxy URL '{s}': only http:// proxies are supported, not {scheme}://"));
            }
            None => s,
        };
        let rest = rest.trim_end_matches('/');
        let (credentials, host_port) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c.to_string()), h),
            None => (None, rest),
        };
        let port_ok =
            host_port.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        if !port_ok || host_port.contains('/') {
            return Err(format!(
                "proxy URL '{s}': expected http://HOST:PORT (e.g. http://proxy.example:3128)"
            ));
        }
        Ok(Self { addr: host_port.to_string(), credentials })
    }
}

/// Where a `/ip4|ip6|dns*/…/tcp/PORT[/p2p/…]` address points.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Ip(std::net::SocketAddr),
    Name { host: String, port: u16, family: Family },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Any,
    V4,
    V6,
}

impl Target {
    fn parse(addr: &Multiaddr) -> Option<Self> {
        let mut it = addr.iter();
        let host = it.next()?;
        let Protocol::Tcp(port) = it.next()? else { return None };
        // Only a peer id may follow; anything else (ws, p2p-circuit, …) is another transport's.
        if !it.all(|p| matches!(p, Protocol::P2p(_))) {
            return None;
        }
        Some(match host {
            Protocol::Ip4(ip) => Self::Ip((ip, port).into()),
            Protocol::Ip6(ip) => Self::Ip((ip, port).into()),
            Protocol::Dns(h) => Self::Name { host: h.to_string(), port, family: Family::Any },
            Protocol::Dns4(h) => Self::Name { host: h.to_string(), port, family: Family::V4 },
            Protocol::Dns6(h) => Self::Name { host: h.to_string(), port, family: Family::V6 },
            _ => return None,
        })
    }

    /// The `host:port` of an HTTP CONNECT request.
    fn authority(&self) -> String {
        match self {
            Self::Ip(s) => s.to_string(),
            Self::Name { host, port, .. } => format!("{host}:{port}"),
        }
    }
}

/// libp2p's TCP transport, with DNS names and an optional HTTP proxy for dials.
pub(crate) struct TownTcp {
    inner: tcp::tokio::Transport,
    proxy: Option<Proxy>,
}

impl TownTcp {
    pub(crate) fn new(config: tcp::Config, proxy: Option<Proxy>) -> Self {
        Self { inner: tcp::tokio::Transport::new(config), proxy }
    }
}

impl Transport for TownTcp {
    type Output = tcp::tokio::TcpStream;
    type Error = io::Error;
    type ListenerUpgrade = <tcp::tokio::Transport as Transport>::ListenerUpgrade;
    type Dial = BoxFuture<'static, Result<Self::Output, Self::Error>>;

    fn listen_on(&mut self, id: ListenerId, addr: Multiaddr) -> Result<(), TransportError<Self::Error>> {
        self.inner.listen_on(id, addr)
    }

    fn remove_listener(&mut self, id: ListenerId) -> bool {
        self.inner.remove_listener(id)
    }

    fn dial(&mut self, addr: Multiaddr, opts: DialOpts) -> Result<Self::Dial, TransportError<Self::Error>> {
        let Some(target) = Target::parse(&addr) else {
            return Err(TransportError::MultiaddrNotSupported(addr));
        };
        match (&self.proxy, target) {
            (Some(proxy), target) => Ok(connect_via(proxy.clone(), target).boxed()),
            (None, Target::Ip(_)) => self.inner.dial(addr, opts),
            (None, Target::Name { host, port, family }) => Ok(connect_name(host, port, family).boxed()),
        }
    }

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<TransportEvent<Self::ListenerUpgrade, Self::Error>> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

async fn connect_name(host: String, port: u16, family: Family) -> io::Result<tcp::tokio::TcpStream> {
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| io::Error::other(format!("cannot resolve {host}: {e}")))?
        .filter(|a| match family {
            Family::Any => true,
            Family::V4 => a.is_ipv4(),
            Family::V6 => a.is_ipv6(),
        })
        .collect();
    let mut last = io::Error::other(format!("{host} has no address of the requested family"));
    for a in addrs {
        match tokio::net::TcpStream::connect(a).await {
            Ok(s) => {
                s.set_nodelay(true)?;
                return Ok(tcp::tokio::TcpStream(s));
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

async fn connect_via(proxy: Proxy, target: Target) -> io::Result<tcp::tokio::TcpStream> {
    tokio::time::timeout(PROXY_TIMEOUT, tunnel(&proxy, &target))
        .await
        .map_err(|_| io::Error::other(format!("the proxy {proxy} did not answer within {PROXY_TIMEOUT:?}")))?
}

async fn tunnel(proxy: &Proxy, target: &Target) -> io::Result<tcp::tokio::TcpStream> {
    let mut s = tokio::net::TcpStream::connect(proxy.addr.as_str())
        .await
        .map_err(|e| io::Error::other(format!("cannot reach the proxy {proxy}: {e}")))?;
    s.set_nodelay(true)?;
    let authority = target.authority();
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(c) = &proxy.credentials {
        req.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            data_encoding::BASE64.encode(c.as_bytes())
        ));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await?;
    // Read the reply header byte by byte: whatever follows it belongs to the tunnel.
    let mut header = Vec::with_capacity(128);
    while !header.ends_with(b"\r\n\r\n") {
        if header.len() >= MAX_PROXY_REPLY {
            return Err(io::Error::other(format!("the proxy {proxy} sent an oversized reply")));
        }
        let b = s.read_u8().await.map_err(|e| {
            io::Error::other(format!("the proxy {proxy} closed the connection before answering: {e}"))
        })?;
        header.push(b);
    }
    let status_line =
        String::from_utf8_lossy(header.split(|&b| b == b'\r').next().unwrap_or_default()).into_owned();
    let code = status_line.split_whitespace().nth(1).and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(200..=299) => Ok(tcp::tokio::TcpStream(s)),
        Some(407) => Err(io::Error::other(format!(
            "the proxy {proxy} wants authentication ({status_line}): give it as http://USER:PASSWORD@HOST:PORT"
        ))),
        _ => Err(io::Error::other(format!(
            "the proxy {proxy} refused to connect to {authority}: {status_line}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_parse_and_never_show_the_password() {
        let p: Proxy = "http://alice:s3cret@proxy.town.example:3128/".parse().expect("proxy");
        assert_eq!(p.addr, "proxy.town.example:3128");
        assert_eq!(p.credentials.as_deref(), Some("alice:s3cret"));
        assert!(!format!("{p:?} {p}").contains("s3cret"));
        assert_eq!("10.0.0.1:8080".parse::<Proxy>().map(|p| p.addr), Ok("10.0.0.1:8080".to_string()));
        for bad in
            ["socks5://10.0.0.1:1080", "http://proxy", "http://:3128", "http://proxy:99999", "https://p:1"]
        {
            assert!(bad.parse::<Proxy>().is_err(), "{bad}");
        }
    }

    #[test]
    fn only_plain_tcp_addresses_are_ours() {
        let t = |s: &str| Target::parse(&s.parse().expect("multiaddr"));
        assert_eq!(t("/ip4/10.1.2.3/tcp/4001"), Some(Target::Ip("10.1.2.3:4001".parse().expect("addr"))));
        assert_eq!(
            t("/dns4/relay.example.org/tcp/443/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN")
                .map(|t| t.authority()),
            Some("relay.example.org:443".to_string())
        );
        assert_eq!(t("/ip6/::1/tcp/7").map(|t| t.authority()), Some("[::1]:7".to_string()));
        assert_eq!(t("/ip4/10.1.2.3/udp/4001/quic-v1"), None);
        assert_eq!(t("/ip4/10.1.2.3/tcp/443/ws"), None);
        assert_eq!(
            t("/ip4/10.1.2.3/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit"),
            None
        );
    }
}
