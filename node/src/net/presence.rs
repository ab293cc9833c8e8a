//! Presence: which officers of which partner towns have a document open right now.
//!
//! An editor tells its node every [`PRESENCE_HEARTBEAT`] that its officer has a document open
//! (`POST /api/v1/docs/{id}/presence`), and once more when it closes it. The node tells the
//! connected members of the document's space on [`PRESENCE_PROTOCOL`], at once when the list
//! of its officers in the document changes and again every heartbeat while it is not empty;
//! a receiver keeps what it heard for [`PRESENCE_TTL`], and forgets a partner's presence at
//! once when it disconnects. Nothing of it is stored. A message from a town that is not a
//! member, about a document not held here, over [`MAX_PRESENCE_BYTES`] or past the rate limit
//! is dropped. Old nodes do not speak the protocol: nothing is sent to them.

use std::{
    collections::{HashMap, HashSet},
    io,
    time::Instant,
};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::{PeerId, StreamProtocol, request_response};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use twinmesh_protocol::{
    ids::DocId,
    keys::PublicKey,
    presence::{MAX_PRESENCE_BYTES, PRESENCE_HEARTBEAT, PRESENCE_TTL, Presence},
};

pub use twinmesh_protocol::presence::PRESENCE_PROTOCOL;

use super::{jobs::Done, task::NetTask};
use crate::{error::NodeError, event::NodeEvent, identity::key_of_peer};

/// Most presence messages taken from one partner per [`PRESENCE_HEARTBEAT`]: one per open
/// document per heartbeat, plus the opens and closes in between, with room to spare.
pub const MAX_PRESENCE_PER_HEARTBEAT: u32 = 40;

/// Most documents one partner can be present in at once, as this node keeps it.
pub const MAX_PRESENCE_DOCS_PER_PEER: usize = 64;

/// Most editor tabs this node keeps as having one document open (a script that opens tabs in
/// a loop cannot grow the table).
const MAX_LOCAL_TABS_PER_DOC: usize = 32;

/// The byte that acknowledges a presence message (a stream closed without it is a failure).
const ACK: u8 = 1;

/// The presence protocol's codec: one message each way, the request a [`Presence`] of at most
/// [`MAX_PRESENCE_BYTES`] (read no further), the answer one byte, `ACK`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PresenceCodec;

impl request_response::Codec for PresenceCodec {
    type Protocol = StreamProtocol;
    type Request = Presence;
    type Response = ();

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Presence> {
        let mut buf = Vec::new();
        io.take(MAX_PRESENCE_BYTES as u64 + 1).read_to_end(&mut buf).await?;
        Presence::decode(&buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<()> {
        let mut buf = Vec::new();
        io.take(16).read_to_end(&mut buf).await?;
        if buf != [ACK] {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "no presence acknowledgement"));
        }
        Ok(())
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Presence,
    ) -> io::Result<()> {
        io.write_all(&req.encode()).await?;
        io.close().await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        (): (),
    ) -> io::Result<()> {
        io.write_all(&[ACK]).await?;
        io.close().await
    }
}

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
pub(super) struct PresenceBook {
    /// Per document, per tab: the officer and when the tab last said it has it open.
    local: HashMap<DocId, HashMap<String, (String, Instant)>>,
    /// Per (document, partner): its officers there and when it last said so.
    remote: HashMap<(DocId, PeerId), (Vec<String>, Instant)>,
    /// Per partner: when its current rate window began, and the messages in it.
    rate: HashMap<PeerId, (Instant, u32)>,
}

impl PresenceBook {
    /// This node's officers with `doc` open, sorted, each once.
    pub(super) fn local_officers(&self, doc: &DocId) -> Vec<String> {
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
    pub(super) fn set_local(&mut self, doc: DocId, viewer: Viewer, now: Instant) -> bool {
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
    pub(super) fn open_docs(&self) -> Vec<DocId> {
        self.local.keys().copied().collect()
    }

    /// Forgets what is older than [`PRESENCE_TTL`]: tabs that stopped saying they are open (a
    /// browser that crashed), and partners' presence not repeated. Returns the documents whose
    /// local officers changed and those whose partners' presence changed.
    pub(super) fn expire(&mut self, now: Instant) -> (Vec<DocId>, Vec<DocId>) {
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
    pub(super) fn admit(&mut self, peer: PeerId, now: Instant) -> bool {
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
    pub(super) fn heard(&mut self, peer: PeerId, msg: Presence, now: Instant) -> bool {
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
    pub(super) fn is_present(&self, peer: &PeerId, doc: &DocId) -> bool {
        self.remote.contains_key(&(*doc, *peer))
    }

    /// `peer` disconnected: forgets its presence; returns the documents that changed.
    pub(super) fn drop_peer(&mut self, peer: &PeerId) -> Vec<DocId> {
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
    pub(super) fn present(&self, doc: Option<&DocId>) -> Vec<(DocId, PublicKey, Vec<String>)> {
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

/// Presence as the API shows it: per partner town present, its name, country and officers.
pub(super) fn present_json(
    e: &crate::engine::Engine,
    present: &[(DocId, PublicKey, Vec<String>)],
) -> Result<Vec<Value>, NodeError> {
    let mut out = Vec::new();
    for (doc, key, officers) in present {
        let profile = e.peer(key)?.and_then(|r| r.profile);
        out.push(json!({
            "doc": doc,
            "id": crate::identity::peer_id(key).to_string(),
            "town": profile.as_ref().map(|p| p.name.clone()),
            "country": profile.as_ref().map(|p| p.country.clone()),
            "officers": officers,
        }));
    }
    Ok(out)
}

/// What the loop does after a presence job.
pub(super) enum PresenceDone {
    /// The members to tell this node's presence in `doc` (all connected ones, or `only`).
    Targets { doc: DocId, only: Option<PeerId>, targets: Result<Vec<PublicKey>, NodeError> },
    /// A partner's message, and whether it may tell it.
    Heard { peer: PeerId, msg: Presence, allowed: Result<bool, NodeError> },
}

impl NetTask {
    /// `GET`/`POST /api/v1/docs/{doc}/presence`: records the tab's presence, if given, tells
    /// the partners when this node's officers in the document changed, and answers who of
    /// the partners has it open.
    pub(super) fn presence_request(
        &mut self,
        doc: DocId,
        viewer: Option<Viewer>,
        reply: oneshot::Sender<Result<Value, NodeError>>,
    ) {
        if let Some(v) = viewer
            && self.presence.set_local(doc, v, Instant::now())
        {
            self.tell_presence(doc, None);
        }
        let present = self.presence.present(Some(&doc));
        self.job(
            move |e| {
                e.doc_meta(&doc)?;
                present_json(e, &present)
            },
            move |r| Done::Reply {
                reply,
                result: r.and_then(|x| x).map(|list| json!({ "doc": doc, "present": list })),
            },
        );
    }

    /// Tells the connected members of `doc`'s space (or only `only`) which of this node's
    /// officers have it open (one job finds the members).
    fn tell_presence(&mut self, doc: DocId, only: Option<PeerId>) {
        self.job(
            move |e| e.presence_targets(&doc),
            move |targets| {
                Done::Presence(PresenceDone::Targets { doc, only, targets: targets.and_then(|t| t) })
            },
        );
    }

    /// Every [`PRESENCE_HEARTBEAT`]: forgets stale presence, and repeats this node's.
    pub(super) fn presence_tick(&mut self) {
        let (local_changed, remote_changed) = self.presence.expire(Instant::now());
        for doc in remote_changed {
            let _ = self.events.send(NodeEvent::Presence { doc });
        }
        let mut docs: HashSet<DocId> = self.presence.open_docs().into_iter().collect();
        docs.extend(local_changed);
        for doc in docs {
            self.tell_presence(doc, None);
        }
    }

    /// `peer` connected: it hears this node's presence now rather than at the next heartbeat.
    pub(super) fn presence_peer_connected(&mut self, peer: PeerId) {
        for doc in self.presence.open_docs() {
            self.tell_presence(doc, Some(peer));
        }
    }

    /// `peer` disconnected: its presence ends now.
    pub(super) fn presence_peer_gone(&mut self, peer: &PeerId) {
        for doc in self.presence.drop_peer(peer) {
            let _ = self.events.send(NodeEvent::Presence { doc });
        }
    }

    /// An event of the presence protocol.
    pub(super) fn on_presence_event(&mut self, ev: request_response::Event<Presence, ()>) {
        match ev {
            request_response::Event::Message {
                peer,
                message: request_response::Message::Request { request, channel, .. },
                ..
            } => {
                let _ = self.swarm.behaviour_mut().presence.send_response(channel, ());
                if !self.presence.admit(peer, Instant::now()) {
                    tracing::debug!(%peer, "presence over the rate limit; dropped");
                    return;
                }
                let Some(key) = key_of_peer(&peer) else { return };
                let doc = request.doc;
                self.job(
                    move |e| e.presence_allowed(&key, &doc).map(|s| s.is_some()),
                    move |allowed| {
                        Done::Presence(PresenceDone::Heard {
                            peer,
                            msg: request,
                            allowed: allowed.and_then(|a| a),
                        })
                    },
                );
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                // An oversized or undecodable message is refused by the codec, unread.
                tracing::debug!(%peer, %error, "presence message refused");
            }
            request_response::Event::OutboundFailure { peer, error, .. } => {
                // An older node does not speak presence: nothing to tell it.
                tracing::trace!(%peer, %error, "presence not delivered");
            }
            _ => {}
        }
    }

    /// Acts on a finished presence job.
    pub(super) fn on_presence_done(&mut self, done: PresenceDone) {
        match done {
            PresenceDone::Targets { doc, only, targets } => {
                let Ok(targets) = targets else { return };
                let officers = self.presence.local_officers(&doc);
                for key in targets {
                    let peer = crate::identity::peer_id(&key);
                    if only.is_some_and(|o| o != peer) || !self.peers.is_connected(&peer) {
                        continue;
                    }
                    let msg = Presence { doc, officers: officers.clone() };
                    let _ = self.swarm.behaviour_mut().presence.send_request(&peer, msg);
                }
            }
            PresenceDone::Heard { peer, msg, allowed } => {
                match allowed {
                    Ok(true) if self.peers.is_connected(&peer) => {}
                    Ok(_) => {
                        tracing::debug!(%peer, doc = %msg.doc, "presence from a non-member or about an unknown document; ignored");
                        return;
                    }
                    Err(e) => {
                        tracing::debug!(%peer, error = %e, "presence not checked");
                        return;
                    }
                }
                let doc = msg.doc;
                let arrived = !msg.officers.is_empty() && !self.presence.is_present(&peer, &doc);
                if self.presence.heard(peer, msg, Instant::now()) {
                    let _ = self.events.send(NodeEvent::Presence { doc });
                }
                // A partner just opened a document this node's officers have open: tell it now
                // rather than at the next heartbeat.
                if arrived && !self.presence.local_officers(&doc).is_empty() {
                    let officers = self.presence.local_officers(&doc);
                    let _ =
                        self.swarm.behaviour_mut().presence.send_request(&peer, Presence { doc, officers });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn doc(n: u8) -> DocId {
        DocId::from_bytes([n; 16])
    }

    fn open(tab: &str, officer: &str) -> Viewer {
        Viewer { tab: tab.into(), officer: officer.into(), open: true }
    }

    #[test]
    fn local_tabs_open_close_and_expire() {
        let mut b = PresenceBook::default();
        let t0 = Instant::now();
        assert!(b.set_local(doc(1), open("t1", "Marie"), t0));
        assert!(!b.set_local(doc(1), open("t1", "Marie"), t0), "a heartbeat changes nothing");
        assert!(!b.set_local(doc(1), open("t2", "Marie"), t0), "the same officer in a second tab");
        assert!(b.set_local(doc(1), open("t3", "Jan"), t0));
        assert_eq!(b.local_officers(&doc(1)), vec!["Jan".to_string(), "Marie".to_string()]);
        assert!(b.set_local(doc(1), Viewer { open: false, ..open("t3", "Jan") }, t0));
        // t1 keeps beating, t2 goes silent: after the TTL only t1 is left, Marie still there.
        let later = t0 + PRESENCE_TTL + Duration::from_secs(1);
        assert!(!b.set_local(doc(1), open("t1", "Marie"), later));
        let (local, _) = b.expire(later);
        assert_eq!(local, vec![doc(1)]);
        assert_eq!(b.local_officers(&doc(1)), vec!["Marie".to_string()]);
        let (local, _) = b.expire(later + PRESENCE_TTL);
        assert_eq!(local, vec![doc(1)]);
        assert!(b.open_docs().is_empty());
    }

    #[test]
    fn remote_presence_expires_and_ends_with_the_connection() {
        let mut b = PresenceBook::default();
        let (p, q) = (PeerId::random(), PeerId::random());
        let t0 = Instant::now();
        assert!(b.heard(p, Presence { doc: doc(1), officers: vec!["Ana".into()] }, t0));
        assert!(!b.heard(p, Presence { doc: doc(1), officers: vec!["Ana".into()] }, t0));
        assert!(b.heard(q, Presence { doc: doc(1), officers: vec!["Jan".into()] }, t0));
        assert!(b.is_present(&p, &doc(1)));
        assert_eq!(b.drop_peer(&q), vec![doc(1)]);
        assert!(!b.is_present(&q, &doc(1)));
        let (_, remote) = b.expire(t0 + PRESENCE_TTL - Duration::from_secs(1));
        assert!(remote.is_empty());
        let (_, remote) = b.expire(t0 + PRESENCE_TTL);
        assert_eq!(remote, vec![doc(1)]);
        assert!(!b.is_present(&p, &doc(1)));
        assert!(b.heard(p, Presence { doc: doc(2), officers: vec!["Ana".into()] }, t0));
        assert!(b.heard(p, Presence { doc: doc(2), officers: vec![] }, t0), "closing ends it at once");
        assert!(!b.is_present(&p, &doc(2)));
    }

    #[test]
    fn rate_and_size_limits() {
        let mut b = PresenceBook::default();
        let p = PeerId::random();
        let t0 = Instant::now();
        for _ in 0..MAX_PRESENCE_PER_HEARTBEAT {
            assert!(b.admit(p, t0));
        }
        assert!(!b.admit(p, t0));
        assert!(b.admit(p, t0 + PRESENCE_HEARTBEAT), "a new window");
        for n in 0..MAX_PRESENCE_DOCS_PER_PEER {
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&(n as u64).to_le_bytes());
            assert!(b.heard(p, Presence { doc: DocId::from_bytes(id), officers: vec!["A".into()] }, t0));
        }
        assert!(!b.heard(p, Presence { doc: doc(0xee), officers: vec!["A".into()] }, t0));
        assert!(!b.is_present(&p, &doc(0xee)));
    }
}
