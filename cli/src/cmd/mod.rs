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

/// Reaches this node: directly, or through the running node.
pub(crate) fn connect(ctx: &Ctx) -> anyhow::Result<Client> {
    Client::connect(ctx)
}

/// Warns on standard error if other users may read or enter the data dir. The files Twinmesh
/// writes in it are owner-only anyway; the warning is about the directory itself.
pub(crate) fn warn_if_data_dir_open(ctx: &Ctx) {
    if let Some(mode) = ctx.data_dir.open_to_others() {
        let dir = ctx.data_dir.root().display();
        eprintln!(
            "warning: the data dir {dir} is open to other users (mode {mode:o}); its files are owner-only, but run `chmod 700 {dir}` to hide them"
        );
    }
}
