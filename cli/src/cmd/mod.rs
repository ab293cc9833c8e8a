//! One module per subcommand.

pub(crate) mod attach;
pub(crate) mod bundle;
pub(crate) mod doc;
pub(crate) mod init;
pub(crate) mod net;
pub(crate) mod space;
pub(crate) mod start;
pub(crate) mod version;

use crate::{Ctx, client::Client};
use twinmesh_node::t;

/// Reaches this node: directly, or through the running node.
pub(crate) fn connect(ctx: &Ctx) -> anyhow::Result<Client> {
    Client::connect(ctx)
}

/// Warns on standard error if other users may read or enter the data dir. The files Twinmesh
/// writes in it are owner-only anyway; the warning is about the directory itself.
pub(crate) fn warn_if_data_dir_open(ctx: &Ctx) {
    if let Some(mode) = ctx.data_dir.open_to_others() {
        let dir = ctx.data_dir.root().display().to_string();
        eprintln!("{}", t!(ctx.lang, "cli-data-dir-open", dir = dir, mode = format!("{mode:o}")));
    }
}
