//! Progress of long engine work: bundle export and import, document export and import (signed
//! and plain Automerge). Each of these takes a callback `progress: &mut dyn FnMut(done, total)`
//! in its `*_with` form (what the CLI drives its progress bar from); the plain form reports to
//! the engine's [`ProgressSink`], if one is set (a running node sets one that sends
//! [`crate::event::NodeEvent::Progress`] on its event stream), at most once per whole percent.
//!
//! What is counted is real work, never a timer:
//! - a bundle export: the bytes of the changes and attachments it writes (the changes are
//!   counted once every document's changes are gathered, then each attachment as it is read);
//! - a bundle import: the bytes of its changes and attachments, twice: once when checked
//!   (signatures, authors, hashes), once when applied or kept;
//! - a signed document export: the document's changes, once when their signatures are
//!   gathered and once when the document is saved;
//! - a document import, signed or plain: the file's changes, once loaded, once verified (or,
//!   for a plain file, read through the schema) and once stored.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use twinmesh_protocol::ids::{DocId, SpaceId};

use super::Engine;

/// What long work a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Work {
    /// Writing a bundle (`twin bundle export`).
    BundleExport,
    /// Reading, checking and applying a bundle (`twin bundle import`).
    BundleImport,
    /// Writing a signed or plain Automerge document file (`twin doc export`).
    DocExport,
    /// Reading, checking and storing a document file (`twin doc import`, signed or plain).
    DocImport,
}

/// One progress report: `done` of `total` units of `work` (bytes for bundles, changes for
/// documents; see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The work.
    pub work: Work,
    /// Its space, where known before the work starts (a bundle export).
    pub space: Option<SpaceId>,
    /// Its document, where known before the work starts (a document export).
    pub doc: Option<DocId>,
    /// Units done.
    pub done: u64,
    /// Units in all.
    pub total: u64,
}

/// Where the engine reports progress of work started without a callback of its own.
pub type ProgressSink = Arc<dyn Fn(&Step) + Send + Sync>;

/// Passes a report on only when it reaches a new whole percent (and always the first and the
/// last): at most 101 reports for one piece of work, however fine-grained the callbacks.
#[derive(Debug, Default, Clone)]
pub struct PercentGate {
    last: Option<(u64, u64)>,
}

impl PercentGate {
    /// True if `done` of `total` should be reported.
    pub fn pass(&mut self, done: u64, total: u64) -> bool {
        let done = done.min(total);
        let pct = done.saturating_mul(100).checked_div(total).unwrap_or(100);
        let new = match self.last {
            Some((t, p)) => t != total || pct > p,
            None => true,
        };
        if new {
            self.last = Some((total, pct));
        }
        new
    }
}

/// Reports one piece of work to a sink, gated per whole percent.
pub(crate) struct Reporter {
    sink: Option<ProgressSink>,
    work: Work,
    space: Option<SpaceId>,
    doc: Option<DocId>,
    gate: PercentGate,
}

impl Reporter {
    /// Reports `done` of `total`, if it is a new whole percent.
    pub(crate) fn report(&mut self, done: u64, total: u64) {
        let Some(sink) = &self.sink else { return };
        if self.gate.pass(done, total) {
            sink(&Step { work: self.work, space: self.space, doc: self.doc, done: done.min(total), total });
        }
    }
}

impl Engine {
    /// Sets (or with `None` removes) where work started without a callback reports progress.
    pub fn set_progress_sink(&mut self, sink: Option<ProgressSink>) {
        self.progress = sink;
    }

    /// A reporter of `work` to this engine's sink.
    pub(crate) fn reporter(&self, work: Work, space: Option<SpaceId>, doc: Option<DocId>) -> Reporter {
        Reporter { sink: self.progress.clone(), work, space, doc, gate: PercentGate::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_passes_each_whole_percent_once_and_the_first_and_last_report() {
        let mut g = PercentGate::default();
        let passed: Vec<u64> = (0..=10_000u64).filter(|&d| g.pass(d, 10_000)).collect();
        assert_eq!(passed.len(), 101, "0 %, 1 %, ..., 100 %");
        assert_eq!(passed.first(), Some(&0));
        assert_eq!(passed.last(), Some(&10_000));
        // A finished report is not repeated; nothing to do is reported once, as done.
        assert!(!g.pass(10_000, 10_000));
        let mut g = PercentGate::default();
        assert!(g.pass(0, 0));
        assert!(!g.pass(0, 0));
        // A new total starts over.
        let mut g = PercentGate::default();
        assert!(g.pass(5, 10));
        assert!(g.pass(5, 20));
    }
}
