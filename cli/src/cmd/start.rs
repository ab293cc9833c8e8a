//! `twin start`: run the node in the foreground.

use clap::Args;
use serde_json::json;
use twinmesh_node::{Engine, NodeError, identity::peer_id};

use crate::{Ctx, output};

#[derive(Debug, Args)]
pub(crate) struct StartArgs {
    /// On a data dir without an identity, create one with this municipality name first.
    #[arg(long)]
    name: Option<String>,
    /// Country code for a new identity (with --name).
    #[arg(long, default_value = "EU")]
    country: String,
}

pub(crate) fn run(ctx: &Ctx, a: StartArgs) -> anyhow::Result<()> {
    let engine = match Engine::open(&ctx.data_dir) {
        Err(NodeError::NotInitialized(_)) if a.name.is_some() => {
            let name = a.name.as_deref().unwrap_or_default();
            Engine::init(&ctx.data_dir, name, &a.country, false)?
        }
        other => other?,
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let me = engine.me().clone();
    let pid = peer_id(&me.key);
    if ctx.json {
        output::json(&json!({ "event": "started", "id": pid.to_string(), "name": me.name, "data_dir": ctx.data_dir.root() }))?;
    } else {
        println!("Twinmesh node for {} ({}) is running.", me.name, me.country);
        println!("id:       {pid}");
        println!("data dir: {}", ctx.data_dir.root().display());
        println!("Press Ctrl-C to stop.");
    }
    rt.block_on(shutdown_signal())?;
    // Every acknowledged edit was flushed when it was made; dropping the engine closes the store.
    drop(engine);
    if !ctx.json {
        println!("stopped");
    }
    Ok(())
}

async fn shutdown_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}
