//! `twin init` and `twin id`.

use clap::Args;
use serde_json::json;
use twinmesh_node::{Engine, identity::peer_id};

use crate::{Ctx, output};

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The municipality's name, e.g. "Poix-du-Nord".
    #[arg(long)]
    name: String,
    /// ISO 3166-1 alpha-2 country code, e.g. FR.
    #[arg(long)]
    country: String,
    /// Replace an existing identity. The old key file is kept as identity.key.replaced-<time>.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(ctx: &Ctx, a: InitArgs) -> anyhow::Result<()> {
    let engine = Engine::init(&ctx.data_dir, &a.name, &a.country, a.force)?;
    print_id(ctx, &engine)
}

pub(crate) fn id(ctx: &Ctx) -> anyhow::Result<()> {
    let engine = super::open(ctx)?;
    print_id(ctx, &engine)
}

fn print_id(ctx: &Ctx, engine: &Engine) -> anyhow::Result<()> {
    let me = engine.me();
    let pid = peer_id(&me.key);
    if ctx.json {
        output::json(&json!({
            "id": pid.to_string(),
            "name": me.name,
            "country": me.country,
            "public_key": me.key.to_string(),
            "data_dir": engine.data_dir().root(),
        }))
    } else {
        println!("{} ({})", me.name, me.country);
        println!("id:         {pid}");
        println!("public key: {}", me.key);
        println!("data dir:   {}", engine.data_dir().root().display());
        Ok(())
    }
}
