//! Progress bars on standard error for long transfers (`twin doc attachment get`), shown only
//! to a person: never with `--json`, never when standard error is not a terminal.

use std::io::{IsTerminal, Write};

use crate::Ctx;

/// A progress bar over `total` bytes.
pub(crate) struct Progress {
    what: &'static str,
    total: u64,
    shown: bool,
    last: Option<u64>,
    lang: twinmesh_node::i18n::Lang,
}

impl Progress {
    /// A bar labelled `what`; hidden with `--json` or when standard error is not a terminal.
    pub(crate) fn new(ctx: &Ctx, what: &'static str, total: u64) -> Self {
        let shown = !ctx.json && std::io::stderr().is_terminal() && total > 0;
        Self { what, total, shown, last: None, lang: ctx.lang }
    }

    /// Moves the bar to `done` bytes (redrawn once per whole percent).
    pub(crate) fn set(&mut self, done: u64) {
        if !self.shown {
            return;
        }
        let pct = done.min(self.total).saturating_mul(100) / self.total.max(1);
        if self.last == Some(pct) {
            return;
        }
        self.last = Some(pct);
        let width = 30usize;
        let filled = (pct as usize * width) / 100;
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\r{} [{}{}] {pct:>3} %  {} / {}   ",
            self.what,
            "#".repeat(filled),
            " ".repeat(width - filled),
            twinmesh_node::locale::bytes(self.lang, done.min(self.total)),
            twinmesh_node::locale::bytes(self.lang, self.total),
        );
        let _ = e.flush();
    }

    /// Ends the bar's line.
    pub(crate) fn finish(&mut self) {
        if self.shown && self.last.is_some() {
            let _ = writeln!(std::io::stderr());
        }
        self.shown = false;
    }
}
