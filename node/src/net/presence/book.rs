//! The presence book: which of this node's editor tabs have which document open, and what
//! partners told, with the expiry, the per-partner limits and the rate limit. Pure: the caller
//! passes the time in.

use std::{
    collections::{HashMap, HashSet},
    time::Instant,
};

use libp2p::PeerId;
use twinmesh_protocol::{
    ids::DocId,
    keys::PublicKey,
    presence::{PRESENCE_HEARTBEAT, PRESENCE_TTL, Presence},
};

use super::{MAX_LOCAL_TABS_PER_DOC, MAX_PRESENCE_DOCS_PER_PEER, MAX_PRESENCE_PER_HEARTBEAT};
use crate::identity::key_of_peer;

/// One editor tab's presence in a document, from the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The tab (a random id the editor picks), so two tabs of one officer count apart.
    pub tab: String,
    /// The officer's name.
    pub officer: String,
    /// True while the tab has the document open; false when it closes it.
    pub open: bool,
}

/// Who has which document open: this node's editor tabs and what partners told. Pure: the
/// caller passes the time in.
#[derive(Debug, Default)]
pub(in crate::net) struct PresenceBook {
    /// Per document, per tab: the officer and when the tab last said it has it open.
    local: HashMap<DocId, HashMap<String, (String, Instant)>>,
    /// Per (document, partner): its officers there and when it last said so.
    remote: HashMap<(DocId, PeerId), (Vec<String>, Instant)>,
    /// Per partner: when its current rate window began, and the messages in it.
    rate: HashMap<PeerId, (Instant, u32)>,
}

impl PresenceBook {
    /// This node's officers with `doc` open, sorted, each once.
    pub(in crate::net) fn local_officers(&self, doc: &DocId) -> Vec<String> {
        let mut out: Vec<String> = self
            .local
            .get(doc)
            .map(|tabs| tabs.values().map(|(o, _)| o.clone()).collect())
            .unwrap_or_default();
        out.sort();
        out.dedup();
        out.truncate(twinmesh_protocol::presence::MAX_PRESENCE_OFFICERS);
        out
    }

    /// A tab opened, kept open or closed `doc`; true if this node's officers there changed.
    pub(in crate::net) fn set_local(&mut self, doc: DocId, viewer: Viewer, now: Instant) -> bool {
        let before = self.local_officers(&doc);
        let tabs = self.local.entry(doc).or_default();
        if viewer.open {
            if tabs.len() < MAX_LOCAL_TABS_PER_DOC || tabs.contains_key(&viewer.tab) {
                tabs.insert(viewer.tab, (viewer.officer, now));
            }
        } else {
            tabs.remove(&viewer.tab);
        }
        if tabs.is_empty() {
            self.local.remove(&doc);
        }
        self.local_officers(&doc) != before
    }

    /// Documents this node's officers have open.
    pub(in crate::net) fn open_docs(&self) -> Vec<DocId> {
        self.local.keys().copied().collect()
    }

    /// Forgets what is older than [`PRESENCE_TTL`]: tabs that stopped saying they are open (a
    /// browser that crashed), and partners' presence not repeated. Returns the documents whose
    /// local officers changed and those whose partners' presence changed.
    pub(in crate::net) fn expire(&mut self, now: Instant) -> (Vec<DocId>, Vec<DocId>) {
        let fresh = |at: &Instant| now.saturating_duration_since(*at) < PRESENCE_TTL;
        let mut local_changed = Vec::new();
        self.local.retain(|doc, tabs| {
            let n = tabs.len();
            tabs.retain(|_, (_, at)| fresh(at));
            if tabs.len() != n {
                local_changed.push(*doc);
            }
            !tabs.is_empty()
        });
        let mut remote_changed = HashSet::new();
        self.remote.retain(|(doc, _), (_, at)| {
            let keep = fresh(at);
            if !keep {
                remote_changed.insert(*doc);
            }
            keep
        });
        self.rate.retain(|_, (start, _)| now.saturating_duration_since(*start) < PRESENCE_HEARTBEAT);
        (local_changed, remote_changed.into_iter().collect())
    }

    /// Counts a message from `peer`: false if it is over [`MAX_PRESENCE_PER_HEARTBEAT`] in
    /// the current window (the message is dropped).
    pub(in crate::net) fn admit(&mut self, peer: PeerId, now: Instant) -> bool {
        let (start, n) = self.rate.entry(peer).or_insert((now, 0));
        if now.saturating_duration_since(*start) >= PRESENCE_HEARTBEAT {
            *start = now;
            *n = 0;
        }
        *n = n.saturating_add(1);
        *n <= MAX_PRESENCE_PER_HEARTBEAT
    }

    /// Takes in what `peer` (a member, checked) told about `msg.doc`; true if what this node
    /// shows changed. A partner past [`MAX_PRESENCE_DOCS_PER_PEER`] documents is not followed
    /// into more.
    pub(in crate::net) fn heard(&mut self, peer: PeerId, msg: Presence, now: Instant) -> bool {
        let key = (msg.doc, peer);
        if msg.officers.is_empty() {
            return self.remote.remove(&key).is_some();
        }
        let mut officers = msg.officers;
        officers.sort();
        officers.dedup();
        match self.remote.get_mut(&key) {
            Some((old, at)) => {
                *at = now;
                let changed = *old != officers;
                *old = officers;
                changed
            }
            None => {
                if self.remote.keys().filter(|(_, p)| *p == peer).count() >= MAX_PRESENCE_DOCS_PER_PEER {
                    return false;
                }
                self.remote.insert(key, (officers, now));
                true
            }
        }
    }

    /// Whether `peer` is present in `doc` now.
    pub(in crate::net) fn is_present(&self, peer: &PeerId, doc: &DocId) -> bool {
        self.remote.contains_key(&(*doc, *peer))
    }

    /// `peer` disconnected: forgets its presence; returns the documents that changed.
    pub(in crate::net) fn drop_peer(&mut self, peer: &PeerId) -> Vec<DocId> {
        let mut out = Vec::new();
        self.remote.retain(|(doc, p), _| {
            let keep = p != peer;
            if !keep {
                out.push(*doc);
            }
            keep
        });
        self.rate.remove(peer);
        out
    }

    /// The partners present in `doc` (or in every document) with their officers.
    pub(in crate::net) fn present(&self, doc: Option<&DocId>) -> Vec<(DocId, PublicKey, Vec<String>)> {
        let mut out: Vec<(DocId, PublicKey, Vec<String>)> = self
            .remote
            .iter()
            .filter(|((d, _), _)| doc.is_none_or(|x| x == d))
            .filter_map(|((d, p), (officers, _))| Some((*d, key_of_peer(p)?, officers.clone())))
            .collect();
        out.sort_by(|a, b| (a.0, a.1.to_bytes(), &a.2).cmp(&(b.0, b.1.to_bytes(), &b.2)));
        out
    }
}
