//! One module per subcommand.

pub(crate) mod bundle;
pub(crate) mod doc;
pub(crate) mod init;
pub(crate) mod net;
pub(crate) mod space;
pub(crate) mod start;

use crate::{Ctx, client::Client};

/// Reaches this node: directly, or through the running node.
pub(crate) fn connect(ctx: &Ctx) -> anyhow::Result<Client> {
    Client::connect(ctx)
}
