//! Progress bars on standard error for long work (attaching, fetching and writing files,
//! bundles, document export and import), drawn by indicatif and shown only to a person: never
//! with `--json`, never when standard error is not a terminal (indicatif hides itself then;
//! `TWIN_PROGRESS=always` draws them anyway, one line per redraw, e.g. into a log). Labels are
//! messages in the user's language; sizes are written in the user's locale.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use serde_json::Value;
use twinmesh_node::{api::Request, i18n::Lang, locale};

use crate::{Ctx, client::Client};

/// What a bar is counting, named in the user's language.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Work {
    /// Copying and hashing a file into the store (`twin doc attach`).
    Attaching,
    /// Fetching an attachment from partners (`twin doc attachment get`).
    Fetching,
    /// Writing an attachment out (`twin doc attachment get --out`).
    Writing,
    /// Writing a bundle (`twin bundle export`): bytes of changes and attachments.
    BundleExport,
    /// Checking and applying a bundle (`twin bundle import`): bytes, each counted when checked
    /// and when applied.
    BundleImport,
    /// Writing a document file (`twin doc export`): changes.
    DocExport,
    /// Loading, checking and storing a document file (`twin doc import`): changes.
    DocImport,
}

impl Work {
    fn label(self, lang: Lang) -> String {
        match self {
            Self::Attaching => twinmesh_node::t!(lang, "progress-attaching"),
            Self::Fetching => twinmesh_node::t!(lang, "progress-fetching"),
            Self::Writing => twinmesh_node::t!(lang, "progress-writing"),
            Self::BundleExport => twinmesh_node::t!(lang, "progress-bundle-export"),
            Self::BundleImport => twinmesh_node::t!(lang, "progress-bundle-import"),
            Self::DocExport => twinmesh_node::t!(lang, "progress-doc-export"),
            Self::DocImport => twinmesh_node::t!(lang, "progress-doc-import"),
        }
    }

    /// True if the bar counts bytes (shown as sizes), false for changes (shown as counts).
    fn counts_bytes(self) -> bool {
        !matches!(self, Self::DocExport | Self::DocImport)
    }
}

/// Whether bars are drawn even when standard error is not a terminal (`TWIN_PROGRESS=always`).
fn always() -> bool {
    std::env::var("TWIN_PROGRESS").is_ok_and(|v| v == "always")
}

/// Standard error, where bars are drawn (see [`always`]).
fn target() -> ProgressDrawTarget {
    if always() { ProgressDrawTarget::term_like(Box::new(LogLines)) } else { ProgressDrawTarget::stderr() }
}

/// Standard error as indicatif sees a terminal, for `TWIN_PROGRESS=always`: each redraw on a
/// line of its own, no cursor movement.
#[derive(Debug)]
struct LogLines;

impl TermLike for LogLines {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        eprintln!("{s}");
        Ok(())
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        eprint!("{s}");
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        eprintln!();
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A progress bar over `total` units (bytes, or changes for documents).
pub(crate) struct Progress {
    bar: ProgressBar,
    /// For a bar whose total the work reports: shown from the first report on (until then
    /// it would show an empty total as done).
    waiting: AtomicBool,
}

impl Progress {
    /// A bar for `work` over `total` units; hidden with `--json`, on a pipe, or for nothing to
    /// count.
    pub(crate) fn new(ctx: &Ctx, work: Work, total: u64) -> Self {
        let bar = if ctx.json || total == 0 { ProgressBar::hidden() } else { Self::visible(total) };
        let p = Self::styled(ctx, work, bar, false);
        p.set(0);
        p
    }

    /// A bar for `work` whose total the work itself reports ([`Progress::update`]); drawn from
    /// the first report on, never with `--json`.
    pub(crate) fn reported(ctx: &Ctx, work: Work) -> Self {
        Self::styled(ctx, work, ProgressBar::hidden(), !ctx.json)
    }

    fn visible(total: u64) -> ProgressBar {
        ProgressBar::with_draw_target(Some(total), target())
    }

    fn styled(ctx: &Ctx, work: Work, bar: ProgressBar, waiting: bool) -> Self {
        // Done and total as sizes in the user's locale (or as counts of changes), written when
        // the bar is drawn; indicatif draws bar and percent.
        let (lang, bytes) = (ctx.lang, work.counts_bytes());
        let amounts = move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let (done, total) = (state.pos(), state.len().unwrap_or(0));
            let _ = if bytes {
                write!(w, "{} / {}", locale::bytes(lang, done), locale::bytes(lang, total))
            } else {
                write!(w, "{done} / {total}")
            };
        };
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {percent:>3} %  {amounts}")
            .map(|s| s.with_key("amounts", amounts))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("#> ");
        bar.set_style(style);
        bar.set_prefix(work.label(ctx.lang));
        Self { bar, waiting: AtomicBool::new(waiting) }
    }

    /// Moves the bar to `done` units.
    pub(crate) fn set(&self, done: u64) {
        let done = done.min(self.bar.length().unwrap_or(0));
        if done != self.bar.position() || done == 0 {
            self.bar.set_position(done);
        }
    }

    /// Moves the bar to `done` of `total` units (the total may be learnt as the work goes).
    pub(crate) fn update(&self, done: u64, total: u64) {
        if self.bar.length() != Some(total) {
            self.bar.set_length(total);
        }
        if self.waiting.swap(false, Ordering::Relaxed) {
            self.bar.set_draw_target(target());
        }
        self.set(done);
    }

    /// Ends the bar, leaving its last state on screen.
    pub(crate) fn finish(&self) {
        self.bar.finish();
    }

    /// Ends the bar and removes it (the work failed: its error says why).
    pub(crate) fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

/// Sends `request` with a progress bar for `work`: on the store itself (no node running), the
/// engine reports its progress to the bar; through a running node, the request is sent as is.
pub(crate) fn call(ctx: &Ctx, client: &mut Client, work: Work, request: Request) -> anyhow::Result<Value> {
    let Client::Local(engine) = client else { return client.call(ctx, request) };
    let bar = Arc::new(Progress::reported(ctx, work));
    let to_bar = Arc::clone(&bar);
    engine.set_progress_sink(Some(Arc::new(move |s: &twinmesh_node::engine::Step| {
        to_bar.update(s.done, s.total)
    })));
    let answer = client.call(ctx, request);
    if let Client::Local(engine) = client {
        engine.set_progress_sink(None);
    }
    if answer.is_ok() {
        bar.finish()
    } else {
        bar.clear()
    }
    answer
}
