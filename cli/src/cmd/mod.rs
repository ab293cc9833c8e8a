//! One module per subcommand.

pub(crate) mod doc;
pub(crate) mod init;
pub(crate) mod space;
pub(crate) mod start;

use twinmesh_node::Engine;

use crate::Ctx;

/// Opens this node's engine directly on the store.
pub(crate) fn open(ctx: &Ctx) -> anyhow::Result<Engine> {
    Ok(Engine::open(&ctx.data_dir)?)
}
