//! Tests of the network task's setup.

use super::*;

#[test]
fn mdns_cannot_announce_loopback_only_listen_addresses() {
    let addrs = |list: &[&str]| -> Vec<Multiaddr> { list.iter().map(|a| a.parse().expect("addr")).collect() };
    assert!(mdns_cannot_announce(&addrs(&["/ip4/127.0.0.1/tcp/4001", "/ip6/::1/udp/4001/quic-v1"])));
    assert!(!mdns_cannot_announce(&addrs(&["/ip4/127.0.0.1/tcp/4001", "/ip4/192.0.2.2/tcp/4001"])));
    assert!(!mdns_cannot_announce(&addrs(&["/ip4/0.0.0.0/tcp/4001"])));
    assert!(!mdns_cannot_announce(&[]), "a node listening nowhere has nothing to announce anyway");
}
