//! Swarm events: listeners, connections opened and closed, failed dials, and what the
//! behaviours report (gossipsub announcements, identify, relay, Kademlia lookups, AutoNAT,
//! ping, hole punching, mDNS). The sync, presence and blob protocols' events go on to
//! `sync.rs`, `presence.rs` and `blobs.rs`.

use crate::net::answers::{Connected, NetAnswer};
use crate::net::work::Work;
use libp2p::{
    Multiaddr, PeerId, autonat, dcutr, gossipsub, identify, kad, mdns,
    multiaddr::Protocol,
    ping, relay,
    swarm::{SwarmEvent, dial_opts::DialOpts},
};
use twinmesh_protocol::wire::{self, Announce};

use super::{
    super::{
        behaviour::BehaviourEvent,
        jobs::Done,
        peers::{announced_addrs, is_loopback, with_peer_id},
    },
    NetTask,
};
use crate::{error::NodeError, event::NodeEvent, identity::key_of_peer};

impl NetTask {
    pub(super) fn on_swarm_event(&mut self, ev: SwarmEvent<BehaviourEvent>) {
        match ev {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, "listening");
                // A relay is run on a public address by its operator: its listen addresses are
                // its external addresses (the relay protocol is only offered with one).
                if self.relay_server && !address.iter().any(|p| matches!(p, Protocol::P2pCircuit)) {
                    self.swarm.add_external_address(address.clone());
                }
                self.listen_addrs.push(address);
            }
            SwarmEvent::ConnectionEstablished {
                peer_id, connection_id, endpoint, num_established, ..
            } => {
                let key = key_of_peer(&peer_id);
                if self.peers.is_banned(&peer_id) || key.is_none() {
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    if let Some((reply, addr, _)) = self.dials.remove(&connection_id) {
                        let _ = reply.send(Err(NodeError::Network(format!(
                            "{addr} refused: peer is banned or not a Twinmesh node"
                        ))));
                    }
                    return;
                }
                let dialed_addr = endpoint.is_dialer().then(|| endpoint.get_remote_address().clone());
                let state = self.peers.connected.entry(peer_id).or_default();
                // The dialer says hello at once, on the first connection it dialed: when both
                // sides dial at the same moment (a town restarts and redials as its partner
                // dials it), each side's first connection is the other's dial, and a hello only
                // on the first connection left both silent until the catch-up timer.
                let hello_now = endpoint.is_dialer() && !state.dialed_out;
                state.dialed_out |= endpoint.is_dialer();
                state.links.insert(connection_id, endpoint.is_relayed());
                if dialed_addr.is_some() {
                    state.addr = dialed_addr.clone();
                } else if num_established.get() == 1 {
                    state.dialed_in = Some(std::time::Instant::now());
                }
                let seen_at: Vec<String> =
                    dialed_addr.map(|a| with_peer_id(a, peer_id).to_string()).into_iter().collect();
                if let Some((reply, addr, _)) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Ok(NetAnswer::Connected(Connected {
                        id: peer_id.to_string(),
                        addr: Some(addr.to_string()),
                        connected: true,
                    })));
                }
                tracing::info!(peer = %peer_id, "connected");
                if num_established.get() == 1 {
                    self.sync_log.connected(peer_id);
                    self.presence_peer_connected(peer_id);
                }
                let _ = self.events.send(NodeEvent::Peers);
                // The partner is noted in the hello's engine job (one hop to the engine thread
                // fewer on every reconnect).
                if let Some(key) = key {
                    if hello_now {
                        self.send_hellos(vec![peer_id], false, None, Some((key, seen_at)));
                    } else {
                        self.job(Work::NotePeer { key, seen_at });
                    }
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, connection_id, num_established, .. }
                if num_established > 0 =>
            {
                if let Some(state) = self.peers.connected.get_mut(&peer_id) {
                    state.links.remove(&connection_id);
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                tracing::info!(peer = %peer_id, "disconnected");
                let _ = self.events.send(NodeEvent::Peers);
                self.peers.disconnected(&peer_id);
                self.sync_log.disconnected(peer_id);
                self.presence_peer_gone(&peer_id);
                // Its sessions end here; jobs and answers about them still on their way find no
                // session and are dropped (each session has its own id, see `twinmesh_protocol::session`).
                self.drive_sessions(|d, at| d.peer_gone(peer_id, at));
                for w in &mut self.waiters {
                    w.peers.remove(&peer_id);
                }
                self.check_waiters();
            }
            SwarmEvent::OutgoingConnectionError { connection_id, peer_id, error } => {
                if let Some((reply, addr, retried)) = self.dials.remove(&connection_id) {
                    // A dial through a relay goes over this node's connection to the relay; when
                    // that connection closes under it, the dial fails with "Response from
                    // behaviour was canceled" although the relay is reachable, and a dial at
                    // once goes to the same closing connection. Dialing again a little later
                    // goes over a fresh one.
                    if retried < DIAL_RETRIES_THROUGH_RELAY && is_relayed_addr(&addr) {
                        tracing::debug!(%addr, %error, "dial through the relay failed; trying again");
                        self.jobs.push(Box::pin(async move {
                            tokio::time::sleep(DIAL_RETRY_DELAY).await;
                            Done::DialAgain { reply, addr, retried: retried + 1 }
                        }));
                        return;
                    }
                    let _ = reply.send(Err(NodeError::Network(format!("cannot reach {addr}: {error}"))));
                } else {
                    tracing::debug!(?peer_id, %error, "outgoing connection failed");
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Sync(ev)) => self.on_sync_event(ev),
            SwarmEvent::Behaviour(BehaviourEvent::Presence(ev)) => self.on_presence_event(ev),
            SwarmEvent::Behaviour(BehaviourEvent::Blobs(ev)) => self.on_blob_event(ev),
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message,
                ..
            })) => {
                if message.data.len() > wire::MAX_ANNOUNCE_BYTES {
                    return;
                }
                // Sync with the town that published the announcement when it is connected: it
                // holds the heads it announced, while the partner that forwarded it may not
                // have them yet (gossipsub forwards before anyone syncs). Following forwarders
                // made an edit travel hop by hop at 30 towns, with a wasted session per hop.
                // (`source` is the publisher, verified by gossipsub's signed, strict mode.)
                let me = *self.swarm.local_peer_id();
                let peer = message
                    .source
                    .filter(|s| *s != me && self.swarm.is_connected(s))
                    .unwrap_or(propagation_source);
                let Ok(a) = wire::decode::<Announce>(&message.data) else { return };
                let Some(key) = key_of_peer(&peer) else { return };
                let (space, doc, kind, digest) = (a.space, a.doc, a.kind, a.heads_digest);
                // A session with the publisher about the document runs or waits already: it
                // runs again (or starts) and takes the new heads, with no engine job to
                // compare them first. Every edit of a busy partner is announced, and one job
                // per announcement kept the engine from the town's own edits.
                if self.sessions.table().has(&peer, &doc) {
                    self.start_session(peer, doc);
                    return;
                }
                self.job(Work::AnnounceHeard { peer, key, space, doc, kind, digest });
            }
            // A partner joined a space's topic (it just learned the space): compare.
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Subscribed {
                peer_id,
                topic,
            })) if self.subscribed.contains(&topic) => {
                if self.peers.dialers_hello_due(&peer_id) {
                    tracing::debug!(peer = %peer_id, "no hello on its subscription: it dialed, its hello is due");
                } else {
                    self.send_hellos(vec![peer_id], true, None, None);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                // Remember what the partner announces (relayed addresses included, pushed again
                // when its reservation comes up), after the address this node reached it at, so
                // that a restart dials it at once (see `redial_known`).
                let mut addrs: Vec<String> = self
                    .peers
                    .connected
                    .get(&peer_id)
                    .and_then(|s| s.addr.clone())
                    .map(|a| with_peer_id(a, peer_id).to_string())
                    .into_iter()
                    .collect();
                // It saw this node at a loopback address: it runs on this machine.
                let same_machine = is_loopback(&info.observed_addr);
                addrs.extend(announced_addrs(peer_id, &info.listen_addrs, same_machine));
                for addr in info.listen_addrs {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
                let older = speaks_only_older_sync(&info.protocols);
                if let Some(key) = key_of_peer(&peer_id) {
                    self.job(Work::Identified { key, addrs, older });
                }
            }
            // A town took a slot on this relay: partners that ask this relay for the town's
            // addresses (`twin dial TOWN_ID`) learn its relayed address here.
            SwarmEvent::Behaviour(BehaviourEvent::Relay(relay::Event::ReservationReqAccepted {
                src_peer_id,
                ..
            })) => {
                let me = *self.swarm.local_peer_id();
                let circuits: Vec<Multiaddr> = self
                    .swarm
                    .external_addresses()
                    .filter(|a| !a.iter().any(|p| matches!(p, Protocol::P2pCircuit)))
                    .map(|a| {
                        with_peer_id(a.clone(), me)
                            .with(Protocol::P2pCircuit)
                            .with(Protocol::P2p(src_peer_id))
                    })
                    .collect();
                for addr in circuits {
                    self.swarm.behaviour_mut().kad.add_address(&src_peer_id, addr);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                id,
                result: kad::QueryResult::GetClosestPeers(result),
                step,
                ..
            })) => {
                let Some((target, reply)) = self.lookups.remove(&id) else { return };
                // The lookup itself may have connected to it (Kademlia asks the target too, over
                // the relay if need be), even if that request then failed (a hole punch that
                // replaced the relayed connection midway): then it is reached.
                if self.peers.is_connected(&target) {
                    let _ = reply.send(Ok(NetAnswer::Connected(Connected {
                        id: target.to_string(),
                        addr: None,
                        connected: true,
                    })));
                    return;
                }
                let found: Vec<Multiaddr> = match &result {
                    Ok(ok) => ok
                        .peers
                        .iter()
                        .filter(|p| p.peer_id == target)
                        .flat_map(|p| p.addrs.clone())
                        .collect(),
                    Err(_) => Vec::new(),
                };
                match found.first() {
                    Some(first) => {
                        let first = first.clone();
                        self.dial_for(reply, DialOpts::peer_id(target).addresses(found).build(), first);
                    }
                    None if step.last => {
                        let _ = reply.send(Err(NodeError::Network(format!(
                            "no partner knows an address of {target}; give its address instead"
                        ))));
                    }
                    None => {
                        self.lookups.insert(id, (target, reply));
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Autonat(autonat::Event::StatusChanged { new, .. })) => {
                tracing::info!(status = ?new, "reachability");
                self.nat = match new {
                    autonat::NatStatus::Public(a) => format!("public ({a})"),
                    autonat::NatStatus::Private => "private (reachable through relays only)".into(),
                    autonat::NatStatus::Unknown => "unknown".into(),
                };
            }
            SwarmEvent::Behaviour(BehaviourEvent::RelayClient(
                relay::client::Event::ReservationReqAccepted { relay_peer_id, renewal, .. },
            )) => {
                self.reservations.insert(relay_peer_id);
                if !renewal {
                    tracing::info!(relay = %relay_peer_id, "reserved a slot on the relay");
                    // A slot regained (the relay restarted, a circuit was cut): partners that
                    // reach this town only through the relay can now, so dial them at once
                    // rather than at the next redial; the hello resumes the sync.
                    self.redial_known();
                }
            }
            SwarmEvent::ListenerClosed { listener_id, reason, .. } => {
                let Some(relay) = self.relay_listeners.remove(&listener_id) else { return };
                if let Some(Protocol::P2p(peer)) = relay.iter().last() {
                    self.reservations.remove(&peer);
                }
                match reason {
                    Ok(()) => tracing::info!(%relay, "slot on the relay lost; asking again"),
                    Err(e) => {
                        tracing::warn!(%relay, error = %e, "the relay refused or dropped this town's slot; asking again")
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Relay(relay::Event::ReservationReqDenied {
                src_peer_id,
                status,
            })) => self.relay_refused(src_peer_id, "reservation", status),
            SwarmEvent::Behaviour(BehaviourEvent::Relay(relay::Event::CircuitReqDenied {
                src_peer_id,
                status,
                ..
            })) => self.relay_refused(src_peer_id, "circuit", status),
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event {
                peer,
                connection,
                result: Err(e @ ping::Failure::Timeout),
            })) => {
                tracing::info!(%peer, error = %e, "partner stopped answering; closing the connection");
                self.swarm.close_connection(connection);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Dcutr(dcutr::Event { remote_peer_id, result })) => {
                let outcome = match &result {
                    Ok(_) => "succeeded".to_string(),
                    Err(e) => format!("failed: {e}"),
                };
                tracing::info!(peer = %remote_peer_id, %outcome, "hole punching (direct connection through NAT)");
                if let Some(state) = self.peers.connected.get_mut(&remote_peer_id) {
                    state.hole_punch = Some(outcome);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(list))) => {
                // Two towns on one network usually discover each other in the same instant and
                // dial each other at once. Dialling from the listening port (libp2p's default,
                // for hole punching) then makes one TCP simultaneous open in which both sides
                // are the dialer, and both upgrades fail; mDNS would not offer the address
                // again for minutes. On a local network there is no NAT to punch: a fresh port.
                for (peer, addr) in list {
                    if !self.peers.is_connected(&peer) && !self.peers.is_banned(&peer) {
                        let opts = DialOpts::peer_id(peer).addresses(vec![addr]).allocate_new_port().build();
                        let _ = self.swarm.dial(opts);
                    }
                }
            }
            _ => {}
        }
    }

    /// This node's relay refused `peer` a reservation or a circuit: a stranger is logged at
    /// warn (rate-limited per peer); a town it serves hit a limit (debug).
    fn relay_refused(&mut self, peer: PeerId, what: &str, status: relay::StatusCode) {
        if self.relay_allow.as_ref().is_some_and(|a| a.allows(&peer)) {
            tracing::debug!(%peer, refused = what, ?status, "relay limit");
        } else {
            self.strangers.refused(peer, what, std::time::Instant::now());
        }
    }
}

/// Whether a partner's identify list offers a sync protocol but not the current one: it needs
/// a signature for every change (see `Engine::note_older_partner`).
fn speaks_only_older_sync(protocols: &[libp2p::StreamProtocol]) -> bool {
    let named = |name: &str| protocols.iter().any(|p| p.as_ref() == name);
    !named(wire::SYNC_PROTOCOL) && wire::Version::ALL.iter().any(|v| named(v.protocol()))
}

/// How many times a caller's dial through a relay is tried again after it failed.
const DIAL_RETRIES_THROUGH_RELAY: u8 = 3;

/// How long after a failed dial through a relay it is tried again.
const DIAL_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(500);

/// Whether `addr` goes through a relay (`…/p2p-circuit/…`).
fn is_relayed_addr(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| matches!(p, Protocol::P2pCircuit))
}

#[cfg(test)]
mod tests {
    use libp2p::StreamProtocol;

    use super::*;

    fn named(names: &[&'static str]) -> Vec<StreamProtocol> {
        names.iter().map(|n| StreamProtocol::new(n)).collect()
    }

    /// Pruning stops only for a partner that offers sync but not version 5: a current node
    /// (every version), a node that offers no sync protocol (a relay of another product, a
    /// browser) and an empty list do not stop it.
    #[test]
    fn only_a_partner_without_sync_5_counts_as_older() {
        let current = named(&[wire::SYNC_PROTOCOL, wire::SYNC_PROTOCOL_V4, "/ipfs/id/1.0.0"]);
        let older = named(&[wire::SYNC_PROTOCOL_V4, wire::SYNC_PROTOCOL_V3, "/ipfs/id/1.0.0"]);
        let oldest = named(&[wire::SYNC_PROTOCOL_V1]);
        let none = named(&["/ipfs/id/1.0.0", "/libp2p/circuit/relay/0.2.0/hop"]);
        assert!(!speaks_only_older_sync(&current));
        assert!(speaks_only_older_sync(&older));
        assert!(speaks_only_older_sync(&oldest));
        assert!(!speaks_only_older_sync(&none));
        assert!(!speaks_only_older_sync(&[]));
    }

    #[test]
    fn circuit_addresses_are_told_apart() {
        let direct: Multiaddr = "/ip4/127.0.0.1/tcp/4001".parse().expect("addr");
        let relayed: Multiaddr = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDyQmo1c8tzdBCTTtMExRHzDTpYTaheLpFoBBBJyaGWcN/p2p-circuit/p2p/12D3KooWBQVPLhJVJ1aDsM342eDQFSCFaJbgQhwseZVDAkTXSxZj"
            .parse()
            .expect("addr");
        assert!(!is_relayed_addr(&direct));
        assert!(is_relayed_addr(&relayed));
    }
}
