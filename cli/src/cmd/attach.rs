//! `twin doc attach`, `twin doc attachments`, `twin doc attachment get|fetch|remove` and
//! `twin space storage`: files a document carries (an evidence register).

use std::{
    io::{Read, Write},
    path::PathBuf,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use clap::Subcommand;
use serde_json::Value;
use twinmesh_node::{api::Request, engine::AttachmentInfo};
use twinmesh_protocol::ids::{DocId, SpaceId};

use crate::{
    Ctx,
    client::Client,
    output,
    progress::{Progress, Work},
};

#[derive(Debug, Subcommand)]
pub(crate) enum AttachCmd {
    /// Attach a file to a document (at most 512 MiB). Its bytes are kept by this node and
    /// fetched by partners; the document records its name, size and SHA-256 in a signed change.
    Attach {
        /// The document.
        doc: DocId,
        /// The file.
        file: PathBuf,
        /// A caption (what the file is evidence of).
        #[arg(long)]
        caption: Option<String>,
        /// The name to record (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        /// The media type (default: from the name's extension).
        #[arg(long)]
        media_type: Option<String>,
    },
    /// A document's attachments: name, size, who attached them, and whether this node holds
    /// their bytes (downloaded, downloading, not downloaded, removed).
    Attachments {
        /// The document.
        doc: DocId,
    },
    /// One attachment: get its file, fetch it, or remove it.
    #[command(subcommand)]
    Attachment(AttachmentCmd),
}

#[derive(Debug, Subcommand)]
pub(crate) enum AttachmentCmd {
    /// Write an attachment's file to PATH, checked against its SHA-256. With a running node,
    /// a file not downloaded yet is fetched from partners first (with a progress bar).
    Get {
        /// The document.
        doc: DocId,
        /// The attachment's id (from `twin doc attachments`).
        id: String,
        /// Where to write the file.
        #[arg(long, short)]
        out: PathBuf,
        /// How long to wait for partners to deliver it, in seconds.
        #[arg(long, default_value_t = 600)]
        wait: u64,
    },
    /// Ask the running node to fetch an attachment from partners (what a node started with
    /// `--attachments on-demand` fetches).
    Fetch {
        /// The document.
        doc: DocId,
        /// The attachment's id.
        id: String,
    },
    /// Remove an attachment (the town that attached it, or an admin): its bytes are deleted on
    /// this node and on every partner that syncs; the document keeps a signed record that it
    /// existed and was removed, and why.
    Remove {
        /// The document.
        doc: DocId,
        /// The attachment's id.
        id: String,
        /// Why (e.g. "personal data, GDPR art. 17 request").
        #[arg(long)]
        reason: String,
    },
}

/// Reads a size: `500000000`, `500MB`, `2GB`, `1.5G`, `800MiB`.
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("'{s}' is not a size (e.g. 500MB, 2GB)"))?;
    let mult: f64 = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("'{s}': unknown unit (use B, kB, MB, GB, TB, KiB, MiB, GiB)")),
    };
    Ok((n * mult).round() as u64)
}

fn size(ctx: &Ctx, n: u64) -> String {
    twinmesh_node::locale::bytes(ctx.lang, n)
}

pub(crate) fn run(ctx: &Ctx, client: &mut Client, c: AttachCmd) -> anyhow::Result<()> {
    match c {
        AttachCmd::Attach { doc, file, caption, name, media_type } => {
            // The node may run in another directory: give it the full path.
            let path =
                std::fs::canonicalize(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let info: AttachmentInfo = match client {
                // On the store itself: the copy into the blob directory shows a progress bar.
                Client::Local(engine) => {
                    let total = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                    let bar = Progress::new(ctx, Work::Attaching, total);
                    let opts = twinmesh_node::engine::AttachOptions { name, media_type, caption };
                    let done =
                        engine.attach(&doc, &path, &opts, ctx.officer.as_deref(), &mut |d, _| bar.set(d));
                    bar.finish();
                    done.map_err(|e| anyhow::anyhow!(e.message(ctx.lang)))?
                }
                Client::Remote { .. } => {
                    let req = Request::DocAttach {
                        doc,
                        path: path.display().to_string(),
                        name,
                        media_type,
                        caption,
                    };
                    client.call_as(ctx, req)?
                }
            };
            if ctx.json {
                return output::json(&info);
            }
            out!("attached {} ({}, sha256 {}) as {}", info.name, size(ctx, info.size), info.hash, info.id);
        }
        AttachCmd::Attachments { doc } => {
            let list: Vec<AttachmentInfo> = client.call_as(ctx, Request::DocAttachments { doc })?;
            if ctx.json {
                return output::json(&list);
            }
            if list.is_empty() {
                out!("no attachments");
            }
            for a in list {
                let state = match a.state.as_str() {
                    "downloading" => format!("downloading {} %", a.held.saturating_mul(100) / a.size.max(1)),
                    s => s.replace('-', " "),
                };
                out!("{}  {}  {}  {}  by {}", a.id, a.name, size(ctx, a.size), state, a.by_name);
                if let Some(c) = a.caption {
                    out!("    {c}");
                }
                if let Some(r) = a.removed {
                    out!("    removed by {}: {}", r.by_name, r.reason);
                }
            }
        }
        AttachCmd::Attachment(AttachmentCmd::Get { doc, id, out, wait }) => {
            get(ctx, client, doc, id, out, wait)?
        }
        AttachCmd::Attachment(AttachmentCmd::Fetch { doc, id }) => {
            let info: AttachmentInfo = client.call_as(ctx, Request::DocAttachmentFetch { doc, id })?;
            if ctx.json {
                return output::json(&info);
            }
            out!("{}: {}", info.name, info.state.replace('-', " "));
        }
        AttachCmd::Attachment(AttachmentCmd::Remove { doc, id, reason }) => {
            let info: AttachmentInfo =
                client.call_as(ctx, Request::DocAttachmentRemove { doc, id, reason })?;
            if ctx.json {
                return output::json(&info);
            }
            out!(
                "removed {} ({}); its bytes are deleted here and on partners as they sync",
                info.name,
                info.hash
            );
        }
    }
    Ok(())
}

fn get(
    ctx: &Ctx,
    client: &mut Client,
    doc: DocId,
    id: String,
    out: PathBuf,
    wait: u64,
) -> anyhow::Result<()> {
    let ask = |client: &mut Client| client.call(ctx, Request::DocAttachmentGet { doc, id: id.clone() });
    let mut v = ask(client)?;
    if v.get("path").and_then(Value::as_str).is_none() {
        if v["state"] == "removed" || matches!(client, Client::Local(_)) {
            anyhow::bail!(
                "{} is {} on this node{}",
                v["name"].as_str().unwrap_or(&id),
                v["state"].as_str().unwrap_or("not downloaded").replace('-', " "),
                if matches!(client, Client::Local(_)) {
                    ": start the node (`twin start`) to fetch it"
                } else {
                    ""
                }
            );
        }
        client.call(ctx, Request::DocAttachmentFetch { doc, id: id.clone() })?;
        let total = v["size"].as_u64().unwrap_or(0);
        let bar = Progress::new(ctx, Work::Fetching, total);
        let deadline = Instant::now() + Duration::from_secs(wait);
        while v.get("path").and_then(Value::as_str).is_none() {
            if Instant::now() > deadline {
                bar.finish();
                anyhow::bail!(
                    "no partner delivered the file within {wait} s; try again later (`--wait` to wait longer)"
                );
            }
            std::thread::sleep(Duration::from_millis(200));
            v = ask(client)?;
            bar.set(v["held"].as_u64().unwrap_or(0));
        }
        bar.finish();
    }
    let src = PathBuf::from(v["path"].as_str().unwrap_or_default());
    let hash = v["hash"].as_str().unwrap_or_default().to_string();
    let total = v["size"].as_u64().unwrap_or(0);
    copy_checked(ctx, &src, &out, &hash, total)?;
    if ctx.json {
        return output::json(&serde_json::json!({
            "id": v["id"], "name": v["name"], "file": out, "bytes": total, "hash": hash,
        }));
    }
    out!("wrote {} ({}, sha256 checked)", out.display(), size(ctx, total));
    Ok(())
}

/// Copies `src` to `dest` through a temporary name, checking its SHA-256 on the way.
fn copy_checked(
    ctx: &Ctx,
    src: &std::path::Path,
    dest: &std::path::Path,
    hash: &str,
    total: u64,
) -> anyhow::Result<()> {
    use sha2::Digest as _;
    let mut input = std::fs::File::open(src).with_context(|| format!("cannot read {}", src.display()))?;
    let tmp = dest.with_extension("partial");
    let mut output =
        std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let bar = Progress::new(ctx, Work::Writing, total);
    let mut done = 0u64;
    loop {
        let n = input.read(&mut buf).with_context(|| format!("cannot read {}", src.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        output.write_all(&buf[..n]).with_context(|| format!("cannot write {}", tmp.display()))?;
        done += n as u64;
        bar.set(done);
    }
    bar.finish();
    output.sync_all().with_context(|| format!("cannot write {}", tmp.display()))?;
    if data_encoding::HEXLOWER.encode(&h.finalize()) != hash {
        let _ = std::fs::remove_file(&tmp);
        anyhow::bail!("the file on this node does not match its SHA-256 {hash}; nothing was written");
    }
    std::fs::rename(&tmp, dest).with_context(|| format!("cannot write {}", dest.display()))?;
    Ok(())
}

/// `twin space storage SPACE [--cap SIZE|none]`.
pub(crate) fn storage(
    ctx: &Ctx,
    client: &mut Client,
    space: SpaceId,
    cap: Option<String>,
) -> anyhow::Result<()> {
    let cap = match cap.as_deref().map(str::trim) {
        None => None,
        Some("none" | "0") => Some(0),
        Some(s) => Some(parse_size(s).map_err(|e| anyhow::anyhow!(e))?),
    };
    let v = client.call(ctx, Request::SpaceStorage { space, cap })?;
    if ctx.json {
        return output::json(&v);
    }
    let used = v["used"].as_u64().unwrap_or(0);
    match v["cap"].as_u64() {
        Some(c) => out!("attachments: {} of {} ({} %)", size(ctx, used), size(ctx, c), used * 100 / c.max(1)),
        None => out!("attachments: {} (no cap)", size(ctx, used)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_with_units() {
        assert_eq!(parse_size("500000"), Ok(500_000));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("1.5 GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
