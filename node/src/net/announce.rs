//! How often a document's new heads are announced to the partners (gossipsub).
//!
//! Every partner checks the signature of every copy of an announcement gossipsub brings it
//! (before its duplicate check), and a node announces on each edit and on each round that
//! brought it changes: with ten busy towns that was most of the nodes' CPU time and made edits
//! slow (twinbench `converge`, 2.9 s). So a document is announced at once only
//! [`ANNOUNCE_BURST`] times per [`ANNOUNCE_WINDOW`]; past that, once more at the window's end
//! (with the heads it has then) if it changed meanwhile.
//!
//! A change that waits for the window's end would keep live editing from being live: an
//! officer's edits usually reach a partner inside the sync session the previous edit started,
//! but one made just after that session ended waited for the window (live edits' p99 went from
//! 5 ms to 250 ms in session 12). So for this town's own edits, the partners that synced the
//! document with this node in the last [`RECENT_SYNC`] (those following it live) get a session
//! at once instead, which costs no gossip signature checks; the announcement at the window's
//! end still reaches the others.

use std::{
    collections::HashMap,
    hash::Hash,
    time::{Duration, Instant},
};

use twinmesh_protocol::ids::DocId;

/// The length of a document's announcement window.
pub(super) const ANNOUNCE_WINDOW: Duration = Duration::from_millis(250);

/// Announcements of one document sent at once within a window; the rest wait for its end.
pub(super) const ANNOUNCE_BURST: u8 = 3;

/// How long a partner that synced a document with this node counts as following it live.
pub(super) const RECENT_SYNC: Duration = Duration::from_secs(2);

/// Partners remembered per document as following it live (the most recent ones).
const MAX_FOLLOWERS: usize = 16;

/// Documents with live followers remembered; past this, those whose followers all went quiet
/// are forgotten.
const MAX_FOLLOWED_DOCS: usize = 1024;

/// When to announce a document that changed.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum When {
    /// Announce it now; `window_opens`: start the window's timer (and call
    /// [`Announcements::window_ended`] when it fires).
    Now { window_opens: bool },
    /// Its window's burst is spent: it is announced at the window's end.
    Later,
}

/// One document's window: announcements sent in it, and whether it changed since the last.
#[derive(Debug, Default)]
struct Window {
    sent: u8,
    again: bool,
}

/// The documents announced within the last window, and who follows which document live. `P`
/// names a partner.
#[derive(Debug)]
pub(super) struct Announcements<P> {
    windows: HashMap<DocId, Window>,
    /// Per document, partners that synced it with this node, and when they last did.
    followers: HashMap<DocId, Vec<(P, Instant)>>,
}

impl<P> Default for Announcements<P> {
    fn default() -> Self {
        Self { windows: HashMap::new(), followers: HashMap::new() }
    }
}

impl<P: Copy + Eq + Hash> Announcements<P> {
    /// `peer` synced `doc` with this node (a round taken in, either side's session).
    pub(super) fn synced(&mut self, peer: P, doc: DocId, now: Instant) {
        if self.followers.len() >= MAX_FOLLOWED_DOCS && !self.followers.contains_key(&doc) {
            self.followers.retain(|_, f| f.iter().any(|(_, at)| now.duration_since(*at) < RECENT_SYNC));
        }
        let f = self.followers.entry(doc).or_default();
        f.retain(|(p, _)| *p != peer);
        if f.len() >= MAX_FOLLOWERS {
            f.remove(0);
        }
        f.push((peer, now));
    }

    /// The partners that synced `doc` with this node within [`RECENT_SYNC`].
    pub(super) fn followers(&mut self, doc: DocId, now: Instant) -> Vec<P> {
        let Some(f) = self.followers.get_mut(&doc) else { return Vec::new() };
        f.retain(|(_, at)| now.duration_since(*at) < RECENT_SYNC);
        let out = f.iter().map(|(p, _)| *p).collect();
        if f.is_empty() {
            self.followers.remove(&doc);
        }
        out
    }

    /// `doc` changed here (an edit, or a round that brought changes).
    pub(super) fn changed(&mut self, doc: DocId) -> When {
        match self.windows.get_mut(&doc) {
            None => {
                self.windows.insert(doc, Window { sent: 1, again: false });
                When::Now { window_opens: true }
            }
            Some(w) if w.sent < ANNOUNCE_BURST => {
                w.sent += 1;
                w.again = false;
                When::Now { window_opens: false }
            }
            Some(w) => {
                w.again = true;
                When::Later
            }
        }
    }

    /// `doc`'s window ended: whether it changed since its last announcement (then announce it
    /// now, through [`Self::changed`], which opens a new window).
    pub(super) fn window_ended(&mut self, doc: DocId) -> bool {
        self.windows.remove(&doc).is_some_and(|w| w.again)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_out_at_once_and_the_rest_at_the_windows_end() {
        let doc = DocId::from_bytes([1; 16]);
        let mut a = Announcements::<u8>::default();
        assert_eq!(a.changed(doc), When::Now { window_opens: true });
        for _ in 1..ANNOUNCE_BURST {
            assert_eq!(a.changed(doc), When::Now { window_opens: false });
        }
        assert_eq!(a.changed(doc), When::Later);
        assert_eq!(a.changed(doc), When::Later);
        assert!(a.window_ended(doc), "changed since: announce at the window's end");
        assert_eq!(a.changed(doc), When::Now { window_opens: true }, "a new window");
        assert!(!a.window_ended(doc), "nothing new since the last announcement");
        assert_eq!(a.changed(doc), When::Now { window_opens: true });
    }

    #[test]
    fn documents_have_windows_of_their_own() {
        let (d1, d2) = (DocId::from_bytes([1; 16]), DocId::from_bytes([2; 16]));
        let mut a = Announcements::<u8>::default();
        for _ in 0..ANNOUNCE_BURST {
            a.changed(d1);
        }
        assert_eq!(a.changed(d1), When::Later);
        assert_eq!(a.changed(d2), When::Now { window_opens: true });
    }

    #[test]
    fn followers_are_the_partners_that_synced_the_document_lately() {
        let (d1, d2) = (DocId::from_bytes([1; 16]), DocId::from_bytes([2; 16]));
        let now = Instant::now();
        let mut a = Announcements::<u8>::default();
        a.synced(7, d1, now);
        a.synced(8, d1, now + Duration::from_millis(500));
        a.synced(7, d1, now + Duration::from_millis(600));
        assert_eq!(a.followers(d1, now + Duration::from_millis(700)), vec![8, 7], "each once");
        assert!(a.followers(d2, now).is_empty());
        let later = now + Duration::from_millis(500) + RECENT_SYNC;
        assert_eq!(a.followers(d1, later), vec![7], "8 went quiet");
        assert!(a.followers(d1, later + RECENT_SYNC).is_empty());
        for p in 0..=MAX_FOLLOWERS as u8 {
            a.synced(p, d2, now);
        }
        assert_eq!(a.followers(d2, now).len(), MAX_FOLLOWERS, "the most recent ones");
    }
}
