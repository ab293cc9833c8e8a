//! The libp2p behaviours this node runs and the swarm that drives them, with every limit
//! named.

use std::time::Duration;

use libp2p::{
    StreamProtocol, Swarm, autonat, dcutr, gossipsub, identify, kad, mdns, noise, ping, relay,
    request_response::{self, ProtocolSupport},
    swarm::{NetworkBehaviour, behaviour::toggle::Toggle},
    yamux,
};
use twinmesh_protocol::{keys::SecretKey, wire};

use super::{
    NetConfig,
    blobs::{BLOB_REQUEST_TIMEOUT, BlobCodec},
    codec::SyncCodec,
    presence::PresenceCodec,
    relay::RelayAllow,
    town_tcp::TownTcp,
};
use crate::{error::NodeError, identity::libp2p_keypair};

/// The name and version this node announces over identify (`twinmesh/0.1.0`).
pub const AGENT_VERSION: &str = concat!("twinmesh/", env!("CARGO_PKG_VERSION"));

/// How long a dial may take before it is reported as failed.
pub const DIAL_TIMEOUT: Duration = Duration::from_secs(10);

/// The identify protocol's name.
const IDENTIFY_PROTOCOL: &str = "/twinmesh/id/1";

/// The Kademlia protocol's name (partners find each other's addresses from a PeerId).
const KAD_PROTOCOL: &str = "/twinmesh/kad/1";

/// How often a partner is pinged, and how long an answer may take: a partner that stops
/// answering is disconnected (libp2p keeps a silent connection open otherwise, and it would
/// never be redialled).
const PING_INTERVAL: Duration = Duration::from_secs(10);
const PING_TIMEOUT: Duration = Duration::from_secs(10);

/// Gossipsub's heartbeat: announcements of new heads travel within about this long.
const GOSSIP_HEARTBEAT: Duration = Duration::from_secs(1);

/// Largest gossipsub frame. It bounds gossipsub's control messages too, not only
/// announcements (which the loop refuses above [`wire::MAX_ANNOUNCE_BYTES`]): an IHAVE lists
/// the ids (about 75 bytes each) of the messages of the last heartbeats, and after a burst of
/// edits one went over the 4 KiB this used to be. A receiver drops the stream of a frame over
/// the limit without a word to the sender, whose later announcements on that link then vanish:
/// live sync stopped for some towns until the 30 s catch-up (issue 17 item 1).
const GOSSIP_MAX_TRANSMIT: usize = 64 * 1024;

/// Most message ids in one IHAVE or IWANT: 500 × 75 bytes fit in [`GOSSIP_MAX_TRANSMIT`] with
/// room to spare (gossipsub's default, 5,000, would not).
const GOSSIP_MAX_CONTROL_IDS: usize = 500;

/// How long a sync request may wait for its answer (a large whole-document transfer included).
const SYNC_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Sync streams open at once on one connection, each way: a partner cannot make this node
/// hold more than this many requests of its.
const SYNC_MAX_STREAMS: usize = 64;

/// How long a presence message may wait for its (empty) answer.
const PRESENCE_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Presence streams open at once on one connection, each way.
const PRESENCE_MAX_STREAMS: usize = 16;

/// Attachment streams open at once on one connection, each way.
const BLOB_MAX_STREAMS: usize = 16;

/// A connection with no stream open for this long is closed (partners reconnect at the next
/// redial).
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(NetworkBehaviour)]
pub(super) struct Behaviour {
    pub(super) identify: identify::Behaviour,
    pub(super) ping: ping::Behaviour,
    pub(super) mdns: Toggle<mdns::tokio::Behaviour>,
    pub(super) gossipsub: gossipsub::Behaviour,
    pub(super) sync: request_response::Behaviour<SyncCodec>,
    /// Presence: which officers have a document open (see `presence.rs`).
    pub(super) presence: request_response::Behaviour<PresenceCodec>,
    /// Attachment chunks (`/twinmesh/blob/1`, see `blobs.rs`).
    pub(super) blobs: request_response::Behaviour<BlobCodec>,
    /// Relay v2 server, when this node is a partnership relay (see `relay.rs`).
    pub(super) relay: Toggle<relay::Behaviour>,
    /// Reservations on relays and connections through them.
    pub(super) relay_client: relay::client::Behaviour,
    /// Hole punching: upgrades a relayed connection to a direct one where possible.
    pub(super) dcutr: dcutr::Behaviour,
    /// Tells this node whether it is reachable from outside.
    pub(super) autonat: autonat::Behaviour,
    /// Finds a partner's current addresses from its PeerId.
    pub(super) kad: kad::Behaviour<kad::store::MemoryStore>,
}

pub(super) fn net_err(e: impl std::fmt::Display) -> NodeError {
    NodeError::Network(e.to_string())
}

/// The swarm; with `relay`, this node is a partnership relay serving the towns it allows.
pub(super) fn build_swarm(
    config: &NetConfig,
    key: &SecretKey,
    relay: Option<&RelayAllow>,
) -> Result<Swarm<Behaviour>, NodeError> {
    let keypair = libp2p_keypair(key);
    let mdns_on = config.mdns;
    let relay_config = relay.map(RelayAllow::config);
    let proxy = config.proxy.clone();
    let builder = libp2p::SwarmBuilder::with_existing_identity(keypair).with_tokio();
    // QUIC beside TCP, unless built without the `quic` feature (the fuzz targets' build).
    #[cfg(feature = "quic")]
    let builder = builder.with_quic();
    let swarm = builder
        // TCP with DNS names and an optional HTTP proxy for dials (see `town_tcp.rs`).
        .with_other_transport(|key| -> Result<_, Box<dyn std::error::Error + Send + Sync>> {
            use libp2p::Transport as _;
            Ok(TownTcp::new(libp2p::tcp::Config::default().nodelay(true), proxy)
                .upgrade(libp2p::core::upgrade::Version::V1)
                .authenticate(noise::Config::new(key)?)
                .multiplex(yamux::Config::default()))
        })
        .map_err(net_err)?
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .map_err(net_err)?
        .with_behaviour(|key, relay_client| {
            let me = key.public().to_peer_id();
            let mut kad = kad::Behaviour::with_config(
                me,
                kad::store::MemoryStore::new(me),
                kad::Config::new(StreamProtocol::new(KAD_PROTOCOL)),
            );
            // Answer queries even before AutoNAT confirms reachability: partners are few and
            // often on private networks.
            kad.set_mode(Some(kad::Mode::Server));
            let gossip_config = gossipsub::ConfigBuilder::default()
                .max_transmit_size(GOSSIP_MAX_TRANSMIT)
                .max_control_messages_sent(GOSSIP_MAX_CONTROL_IDS)
                .heartbeat_interval(GOSSIP_HEARTBEAT)
                .validation_mode(gossipsub::ValidationMode::Strict)
                .build()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let gossipsub =
                gossipsub::Behaviour::new(gossipsub::MessageAuthenticity::Signed(key.clone()), gossip_config)
                    .map_err(std::io::Error::other)?;
            let mdns = if mdns_on {
                Some(mdns::tokio::Behaviour::new(mdns::Config::default(), key.public().to_peer_id())?)
            } else {
                None
            };
            Ok(Behaviour {
                identify: identify::Behaviour::new(
                    identify::Config::new(IDENTIFY_PROTOCOL.into(), key.public())
                        .with_agent_version(AGENT_VERSION.into())
                        // Tell partners a new address at once (a relayed one once the relay
                        // grants the slot, which is after the first identify on that connection).
                        .with_push_listen_addr_updates(true),
                ),
                ping: ping::Behaviour::new(
                    ping::Config::new().with_interval(PING_INTERVAL).with_timeout(PING_TIMEOUT),
                ),
                mdns: Toggle::from(mdns),
                gossipsub,
                // Newest first: an outbound stream negotiates the first one the peer speaks.
                sync: request_response::Behaviour::new(
                    wire::Version::ALL.map(|v| (StreamProtocol::new(v.protocol()), ProtocolSupport::Full)),
                    request_response::Config::default()
                        .with_request_timeout(SYNC_REQUEST_TIMEOUT)
                        .with_max_concurrent_streams(SYNC_MAX_STREAMS),
                ),
                presence: request_response::Behaviour::new(
                    [(
                        StreamProtocol::new(twinmesh_protocol::presence::PRESENCE_PROTOCOL),
                        ProtocolSupport::Full,
                    )],
                    request_response::Config::default()
                        .with_request_timeout(PRESENCE_REQUEST_TIMEOUT)
                        .with_max_concurrent_streams(PRESENCE_MAX_STREAMS),
                ),
                blobs: request_response::Behaviour::new(
                    [(StreamProtocol::new(crate::engine::BLOB_PROTOCOL), ProtocolSupport::Full)],
                    request_response::Config::default()
                        .with_request_timeout(BLOB_REQUEST_TIMEOUT)
                        .with_max_concurrent_streams(BLOB_MAX_STREAMS),
                ),
                relay: Toggle::from(relay_config.map(|c| relay::Behaviour::new(me, c))),
                relay_client,
                dcutr: dcutr::Behaviour::new(me),
                autonat: autonat::Behaviour::new(me, autonat::Config::default()),
                kad,
            })
        })
        .map_err(net_err)?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .with_connection_timeout(DIAL_TIMEOUT)
        .build();
    Ok(swarm)
}
