//! `twin init` and `twin id`.

use clap::Args;
use serde_json::json;
use twinmesh_node::{Engine, api::Request, identity::peer_id};

use crate::{Ctx, output};
use twinmesh_node::t;

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The municipality's name, e.g. "Poix-du-Nord".
    #[arg(long)]
    name: String,
    /// ISO 3166-1 alpha-2 country code, e.g. FR.
    #[arg(long)]
    country: String,
    /// Replace an existing identity. The old key file is kept as identity.key.replaced-(time in ms).
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(ctx: &Ctx, a: InitArgs) -> anyhow::Result<()> {
    let engine = Engine::init(&ctx.data_dir, &a.name, &a.country, a.force)?;
    super::warn_if_data_dir_open(ctx);
    print_id(ctx, &engine)
}

pub(crate) fn id(ctx: &Ctx) -> anyhow::Result<()> {
    let v = super::connect(ctx)?.call(ctx, Request::Id)?;
    print_id_json(ctx, &v)
}

fn print_id(ctx: &Ctx, engine: &Engine) -> anyhow::Result<()> {
    let me = engine.me();
    print_id_json(
        ctx,
        &json!({
            "id": peer_id(&me.key).to_string(),
            "name": me.name,
            "country": me.country,
            "public_key": me.key.to_string(),
            "data_dir": engine.data_dir().root(),
        }),
    )
}

fn print_id_json(ctx: &Ctx, v: &serde_json::Value) -> anyhow::Result<()> {
    if ctx.json {
        return output::json(v);
    }
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    out!("{} ({})", s("name"), s("country"));
    out!("{}", t!(ctx.lang, "cli-id-id", id = s("id")));
    out!("{}", t!(ctx.lang, "cli-id-public-key", key = s("public_key")));
    out!("{}", t!(ctx.lang, "cli-id-data-dir", dir = s("data_dir")));
    Ok(())
}
