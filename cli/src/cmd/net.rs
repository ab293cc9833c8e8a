//! `twin dial`, `twin peers`, `twin sync`: talk to partners through the running node.

use serde_json::Value;
use twinmesh_node::api::Request;
use twinmesh_protocol::ids::DocId;

use crate::{Ctx, client::Client, output};
use twinmesh_node::t;

fn running(ctx: &Ctx) -> anyhow::Result<Client> {
    match super::connect(ctx)? {
        Client::Local(_) => anyhow::bail!(t!(ctx.lang, "cli-not-running")),
        remote => Ok(remote),
    }
}

/// `twin dial MULTIADDR`
pub(crate) fn dial(ctx: &Ctx, addr: String) -> anyhow::Result<()> {
    let v = running(ctx)?.call(ctx, Request::Dial { addr })?;
    if ctx.json {
        return output::json(&v);
    }
    out!("{}", t!(ctx.lang, "cli-connected-to", id = v.get("id").and_then(Value::as_str).unwrap_or("?")));
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
    let l = ctx.lang;
    out!("{}", t!(l, "cli-status-id", id = v.get("id").and_then(Value::as_str).unwrap_or("")));
    for a in list("listen") {
        out!("{}", t!(l, "cli-status-listen", addr = a));
    }
    for a in list("external") {
        out!("{}", t!(l, "cli-status-external", addr = a));
    }
    // The node reports `public (ADDR)`, `private (…)` or `unknown`.
    let reach = match v.get("reachability").and_then(Value::as_str).unwrap_or("unknown") {
        r if r.starts_with("public") => t!(
            l,
            "cli-reach-public",
            addr = r.trim_start_matches("public").trim().trim_start_matches('(').trim_end_matches(')')
        ),
        r if r.starts_with("private") => t!(l, "cli-reach-private"),
        _ => t!(l, "cli-reach-unknown"),
    };
    out!("{}", t!(l, "cli-status-reachability", state = reach));
    for r in list("relay_reservations") {
        out!("{}", t!(l, "cli-status-relay", addr = r));
    }
    out!(
        "{}",
        t!(l, "cli-status-partners", count = v.get("connected_peers").and_then(Value::as_u64).unwrap_or(0))
    );
    let a = &v["attachments"];
    let n = |k: &str| a[k].as_u64().unwrap_or(0);
    let mode = match a["mode"].as_str() {
        Some("on-demand") => t!(l, "cli-attachments-on-demand"),
        _ => t!(l, "cli-attachments-eager"),
    };
    out!(
        "{}",
        t!(
            l,
            "cli-status-attachments",
            mode = mode,
            fetching = n("fetching"),
            chunks = n("chunks_fetched"),
            refused = n("chunks_refused")
        )
    );
    // What each space's attachments take here (`twin space storage SPACE` sets a cap).
    let spaces = client.call(ctx, Request::SpaceList)?;
    for s in spaces.as_array().into_iter().flatten() {
        let used = s["attachments"]["used"].as_u64().unwrap_or(0);
        let size = |b: u64| twinmesh_node::locale::bytes(ctx.lang, b);
        match s["attachments"]["cap"].as_u64() {
            Some(cap) => out!(
                "  {}",
                t!(
                    l,
                    "cli-space-used-of",
                    space = s["name"].as_str().unwrap_or(""),
                    used = size(used),
                    cap = size(cap)
                )
            ),
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
        out!("{}", t!(ctx.lang, "cli-no-peers"));
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
        let l = ctx.lang;
        let name = if s("name").is_empty() { t!(l, "cli-peer-unknown") } else { s("name") };
        let state = match (connected, s("connection").as_str()) {
            (false, _) => t!(l, "cli-peer-offline"),
            (true, "relayed") => t!(l, "cli-peer-relayed"),
            (true, _) => t!(l, "cli-peer-connected"),
        };
        out!(
            "{}  {name:<24} {state:<12} {}",
            s("id"),
            t!(
                l,
                "cli-peer-line",
                seen =
                    if s("last_seen_utc").is_empty() { t!(l, "cli-sync-never") } else { s("last_seen_utc") },
                syncing = p.get("syncing_documents").and_then(Value::as_u64).unwrap_or(0),
                spaces = if spaces.is_empty() { "-".to_string() } else { spaces.join(", ") }
            )
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
        anyhow::bail!(t!(ctx.lang, "cli-sync-unreachable-all", count = unreachable));
    }
    if ctx.json {
        return output::json(&v);
    }
    if unreachable > 0 {
        eprintln!("{}", t!(ctx.lang, "cli-sync-unreachable-some", count = unreachable));
    }
    out!(
        "{}",
        t!(
            ctx.lang,
            "cli-synced",
            peers = n("peers"),
            received = n("changes_received"),
            refused = n("changes_rejected")
        )
    );
    Ok(())
}

/// `twin sync` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SyncCmd {
    /// Per partner town: online or offline since when, last synced, changes waiting to go out
    /// (`?` when never synced: unknown), changes received; then the documents not yet at
    /// an online partner, with conflicts, or open at a partner now.
    Status,
}

/// A time of the report (RFC 3339, UTC) as the officer's locale writes the date, with the
/// time of day in UTC.
fn when(ctx: &Ctx, v: &Value) -> String {
    let Some(t) = v.as_str() else { return tr(ctx, "cli-sync-never", &[]) };
    let style = twinmesh_node::locale::style(ctx.lang);
    let date = twinmesh_protocol::locale::format_date(&style, t.get(..10).unwrap_or(t));
    format!("{date} {} UTC", t.get(11..16).unwrap_or(""))
}

fn tr(ctx: &Ctx, key: &str, args: &[(&str, twinmesh_node::i18n::FluentValue<'_>)]) -> String {
    twinmesh_node::i18n::tr(ctx.lang, key, args)
}

/// `twin sync status`
pub(crate) fn sync_status(ctx: &Ctx) -> anyhow::Result<()> {
    use twinmesh_node::i18n::FluentValue as F;
    let v = running(ctx)?.call(ctx, Request::SyncStatus)?;
    if ctx.json {
        return output::json(&v);
    }
    let list = |x: &Value, k: &str| x.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
    let s = |x: &Value, k: &str| x.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let partners = list(&v, "partners");
    if partners.is_empty() {
        out!("{}", tr(ctx, "cli-sync-no-partners", &[]));
    }
    for p in &partners {
        let town = match (s(p, "town"), s(p, "country")) {
            (t, _) if t.is_empty() => tr(ctx, "cli-sync-unknown-town", &[("id", F::from(s(p, "id")))]),
            (t, c) if c.is_empty() => t,
            (t, c) => format!("{t} ({c})"),
        };
        let online = p.get("online").and_then(Value::as_bool).unwrap_or(false);
        let state = match (online, p.get("since").filter(|x| !x.is_null())) {
            (true, Some(t)) => tr(ctx, "cli-sync-online-since", &[("when", F::from(when(ctx, t)))]),
            (true, None) => tr(ctx, "cli-sync-online", &[]),
            (false, Some(t)) => tr(ctx, "cli-sync-offline-since", &[("when", F::from(when(ctx, t)))]),
            (false, None) => tr(ctx, "cli-sync-offline", &[]),
        };
        let waiting = match p.get("waiting").and_then(Value::as_u64) {
            Some(n) => n.to_string(),
            None => "?".to_string(),
        };
        let n = |k: &str| p.get(k).and_then(Value::as_u64).unwrap_or(0);
        out!(
            "{}",
            tr(
                ctx,
                "cli-sync-partner-line",
                &[
                    ("town", F::from(town)),
                    ("state", F::from(state)),
                    ("synced", F::from(when(ctx, &p["last_synced"]))),
                    ("waiting", F::from(waiting)),
                    ("unknown", F::from(n("never_synced"))),
                    ("received", F::from(n("received"))),
                ]
            )
        );
    }
    for d in list(&v, "docs") {
        let towns = |k: &str| -> Vec<String> {
            list(&d, k)
                .iter()
                .map(|p| p.get("town").and_then(Value::as_str).unwrap_or("?").to_string())
                .collect()
        };
        let (not_yet, present) = (towns("not_yet_at"), towns("present"));
        let conflicts = d.get("conflicts").and_then(Value::as_u64).unwrap_or(0);
        if not_yet.is_empty() && present.is_empty() && conflicts == 0 {
            continue;
        }
        let mut parts = Vec::new();
        if !not_yet.is_empty() {
            parts.push(tr(ctx, "cli-sync-not-yet-at", &[("towns", F::from(not_yet.join(", ")))]));
        }
        if conflicts > 0 {
            parts.push(tr(ctx, "cli-sync-conflicts", &[("count", F::from(conflicts))]));
        }
        if !present.is_empty() {
            parts.push(tr(ctx, "cli-sync-open-at", &[("towns", F::from(present.join(", ")))]));
        }
        out!("{}  {}  {}", s(&d, "doc"), s(&d, "title"), parts.join(" · "));
    }
    Ok(())
}
