//! Progress bars on standard error for long work (attaching, fetching and writing files), drawn
//! by indicatif and shown only to a person: never with `--json`, never when standard error is
//! not a terminal (indicatif hides itself then). Labels are messages in the user's language;
//! sizes are written in the user's locale.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use twinmesh_node::{i18n::Lang, locale};

use crate::Ctx;

/// What a bar is counting, named in the user's language.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Work {
    /// Copying and hashing a file into the store (`twin doc attach`).
    Attaching,
    /// Fetching an attachment from partners (`twin doc attachment get`).
    Fetching,
    /// Writing an attachment out (`twin doc attachment get --out`).
    Writing,
}

impl Work {
    fn label(self, lang: Lang) -> String {
        match self {
            Self::Attaching => twinmesh_node::t!(lang, "progress-attaching"),
            Self::Fetching => twinmesh_node::t!(lang, "progress-fetching"),
            Self::Writing => twinmesh_node::t!(lang, "progress-writing"),
        }
    }
}

/// A progress bar over `total` bytes.
pub(crate) struct Progress {
    bar: ProgressBar,
    total: u64,
    lang: Lang,
}

impl Progress {
    /// A bar for `work` over `total` bytes; hidden with `--json`, on a pipe, or for no bytes.
    pub(crate) fn new(ctx: &Ctx, work: Work, total: u64) -> Self {
        let bar = if ctx.json || total == 0 {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        };
        // The sizes go in the message, in the user's locale; indicatif draws bar and percent.
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {percent:>3} %  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("#> ");
        bar.set_style(style);
        bar.set_prefix(work.label(ctx.lang));
        let p = Self { bar, total, lang: ctx.lang };
        p.set(0);
        p
    }

    /// Moves the bar to `done` bytes.
    pub(crate) fn set(&self, done: u64) {
        let done = done.min(self.total);
        if done != self.bar.position() || done == 0 {
            self.bar.set_position(done);
            self.bar.set_message(format!(
                "{} / {}",
                locale::bytes(self.lang, done),
                locale::bytes(self.lang, self.total)
            ));
        }
    }

    /// Ends the bar, leaving its last state on screen.
    pub(crate) fn finish(&self) {
        self.bar.finish();
    }
}
