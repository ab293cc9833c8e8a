//! A partnership relay (`twin start --relay`): libp2p's relay v2 server with limits that let a
//! whole document through, open only to the towns the relay's own town works with.
//!
//! libp2p's `relay::Config::default()` is made for a public relay of strangers: 128 KiB and two
//! minutes per circuit. Through it a 124 KB document never arrived (each circuit was cut before
//! the frame was through, the next one came at the next redial). A partnership relay carries
//! whole documents instead, and in exchange serves only:
//! - the active members of every space this relay's town is an active member of, and
//! - the towns on its allow-list (`--relay-allow PEER_ID`, e.g. an association's relay that
//!   is a member of no space).
//!
//! A stranger's reservation (and circuit) is refused by a libp2p rate limiter that looks the
//! peer up in [`RelayAllow`]; the network task logs the refusal (rate-limited per peer).

use std::{
    collections::{HashMap, HashSet},
    num::NonZeroU32,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use libp2p::{PeerId, relay};
use twinmesh_protocol::wire::MAX_MESSAGE_BYTES;

use super::peers::LogGate;
use crate::{engine::Engine, error::NodeError};

/// Bytes one relayed circuit carries before the relay closes it: sixteen of the largest frame
/// the node accepts ([`MAX_MESSAGE_BYTES`], 64 MiB), so a whole document of any size the node
/// takes goes through in one circuit, many times over. The cap still ends a circuit that a
/// member uses as a bulk pipe; the towns reconnect at their next redial and sync resumes.
pub const RELAY_CIRCUIT_BYTES: u64 = 16 * MAX_MESSAGE_BYTES as u64;

/// How long one relayed circuit lives before the relay closes it (libp2p's default is two
/// minutes, which cut a slow first sync). The towns redial within
/// [`super::REDIAL_INTERVAL`] and the sessions start again from what is already stored.
pub const RELAY_CIRCUIT_DURATION: Duration = Duration::from_secs(6 * 3600);

/// Circuits the relay holds open at once: a partnership has tens of towns, and each relayed
/// pair of towns needs one circuit (libp2p's default is 16 in all).
pub const RELAY_MAX_CIRCUITS: usize = 512;

/// Circuits one town may hold open through the relay at once (one per partner it reaches
/// through the relay; libp2p's default is 4).
pub const RELAY_MAX_CIRCUITS_PER_PEER: usize = 64;

/// Reservations the relay holds, in all (libp2p's default 128 would do; named here with the
/// others).
pub const RELAY_MAX_RESERVATIONS: usize = 512;

/// New circuits one town may open per minute (a town that redials every 30 s needs one or two;
/// a burst after a relay restart a few more).
const RELAY_CIRCUITS_PER_MINUTE: u32 = 30;

/// How often a town asks a relay of `--relay-via` again for a slot it lost (the relay
/// restarted, the connection to it dropped) or was refused: one dial of its own relay every
/// few seconds while it is away, so partners reach the town again soon after it is back.
pub const RELAY_RETRY: Duration = Duration::from_secs(5);

/// Strangers remembered for rate-limiting the log lines about them; past this the oldest
/// entries are forgotten (their next refusal is logged again).
const MAX_LOGGED_STRANGERS: usize = 1024;

/// How often a refused stranger is logged at most (with a count of the refusals not logged).
pub const STRANGER_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// The towns this relay serves: the active members of this town's spaces, and the allow-list.
/// Shared between the network task (which refreshes it from the engine after membership
/// changes, never waiting for the engine in its loop) and the relay behaviour's rate limiters
/// (which read it while the swarm is polled, in the same task). The lock is held for a set
/// lookup or a swap, never across an `.await`.
#[derive(Debug, Clone, Default)]
pub(crate) struct RelayAllow {
    inner: Arc<RwLock<Allowed>>,
}

#[derive(Debug, Default)]
struct Allowed {
    /// From `--relay-allow`.
    listed: HashSet<PeerId>,
    /// Active members of the spaces this town is an active member of.
    members: HashSet<PeerId>,
}

impl RelayAllow {
    /// An allow-set with `listed` (the operator's allow-list) and `members`.
    pub(crate) fn new(listed: &[PeerId], members: HashSet<PeerId>) -> Self {
        let allowed = Allowed { listed: listed.iter().copied().collect(), members };
        Self { inner: Arc::new(RwLock::new(allowed)) }
    }

    /// True if the relay serves `peer`.
    pub(crate) fn allows(&self, peer: &PeerId) -> bool {
        let a = self.inner.read().unwrap_or_else(|e| e.into_inner());
        a.listed.contains(peer) || a.members.contains(peer)
    }

    /// Replaces the members (the allow-list stays).
    pub(crate) fn set_members(&self, members: HashSet<PeerId>) {
        self.inner.write().unwrap_or_else(|e| e.into_inner()).members = members;
    }

    /// The relay server's configuration: limits that carry whole documents, reservations and
    /// circuits only for the towns this allow-set holds, and libp2p's per-peer and per-IP rates.
    pub(crate) fn config(&self) -> relay::Config {
        let only_allowed = |allow: RelayAllow| {
            Box::new(move |peer: PeerId, _: &libp2p::Multiaddr, _: Instant| allow.allows(&peer))
                as Box<dyn relay::RateLimiter>
        };
        let per_minute = NonZeroU32::new(RELAY_CIRCUITS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        let defaults = relay::Config::default();
        let mut config = relay::Config {
            max_reservations: RELAY_MAX_RESERVATIONS,
            max_circuits: RELAY_MAX_CIRCUITS,
            max_circuits_per_peer: RELAY_MAX_CIRCUITS_PER_PEER,
            max_circuit_duration: RELAY_CIRCUIT_DURATION,
            max_circuit_bytes: RELAY_CIRCUIT_BYTES,
            // The membership check goes first: the limiters run in order and stop at the first
            // refusal, so a stranger spends no town's tokens.
            reservation_rate_limiters: vec![only_allowed(self.clone())],
            circuit_src_rate_limiters: vec![only_allowed(self.clone())],
            ..defaults
        };
        // libp2p's default reservation limiters stay (a reservation is renewed hourly).
        config.reservation_rate_limiters.extend(relay::Config::default().reservation_rate_limiters);
        config.circuit_src_per_peer(per_minute, Duration::from_secs(60) / RELAY_CIRCUITS_PER_MINUTE)
    }
}

/// The towns a partnership relay serves from the engine: every active member of every space
/// this town is an active member of (itself excluded).
pub(crate) fn space_members(e: &mut Engine) -> Result<HashSet<PeerId>, NodeError> {
    let me = e.me().key;
    let mut out = HashSet::new();
    for s in e.spaces()? {
        let m = e.membership(&s.id)?;
        if !m.can_read(&me) {
            continue;
        }
        for member in m.members.values() {
            if member.active && member.key != me {
                out.insert(crate::identity::peer_id(&member.key));
            }
        }
    }
    Ok(out)
}

/// Rate-limited log lines about refused strangers, per peer, for a bounded number of peers.
#[derive(Debug, Default)]
pub(super) struct StrangerLog {
    gates: HashMap<PeerId, LogGate>,
}

impl StrangerLog {
    /// Logs at warn that the relay refused `peer` (`what`: a reservation or a circuit), at most
    /// once per [`STRANGER_LOG_INTERVAL`] per peer.
    pub(super) fn refused(&mut self, peer: PeerId, what: &str, now: Instant) {
        if self.gates.len() >= MAX_LOGGED_STRANGERS && !self.gates.contains_key(&peer) {
            self.gates.retain(|_, g| g.recent(now, STRANGER_LOG_INTERVAL));
            if self.gates.len() >= MAX_LOGGED_STRANGERS {
                self.gates.clear();
            }
        }
        if let Some(unlogged) = self.gates.entry(peer).or_default().admit(now, STRANGER_LOG_INTERVAL) {
            tracing::warn!(
                %peer, refused = what, unlogged,
                "relay refused a stranger: not a member of any space this town is in, nor on its \
                 --relay-allow list (further refusals within {STRANGER_LOG_INTERVAL:?} are not logged)"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_set_serves_members_and_the_list_only() {
        let (member, listed, stranger) = (PeerId::random(), PeerId::random(), PeerId::random());
        let allow = RelayAllow::new(&[listed], HashSet::from([member]));
        assert!(allow.allows(&member) && allow.allows(&listed) && !allow.allows(&stranger));
        allow.set_members(HashSet::new());
        assert!(!allow.allows(&member), "a removed member is no longer served");
        assert!(allow.allows(&listed), "the allow-list stays");
        let config = allow.config();
        assert_eq!(config.max_circuit_bytes, RELAY_CIRCUIT_BYTES);
        assert!(config.max_circuit_bytes >= 2 * MAX_MESSAGE_BYTES as u64, "a whole largest frame fits");
    }

    #[test]
    fn stranger_log_is_bounded() {
        let mut log = StrangerLog::default();
        let now = Instant::now();
        for _ in 0..MAX_LOGGED_STRANGERS + 10 {
            log.refused(PeerId::random(), "reservation", now);
        }
        assert!(log.gates.len() <= MAX_LOGGED_STRANGERS);
    }
}
