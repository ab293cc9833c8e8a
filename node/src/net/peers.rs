//! Partners: who is connected and how, their offences and bans, whom to redial, and the peer
//! list `twin peers` shows.

use super::answers::{PeerListed, SharedSpace};
use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant, SystemTime},
};

use libp2p::{Multiaddr, PeerId, multiaddr::Protocol, swarm::ConnectionId};
use twinmesh_protocol::{keys::PublicKey, wire};

use crate::{
    engine::{
        Engine,
        sync::{MAX_PEER_ADDRS, PeerRecord},
    },
    error::NodeError,
};

/// Refused changes from one peer before it is disconnected and ignored for [`BAN_TIME`]. Refused
/// frames count towards the same limit, [`REFUSED_FRAME_WEIGHT`] each.
pub const MAX_REJECTED_PER_PEER: u32 = 64;

/// What one refused frame (oversized, a deflate bomb, an unknown encoding, truncated, undecodable,
/// or a round refused whole: a bad Bloom filter, a wrong signature count) counts for towards
/// [`MAX_REJECTED_PER_PEER`]: a peer is banned at its ninth. An honest node never sends one (its
/// codec checks the same limits before writing), so a few are enough to tell a broken or hostile
/// peer, while one garbled frame does not cut a partner off.
pub const REFUSED_FRAME_WEIGHT: u32 = 8;

/// Each misbehaving peer is logged at warn at most once per this interval (a hostile peer must
/// not flood the log); the next line says how many offences were not logged.
pub const OFFENCE_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// How long a misbehaving peer is refused.
pub const BAN_TIME: Duration = Duration::from_secs(600);

/// How often remembered partners that are not connected are dialed again.
pub const REDIAL_INTERVAL: Duration = Duration::from_secs(30);

/// How long a hello's summaries count as known to the partner (see [`Peers::hello_is_news`]).
const HELLO_DEDUP: Duration = Duration::from_secs(5);

/// Longest announced address remembered (in text); real ones are well under 200 characters.
const MAX_ADDR_CHARS: usize = 300;

/// `addr` ending in `peer`'s id exactly once: a relayed address from the relay client already
/// ends in it (`/p2p/R/p2p-circuit/p2p/T`), and appending it again made an address libp2p
/// refuses as malformed.
pub fn with_peer_id(mut addr: Multiaddr, peer: PeerId) -> Multiaddr {
    if addr.iter().last() != Some(Protocol::P2p(peer)) {
        addr.push(Protocol::P2p(peer));
    }
    addr
}

/// Whether `addr` starts on loopback (127.0.0.0/8, ::1, `localhost`).
pub(super) fn is_loopback(addr: &Multiaddr) -> bool {
    match addr.iter().next() {
        Some(Protocol::Ip4(ip)) => ip.is_loopback(),
        Some(Protocol::Ip6(ip)) => ip.is_loopback(),
        Some(Protocol::Dns(h) | Protocol::Dns4(h) | Protocol::Dns6(h)) => h == "localhost",
        _ => false,
    }
}

/// The addresses worth remembering of those `peer` announced (identify's listen addresses,
/// relayed ones included), each ending in its id, in its order, at most [`MAX_PEER_ADDRS`]:
/// not unspecified (0.0.0.0, ::), not naming another node's id last, not absurdly long, and
/// on loopback only when `same_machine` (the partner runs on this machine): a partner
/// elsewhere announces its own 127.0.0.1 too, and dialling that reaches this machine.
pub(super) fn announced_addrs(peer: PeerId, addrs: &[Multiaddr], same_machine: bool) -> Vec<String> {
    let mut out = Vec::new();
    for a in addrs.iter().filter(|a| same_machine || !is_loopback(a)) {
        let unspecified = a.iter().any(|p| match p {
            Protocol::Ip4(ip) => ip.is_unspecified(),
            Protocol::Ip6(ip) => ip.is_unspecified(),
            _ => false,
        });
        let other_id = matches!(a.iter().last(), Some(Protocol::P2p(p)) if p != peer);
        let text = with_peer_id(a.clone(), peer).to_string();
        if unspecified || other_id || text.len() > MAX_ADDR_CHARS || out.contains(&text) {
            continue;
        }
        out.push(text);
        if out.len() == MAX_PEER_ADDRS {
            break;
        }
    }
    out
}

/// A log line that is written at most once per interval: the first event is logged, the ones
/// within the interval after it are counted, and the next line says how many were not logged.
/// Pure: the caller passes the time in.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct LogGate {
    /// When the last line was written, and the events since then not logged.
    last: Option<(Instant, u32)>,
}

impl LogGate {
    /// `Some(unlogged)` if a line is to be written now (saying `unlogged` events were not
    /// logged since the last line); `None` if this event is only counted.
    pub(super) fn admit(&mut self, now: Instant, every: Duration) -> Option<u32> {
        match &mut self.last {
            Some((at, unlogged)) if now.saturating_duration_since(*at) < every => {
                *unlogged = unlogged.saturating_add(1);
                None
            }
            last => {
                let unlogged = last.map_or(0, |(_, n)| n);
                *last = Some((now, 0));
                Some(unlogged)
            }
        }
    }
}

impl LogGate {
    /// True if a line was written less than `every` before `now`.
    pub(super) fn recent(&self, now: Instant, every: Duration) -> bool {
        self.last.is_some_and(|(at, _)| now.saturating_duration_since(at) < every)
    }
}

/// One connected partner.
#[derive(Debug, Default)]
pub(super) struct PeerState {
    pub(super) addr: Option<Multiaddr>,
    /// Open connections, and whether each goes through a relay.
    pub(super) links: HashMap<ConnectionId, bool>,
    /// The outcome of the last hole punch (DCUtR) with this partner.
    pub(super) hole_punch: Option<String>,
    pub(super) applied: u64,
    /// Changes the partner sent that this node already held.
    pub(super) duplicates: u64,
    /// Changes the partner sent that this node refused.
    pub(super) rejected: u32,
    /// Frames the partner sent that this node refused (see [`REFUSED_FRAME_WEIGHT`]).
    pub(super) refused_frames: u32,
    /// Its misbehaviour is logged at most once per [`OFFENCE_LOG_INTERVAL`].
    warned: LogGate,
    pub(super) last_sync: Option<SystemTime>,
    /// When the partner dialed this node, if its first connection was its dial: it says hello
    /// at once (see [`Peers::dialers_hello_due`]).
    pub(super) dialed_in: Option<Instant>,
    /// This node dialed one of its connections to the partner, and said hello on it.
    pub(super) dialed_out: bool,
}

impl PeerState {
    /// Refused changes plus refused frames by their weight, for [`MAX_REJECTED_PER_PEER`].
    fn offences(&self) -> u32 {
        self.rejected.saturating_add(self.refused_frames.saturating_mul(REFUSED_FRAME_WEIGHT))
    }

    /// "direct" when some connection is direct, else "relayed".
    fn connection(&self) -> &'static str {
        if self.links.values().any(|relayed| !relayed) { "direct" } else { "relayed" }
    }
}

/// A remembered partner with the spaces it shares with this node (one engine job for all).
pub(super) type KnownPeer = (PublicKey, PeerRecord, Vec<SharedSpace>);

/// Every remembered partner with the spaces it shares with this node: the peer list's one
/// engine job.
pub(super) fn known_peers(e: &mut Engine) -> Result<Vec<KnownPeer>, NodeError> {
    let spaces = e.spaces()?;
    let mut out = Vec::new();
    for (key, rec) in e.peers()? {
        let mut shared = Vec::new();
        for s in &spaces {
            match e.is_member(&s.id, &key) {
                Ok(true) => shared.push(SharedSpace { space: s.id, name: s.name.clone() }),
                Ok(false) => {}
                Err(_) => {
                    shared.clear();
                    break;
                }
            }
        }
        out.push((key, rec, shared));
    }
    Ok(out)
}

/// The partners this node knows of on the network.
#[derive(Debug, Default)]
pub(super) struct Peers {
    pub(super) connected: HashMap<PeerId, PeerState>,
    banned: HashMap<PeerId, Instant>,
    /// When this node last told each partner its space summaries, and their digest.
    last_hello: HashMap<PeerId, (Instant, [u8; 32])>,
}

impl Peers {
    pub(super) fn is_connected(&self, peer: &PeerId) -> bool {
        self.connected.contains_key(peer)
    }

    /// The connected partners.
    pub(super) fn ids(&self) -> Vec<PeerId> {
        self.connected.keys().copied().collect()
    }

    /// Changes received and refused, over the connected partners.
    pub(super) fn totals(&self) -> (u64, u32) {
        (self.connected.values().map(|s| s.applied).sum(), self.connected.values().map(|s| s.rejected).sum())
    }

    pub(super) fn is_banned(&mut self, peer: &PeerId) -> bool {
        match self.banned.get(peer) {
            Some(t) if t.elapsed() < BAN_TIME => true,
            Some(_) => {
                self.banned.remove(peer);
                false
            }
            None => false,
        }
    }

    /// Records that this node told `peer` the summaries with `digest` now; false (and nothing
    /// recorded) when `unless_recent` and it told `peer` the very same ones within
    /// [`HELLO_DEDUP`]: a reconnect made both sides say hello again when gossipsub reported the
    /// other's topic subscriptions, which tripled the bytes of a reconnect with nothing new.
    pub(super) fn hello_is_news(
        &mut self,
        peer: PeerId,
        spaces: &[wire::SpaceSummary],
        unless_recent: bool,
    ) -> bool {
        let digest = summaries_digest(spaces);
        if unless_recent
            && self.last_hello.get(&peer).is_some_and(|(t, d)| *d == digest && t.elapsed() < HELLO_DEDUP)
        {
            return false;
        }
        self.last_hello.insert(peer, (Instant::now(), digest));
        true
    }

    /// True while `peer` dialed this node less than [`HELLO_DEDUP`] ago: its hello is on the
    /// way (the dialer says hello at once), and answering it tells it this node's summaries,
    /// so a hello of this node's own would only repeat them. gossipsub reports the dialer's
    /// topic subscriptions before its hello arrives, and saying hello then made every
    /// connection carry four hellos instead of two, and often a second session per document
    /// (the side that sends a hello compares, and both did).
    pub(super) fn dialers_hello_due(&self, peer: &PeerId) -> bool {
        self.connected.get(peer).and_then(|s| s.dialed_in).is_some_and(|t| t.elapsed() < HELLO_DEDUP)
    }

    /// A frame from `peer` was refused (by the codec, or whole by the engine): it counts
    /// [`REFUSED_FRAME_WEIGHT`] towards the peer's ban. True if the peer is to be cut off now.
    pub(super) fn refused_frame(&mut self, peer: PeerId, reason: &str) -> bool {
        let Some(state) = self.connected.get_mut(&peer) else { return false };
        state.refused_frames = state.refused_frames.saturating_add(1);
        self.misbehaved(peer, reason)
    }

    /// `peer` misbehaved (its counts are already updated): logs it at warn, at most once per
    /// [`OFFENCE_LOG_INTERVAL`], and bans it once its offences pass [`MAX_REJECTED_PER_PEER`]:
    /// its connections are refused for [`BAN_TIME`]. True if the caller is to disconnect it
    /// now.
    pub(super) fn misbehaved(&mut self, peer: PeerId, reason: &str) -> bool {
        if self.is_banned(&peer) {
            return false; // frames still in flight when it was cut off
        }
        let Some(state) = self.connected.get_mut(&peer) else { return false };
        let (refused_changes, refused_frames) = (state.rejected, state.refused_frames);
        if state.offences() > MAX_REJECTED_PER_PEER {
            tracing::warn!(
                %peer, reason, refused_changes, refused_frames, ban = ?BAN_TIME,
                "peer misbehaved repeatedly: disconnected, and its connections refused for the ban time"
            );
            self.banned.insert(peer, Instant::now());
            return true;
        }
        if let Some(unlogged) = state.warned.admit(Instant::now(), OFFENCE_LOG_INTERVAL) {
            tracing::warn!(
                %peer, reason, refused_changes, refused_frames, unlogged,
                "peer misbehaved (further offences within {OFFENCE_LOG_INTERVAL:?} are not logged)"
            );
        }
        false
    }

    /// `peer` disconnected: forgets its connection state (its counts start afresh at the next
    /// connection; a ban stays).
    pub(super) fn disconnected(&mut self, peer: &PeerId) {
        self.connected.remove(peer);
    }

    /// The remembered partners to dial again: not connected, not banned, with an address.
    pub(super) fn redial_targets(
        &mut self,
        known: Vec<(PublicKey, PeerRecord)>,
    ) -> Vec<(PeerId, Vec<Multiaddr>)> {
        let mut out = Vec::new();
        for (key, rec) in known {
            let peer = crate::identity::peer_id(&key);
            if self.is_connected(&peer) || self.is_banned(&peer) {
                continue;
            }
            let addrs: Vec<Multiaddr> = rec.addrs.iter().filter_map(|a| a.parse().ok()).collect();
            if !addrs.is_empty() {
                out.push((peer, addrs));
            }
        }
        out
    }

    /// The peer list (`GET /api/v1/peers`): the remembered partners, then connected nodes
    /// this node does not remember. `sessions` counts the sessions running with a partner.
    pub(super) fn list(&self, known: Vec<KnownPeer>, sessions: impl Fn(&PeerId) -> usize) -> Vec<PeerListed> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for (key, rec, spaces) in known {
            let peer = crate::identity::peer_id(&key);
            seen.insert(peer);
            let state = self.connected.get(&peer);
            out.push(PeerListed {
                id: peer.to_string(),
                name: rec.profile.as_ref().map(|p| p.name.clone()),
                country: rec.profile.as_ref().map(|p| p.country.clone()),
                connected: state.is_some(),
                connection: state.map(PeerState::connection),
                hole_punch: state.and_then(|s| s.hole_punch.clone()),
                addrs: rec.addrs,
                last_seen: rec.last_seen,
                last_seen_utc: rec.last_seen.map(|t| t.to_rfc3339()),
                syncing_documents: sessions(&peer),
                changes_received: state.map(|s| s.applied).unwrap_or(0),
                changes_already_held: state.map(|s| s.duplicates).unwrap_or(0),
                changes_rejected: state.map(|s| u64::from(s.rejected)).unwrap_or(0),
                frames_refused: state.map(|s| u64::from(s.refused_frames)).unwrap_or(0),
                spaces,
            });
        }
        for (peer, state) in &self.connected {
            if !seen.contains(peer) {
                out.push(PeerListed {
                    id: peer.to_string(),
                    name: None,
                    country: None,
                    connected: true,
                    connection: Some(state.connection()),
                    hole_punch: state.hole_punch.clone(),
                    addrs: state.addr.iter().map(|a| a.to_string()).collect(),
                    last_seen: None,
                    last_seen_utc: None,
                    syncing_documents: sessions(peer),
                    changes_received: state.applied,
                    changes_already_held: state.duplicates,
                    changes_rejected: u64::from(state.rejected),
                    frames_refused: u64::from(state.refused_frames),
                    spaces: Vec::new(),
                });
            }
        }
        out
    }
}

/// SHA-256 of encoded space summaries.
fn summaries_digest(spaces: &[wire::SpaceSummary]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(wire::encode(&spaces)).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offences_ban_past_the_limit_and_frames_weigh_more() {
        let mut peers = Peers::default();
        let (a, b) = (PeerId::random(), PeerId::random());
        peers.connected.insert(a, PeerState::default());
        peers.connected.insert(b, PeerState::default());
        if let Some(s) = peers.connected.get_mut(&a) {
            s.rejected = MAX_REJECTED_PER_PEER;
        }
        assert!(!peers.misbehaved(a, "at the limit"));
        if let Some(s) = peers.connected.get_mut(&a) {
            s.rejected += 1;
        }
        assert!(peers.misbehaved(a, "past the limit"));
        assert!(peers.is_banned(&a));
        assert!(!peers.misbehaved(a, "in flight"), "a banned peer is cut off once");
        let frames_to_ban = MAX_REJECTED_PER_PEER / REFUSED_FRAME_WEIGHT + 1;
        for i in 1..frames_to_ban {
            assert!(!peers.refused_frame(b, "garbled"), "frame {i} is not yet a ban");
        }
        assert!(peers.refused_frame(b, "garbled"));
        // An unknown peer has no counts to raise.
        assert!(!peers.refused_frame(PeerId::random(), "never connected"));
    }

    /// The dialed side leaves the first hello to the dialer for HELLO_DEDUP; a partner this
    /// node dialed, or one that dialed long ago, gets a hello on its subscriptions as before.
    #[test]
    fn a_dialers_hello_is_due_only_just_after_it_dialed() {
        let mut peers = Peers::default();
        let (dialed_us, we_dialed, long_ago) = (PeerId::random(), PeerId::random(), PeerId::random());
        let now = Instant::now();
        peers.connected.insert(dialed_us, PeerState { dialed_in: Some(now), ..Default::default() });
        peers.connected.insert(we_dialed, PeerState::default());
        let old = now.checked_sub(HELLO_DEDUP + Duration::from_secs(1));
        peers.connected.insert(long_ago, PeerState { dialed_in: old, ..Default::default() });
        assert!(peers.dialers_hello_due(&dialed_us));
        assert!(!peers.dialers_hello_due(&we_dialed));
        assert!(old.is_none() || !peers.dialers_hello_due(&long_ago));
        assert!(!peers.dialers_hello_due(&PeerId::random()), "not connected");
    }

    #[test]
    fn a_log_gate_writes_once_per_interval_and_counts_the_rest() {
        let every = Duration::from_secs(60);
        let t0 = Instant::now();
        let mut g = LogGate::default();
        assert_eq!(g.admit(t0, every), Some(0), "the first event is logged");
        assert_eq!(g.admit(t0 + Duration::from_secs(1), every), None);
        assert_eq!(g.admit(t0 + Duration::from_secs(59), every), None);
        assert_eq!(g.admit(t0 + every, every), Some(2), "the next line counts the two not logged");
        assert_eq!(g.admit(t0 + every + Duration::from_secs(30), every), None);
        assert_eq!(g.admit(t0 + 3 * every, every), Some(1));
        // A clock that goes backwards (an earlier `now`) counts, it does not panic.
        assert_eq!(g.admit(t0, every), None);
    }

    #[test]
    fn addresses_end_in_the_id_once_and_announced_ones_are_bounded() {
        let (t, r) = (PeerId::random(), PeerId::random());
        let relayed: Multiaddr =
            format!("/ip4/192.0.2.7/tcp/4001/p2p/{r}/p2p-circuit/p2p/{t}").parse().expect("addr");
        assert_eq!(with_peer_id(relayed.clone(), t), relayed, "a relayed address keeps its one id");
        let plain: Multiaddr = "/ip4/192.0.2.8/tcp/4001".parse().expect("addr");
        assert_eq!(with_peer_id(plain.clone(), t).to_string(), format!("{plain}/p2p/{t}"));
        let circuit: Multiaddr =
            format!("/ip4/192.0.2.7/tcp/4001/p2p/{r}/p2p-circuit").parse().expect("addr");
        let mut announced = vec![
            "/ip4/0.0.0.0/tcp/4001".parse().expect("addr"),
            format!("/ip4/192.0.2.9/tcp/1/p2p/{r}").parse().expect("addr"),
            circuit,
            relayed.clone(),
        ];
        announced.extend((0..20u16).map(|i| format!("/ip4/192.0.2.10/tcp/{i}").parse().expect("addr")));
        assert_eq!(announced_addrs(t, &announced[..4], false), vec![relayed.to_string()]);
        let local: Vec<Multiaddr> = vec!["/ip4/127.0.0.1/tcp/4001".parse().expect("addr"), plain.clone()];
        let elsewhere = announced_addrs(t, &local, false);
        assert_eq!(elsewhere, vec![format!("{plain}/p2p/{t}")], "a partner elsewhere: not its loopback");
        assert_eq!(announced_addrs(t, &local, true).len(), 2, "a partner on this machine: its loopback too");
        let kept = announced_addrs(t, &announced, false);
        assert_eq!(kept.len(), MAX_PEER_ADDRS);
        assert_eq!(kept[0], relayed.to_string(), "the circuit gets T's id, once, and duplicates go");
        assert_eq!(kept[1], "/ip4/192.0.2.10/tcp/0/p2p/".to_string() + &t.to_string());
        assert!(kept.iter().all(|a| a.matches("/p2p/").count() <= 2 && a.ends_with(&t.to_string())));
    }

    #[test]
    fn the_same_hello_within_the_dedup_window_is_skipped_only_when_asked() {
        let mut peers = Peers::default();
        let a = PeerId::random();
        assert!(peers.hello_is_news(a, &[], true));
        assert!(!peers.hello_is_news(a, &[], true));
        assert!(peers.hello_is_news(a, &[], false));
    }
}
