//! The sync panel's figures (`GET /api/v1/sync/status`, `twin sync status`): per partner town,
//! online or offline and since when, when this node last exchanged a sync round with it, the
//! changes received from it, and the changes waiting to go out to it; per document, the
//! partners it has not reached yet, its conflicts, and who has it open now.
//!
//! The network task keeps the per-partner log in memory ([`SyncLog`]: since this node
//! started); the counts of waiting changes come from the engine's sync states (see
//! `engine/syncstatus.rs`), in one job for the whole report.

use super::answers::{DocPartner, DocStatus, NetAnswer, PartnerStatus, SyncPanel};
use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant, SystemTime},
};

use libp2p::PeerId;
use twinmesh_protocol::{ids::DocId, keys::PublicKey};

use super::{presence::present_json, task::NetTask};
use crate::{engine::Engine, error::NodeError, event::NodeEvent, identity::key_of_peer};

/// Sync rounds with one partner within this interval after a `peers` event raise no other
/// (a large sync is hundreds of rounds; the panel re-reads once per event).
const ROUND_EVENT_INTERVAL: Duration = Duration::from_millis(500);

/// What this node saw of one partner since it started.
#[derive(Debug, Clone, Default)]
pub(super) struct Link {
    /// Connected since, or disconnected since (with `online` false).
    since: Option<SystemTime>,
    online: bool,
    /// When a sync round with it last completed (either side asking).
    last_sync: Option<SystemTime>,
    /// Changes received from it over the current connection.
    received: u64,
    /// Changes received from it since this node started.
    received_total: u64,
    /// When a round last raised a `peers` event.
    last_event: Option<Instant>,
}

/// Most partners [`SyncLog`] remembers; past it, those offline are forgotten (nodes that are
/// no partner connect too, and must not grow it without bound).
const MAX_LINKS: usize = 1024;

/// Per partner: connections, rounds and changes received (in memory, since start).
#[derive(Debug, Default)]
pub(super) struct SyncLog {
    links: HashMap<PeerId, Link>,
}

impl SyncLog {
    /// `peer` connected (its first connection).
    pub(super) fn connected(&mut self, peer: PeerId) {
        if self.links.len() >= MAX_LINKS {
            self.links.retain(|_, l| l.online);
        }
        let l = self.links.entry(peer).or_default();
        l.online = true;
        l.since = Some(SystemTime::now());
        l.received = 0;
    }

    /// `peer` disconnected (its last connection).
    pub(super) fn disconnected(&mut self, peer: PeerId) {
        let l = self.links.entry(peer).or_default();
        l.online = false;
        l.since = Some(SystemTime::now());
    }

    /// A sync round with `peer` completed, `applied` changes of it new here; true if a
    /// `peers` event is due (at most one per [`ROUND_EVENT_INTERVAL`] per partner).
    pub(super) fn round(&mut self, peer: PeerId, applied: usize) -> bool {
        let now = Instant::now();
        let l = self.links.entry(peer).or_default();
        l.last_sync = Some(SystemTime::now());
        l.received = l.received.saturating_add(applied as u64);
        l.received_total = l.received_total.saturating_add(applied as u64);
        let due = applied > 0 || l.last_event.is_none_or(|t| now.duration_since(t) >= ROUND_EVENT_INTERVAL);
        if due {
            l.last_event = Some(now);
        }
        due
    }

    fn get(&self, peer: &PeerId) -> Link {
        self.links.get(peer).cloned().unwrap_or_default()
    }
}

/// What the network task knows of one partner, for the report's engine job.
pub(super) struct LinkView {
    link: Link,
    online: bool,
    syncing: usize,
}

fn rfc3339(t: Option<SystemTime>) -> Option<String> {
    // With milliseconds: two rounds a second apart must not read as the same time.
    let ms = t?.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let at = chrono::DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(i64::MAX));
    at.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// The report, built on the engine thread from the network task's view of the partners.
pub(super) fn report(
    e: &mut Engine,
    links: HashMap<[u8; 32], LinkView>,
    present: Vec<(DocId, PublicKey, Vec<String>)>,
) -> Result<SyncPanel, NodeError> {
    let me = e.me().key;
    let spaces = e.spaces()?;
    // The partners: every town that is a member of a space with this one (a node connected
    // that shares nothing is not a partner: `twin peers` lists it).
    let mut towns: Vec<PublicKey> = Vec::new();
    let mut seen: HashSet<[u8; 32]> = HashSet::new();
    for s in &spaces {
        let m = e.membership(&s.id)?;
        for k in m.members.keys() {
            if *k != me.to_bytes()
                && let Ok(key) = PublicKey::from_bytes(k)
                && m.can_read(&key)
                && seen.insert(*k)
            {
                towns.push(key);
            }
        }
    }
    let names = e.known_municipalities()?;
    let name_of = |k: &PublicKey| names.get(&k.to_bytes()).map(|m| (m.name.clone(), m.country.clone()));
    let mut partners = Vec::new();
    let mut per_doc: HashMap<DocId, Vec<DocPartner>> = HashMap::new();
    let docs = e.docs(None)?;
    for key in &towns {
        let view = links.get(&key.to_bytes());
        let online = view.is_some_and(|v| v.online);
        let record = e.peer(key)?;
        let (mut waiting, mut unknown, mut shared) = (0usize, 0usize, Vec::new());
        for d in &docs {
            if !e.is_member(&d.meta.space, key)? || !e.is_member(&d.meta.space, &me)? {
                continue;
            }
            let w = e.waiting_for(key, &d.id)?;
            match w {
                Some(n) => waiting += n,
                None => unknown += 1,
            }
            shared.push(d.id);
            per_doc.entry(d.id).or_default().push(DocPartner {
                id: crate::identity::peer_id(key).to_string(),
                town: name_of(key).map(|n| n.0),
                online,
                waiting: w,
            });
        }
        let link = view.map(|v| v.link.clone()).unwrap_or_default();
        // Offline since: this run's disconnection, else when it was last connected.
        let since = match (link.since, online) {
            (Some(t), _) => rfc3339(Some(t)),
            (None, false) => record.as_ref().and_then(|r| r.last_seen).map(|t| t.to_rfc3339()),
            (None, true) => None,
        };
        let (town, country) = name_of(key).unzip();
        partners.push(PartnerStatus {
            id: crate::identity::peer_id(key).to_string(),
            town,
            country: country.filter(|c| !c.is_empty()),
            online,
            since,
            last_synced: rfc3339(link.last_sync),
            received: link.received,
            received_total: link.received_total,
            syncing: view.map_or(0, |v| v.syncing),
            documents: shared.len(),
            waiting: (shared.len() > unknown).then_some(waiting),
            never_synced: unknown,
        });
    }
    let present = present_json(e, &present)?;
    let mut out_docs = Vec::new();
    for d in &docs {
        let partners = per_doc.remove(&d.id).unwrap_or_default();
        let not_yet_at =
            partners.iter().filter(|p| p.online && p.waiting.is_some_and(|n| n > 0)).cloned().collect();
        let present_here = present.iter().filter(|p| p.doc == d.id).cloned().collect();
        out_docs.push(DocStatus {
            doc: d.id,
            title: d.meta.title.clone(),
            space: d.meta.space,
            conflicts: e.conflict_count(&d.id)?,
            not_yet_at,
            partners,
            present: present_here,
        });
    }
    Ok(SyncPanel { partners, docs: out_docs })
}

impl NetTask {
    /// Answers the sync panel's report (one engine job).
    pub(super) fn sync_status(&mut self, reply: tokio::sync::oneshot::Sender<Result<NetAnswer, NodeError>>) {
        let mut links = HashMap::new();
        let mut peers: HashSet<PeerId> = self.peers.ids().into_iter().collect();
        peers.extend(self.sync_log.links.keys().copied());
        for peer in peers {
            let Some(key) = key_of_peer(&peer) else { continue };
            links.insert(
                key.to_bytes(),
                LinkView {
                    link: self.sync_log.get(&peer),
                    online: self.peers.is_connected(&peer),
                    syncing: self.sessions.table().peer_sessions(&peer),
                },
            );
        }
        let present = self.presence.present(None);
        self.job(super::work::Work::SyncPanel { links, present, reply });
    }

    /// A sync round with `peer` completed (`applied` changes new here): noted for the panel.
    pub(super) fn note_round(&mut self, peer: PeerId, applied: usize) {
        if self.sync_log.round(peer, applied) {
            let _ = self.events.send(NodeEvent::Peers);
        }
    }
}
