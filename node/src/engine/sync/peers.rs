//! What this node remembers about partner nodes: their profile, the addresses they were
//! reached at or announced, and when they were last seen.

use serde::{Deserialize, Serialize};
use twinmesh_protocol::{keys::PublicKey, space::Municipality, time::Timestamp};

use super::super::{Engine, decode, encode, now};
use crate::{
    error::NodeError,
    store::{Batch, Table},
};

/// How stale a partner's stored `last_seen` may be before a connection or hello rewrites it.
pub const LAST_SEEN_RESOLUTION_MS: i64 = 5 * 60 * 1000;

/// Most addresses remembered per partner (newest first; the oldest are dropped).
pub const MAX_PEER_ADDRS: usize = 8;

/// What this node remembers about a partner node.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PeerRecord {
    /// The partner's self-declared profile, from its last hello.
    pub profile: Option<Municipality>,
    /// Addresses it was reached at or announced (multiaddr text, ending in its id), newest
    /// first, at most [`MAX_PEER_ADDRS`]; emptied when it stops being a member of every space
    /// shared with this node.
    pub addrs: Vec<String>,
    /// When it was last connected.
    pub last_seen: Option<Timestamp>,
}

impl Engine {
    /// Every remembered partner node.
    pub fn peers(&self) -> Result<Vec<(PublicKey, PeerRecord)>, NodeError> {
        let mut out = Vec::new();
        for (k, v) in self.store.scan(Table::Peers, &[])? {
            let key = PublicKey::from_bytes(&k).map_err(|_| NodeError::Corrupt("peer key".into()))?;
            out.push((key, decode("peer record", &v)?));
        }
        Ok(out)
    }

    /// A remembered partner, if any.
    pub fn peer(&self, key: &PublicKey) -> Result<Option<PeerRecord>, NodeError> {
        self.store.get(Table::Peers, &key.to_bytes())?.map(|v| decode("peer record", &v)).transpose()
    }

    /// Remembers that a partner was seen, at `addrs` (newest first) if any: they go before
    /// the addresses remembered already, and only the newest [`MAX_PEER_ADDRS`] are kept.
    pub fn note_peer(
        &self,
        key: &PublicKey,
        addrs: Vec<String>,
        profile: Option<Municipality>,
    ) -> Result<(), NodeError> {
        let old = self.peer(key)?;
        let mut rec = old.clone().unwrap_or_default();
        if !addrs.is_empty() {
            let mut merged: Vec<String> = Vec::with_capacity(MAX_PEER_ADDRS);
            for a in addrs.into_iter().chain(std::mem::take(&mut rec.addrs)) {
                if merged.len() < MAX_PEER_ADDRS && !merged.contains(&a) {
                    merged.push(a);
                }
            }
            rec.addrs = merged;
        }
        if let Some(p) = profile {
            rec.profile = Some(p);
        }
        let t = now();
        // Skip the (flushed) write when the addresses and the profile are unchanged and the
        // stored `last_seen` is recent: it is shown to people ("last seen 10:42") and nothing
        // decides on it, so a resolution of LAST_SEEN_RESOLUTION costs nothing and keeps a
        // reconnect free of disk writes.
        if let Some(old) = &old
            && old.addrs == rec.addrs
            && old.profile == rec.profile
            && old.last_seen.is_some_and(|s| t.0.saturating_sub(s.0) < LAST_SEEN_RESOLUTION_MS)
        {
            return Ok(());
        }
        rec.last_seen = Some(t);
        let mut b = Batch::default();
        b.put(Table::Peers, key.to_bytes().to_vec(), encode(&rec));
        self.store.commit(b)?;
        Ok(())
    }

    /// Remembers the addresses a partner announced (identify's listen addresses, relayed ones
    /// included), newest first, if it is a member of a space this node holds: a node that
    /// shares nothing with this one cannot make it remember, or later dial, addresses.
    /// Returns whether they were remembered.
    pub fn note_partner_addrs(&self, key: &PublicKey, addrs: Vec<String>) -> Result<bool, NodeError> {
        let member = self.member_anywhere(key)?;
        if member {
            self.note_peer(key, addrs, None)?;
        }
        Ok(member)
    }

    /// Records that partner `key` announced only sync protocol versions 1 to 4, if it is a
    /// member of a space held here: while such a partner was seen recently, compaction keeps
    /// every change's signature for it (`docs/protocol.md`, "Pruning"). A stranger cannot make
    /// this node keep more. Returns whether it was recorded.
    pub fn note_older_partner(&self, key: &PublicKey) -> Result<bool, NodeError> {
        let member = self.member_anywhere(key)?;
        if member {
            tracing::info!(partner = %key.fmt_short(), "partner speaks only sync protocol 4 or older; keeping every signature for it");
            self.note_older_partner_now()?;
        }
        Ok(member)
    }

    /// Whether `key` is a member of some space held here.
    fn member_anywhere(&self, key: &PublicKey) -> Result<bool, NodeError> {
        for s in self.spaces()? {
            if self.is_member(&s.id, key)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Forgets the addresses of `removed` towns that are no longer a member of any space held
    /// here (called when a membership change removed them): this node stops redialling them.
    pub(crate) fn forget_removed_addrs(&self, removed: &[PublicKey]) -> Result<(), NodeError> {
        if removed.is_empty() {
            return Ok(());
        }
        let mut b = Batch::default();
        for key in removed {
            let Some(mut rec) = self.peer(key)? else { continue };
            if !rec.addrs.is_empty() && !self.member_anywhere(key)? {
                rec.addrs.clear();
                b.put(Table::Peers, key.to_bytes().to_vec(), encode(&rec));
            }
        }
        if !b.is_empty() {
            self.store.commit(b)?;
        }
        Ok(())
    }
}
