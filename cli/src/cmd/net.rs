//! `twin dial`, `twin peers`, `twin sync`: talk to partners through the running node.

use serde_json::Value;
use twinmesh_node::api::Request;
use twinmesh_protocol::ids::DocId;

use crate::{Ctx, client::Client, output};

fn running(ctx: &Ctx) -> anyhow::Result<Client> {
    match super::connect(ctx)? {
        Client::Local(_) => anyhow::bail!("no node is running on this data dir: start it with `twin start`"),
        remote => Ok(remote),
    }
}

/// `twin dial MULTIADDR`
pub(crate) fn dial(ctx: &Ctx, addr: String) -> anyhow::Result<()> {
    let v = running(ctx)?.call(ctx, Request::Dial { addr })?;
    if ctx.json {
        return output::json(&v);
    }
    out!("connected to {}", v.get("id").and_then(Value::as_str).unwrap_or("?"));
    Ok(())
}

/// `twin status`
pub(crate) fn status(ctx: &Ctx) -> anyhow::Result<()> {
    let mut client = running(ctx)?;
    let v = client.call(ctx, Request::Status)?;
    if ctx.json {
        return output::json(&v);
    }
    let list = |k: &str| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    out!("id:           {}", v.get("id").and_then(Value::as_str).unwrap_or(""));
    for a in list("listen") {
        out!("listen:       {a}");
    }
    for a in list("external") {
        out!("external:     {a}");
    }
    out!("reachability: {}", v.get("reachability").and_then(Value::as_str).unwrap_or("unknown"));
    for r in list("relay_reservations") {
        out!("relay:        {r}");
    }
    out!("partners:     {} connected", v.get("connected_peers").and_then(Value::as_u64).unwrap_or(0));
    let a = &v["attachments"];
    let n = |k: &str| a[k].as_u64().unwrap_or(0);
    out!(
        "attachments:  {} ({} file(s) being fetched, {} chunk(s) fetched, {} refused)",
        a["mode"].as_str().unwrap_or("eager"),
        n("fetching"),
        n("chunks_fetched"),
        n("chunks_refused")
    );
    // What each space's attachments take here (`twin space storage SPACE` sets a cap).
    let spaces = client.call(ctx, Request::SpaceList)?;
    for s in spaces.as_array().into_iter().flatten() {
        let used = s["attachments"]["used"].as_u64().unwrap_or(0);
        let size = |b: u64| twinmesh_node::locale::bytes(ctx.lang, b);
        match s["attachments"]["cap"].as_u64() {
            Some(cap) => out!("  {}: {} of {}", s["name"].as_str().unwrap_or(""), size(used), size(cap)),
            None if used > 0 => out!("  {}: {}", s["name"].as_str().unwrap_or(""), size(used)),
            None => {}
        }
    }
    Ok(())
}

/// `twin peers`
pub(crate) fn peers(ctx: &Ctx) -> anyhow::Result<()> {
    let v = running(ctx)?.call(ctx, Request::Peers)?;
    if ctx.json {
        return output::json(&v);
    }
    let peers = v.as_array().cloned().unwrap_or_default();
    if peers.is_empty() {
        out!("no partners yet: connect with `twin dial MULTIADDR`");
    }
    for p in peers {
        let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let connected = p.get("connected").and_then(Value::as_bool).unwrap_or(false);
        let spaces: Vec<String> = p
            .get("spaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        out!(
            "{}  {:<24} {:<12} last seen {}  syncing {}  spaces: {}",
            s("id"),
            if s("name").is_empty() { "(unknown)".to_string() } else { s("name") },
            match (connected, s("connection").as_str()) {
                (false, _) => "offline",
                (true, "relayed") => "via relay",
                (true, _) => "connected",
            },
            if s("last_seen_utc").is_empty() { "never".to_string() } else { s("last_seen_utc") },
            p.get("syncing_documents").and_then(Value::as_u64).unwrap_or(0),
            if spaces.is_empty() { "-".to_string() } else { spaces.join(", ") }
        );
    }
    Ok(())
}

/// `twin sync [DOC]`
pub(crate) fn sync(ctx: &Ctx, doc: Option<DocId>) -> anyhow::Result<()> {
    let v = running(ctx)?.call(ctx, Request::Sync { doc })?;
    let unreachable = v.get("unreachable").and_then(Value::as_array).map(Vec::len).unwrap_or(0);
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    if unreachable > 0 && n("peers") == 0 {
        anyhow::bail!("could not reach any of {unreachable} connected partner(s); nothing was synced");
    }
    if ctx.json {
        return output::json(&v);
    }
    if unreachable > 0 {
        eprintln!("warning: {unreachable} partner(s) did not answer");
    }
    out!(
        "synced with {} partner(s): {} change(s) received, {} refused",
        n("peers"),
        n("changes_received"),
        n("changes_rejected")
    );
    Ok(())
}
