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
use twinmesh_node::t;

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
    let lang = twinmesh_node::i18n::Lang::from_env();
    let lower = s.trim().to_ascii_lowercase();
    let split = lower.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let n: f64 = num.parse().map_err(|_| t!(lang, "cli-bad-size", text = s))?;
    let mult: f64 = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(t!(lang, "cli-bad-size-unit", text = s)),
    };
    Ok((n * mult).round() as u64)
}

fn size(ctx: &Ctx, n: u64) -> String {
    twinmesh_node::locale::bytes(ctx.lang, n)
}

/// An attachment's state (`downloaded`, `not-downloaded`, `removed`, …) in the user's words.
fn state_words(ctx: &Ctx, state: &str) -> String {
    match state {
        "downloaded" => t!(ctx.lang, "cli-attachment-state-downloaded"),
        "downloading" => t!(ctx.lang, "cli-attachment-state-downloading"),
        "removed" => t!(ctx.lang, "cli-attachment-state-removed"),
        _ => t!(ctx.lang, "cli-attachment-state-not-downloaded"),
    }
}

pub(crate) fn run(ctx: &Ctx, client: &mut Client, c: AttachCmd) -> anyhow::Result<()> {
    match c {
        AttachCmd::Attach { doc, file, caption, name, media_type } => {
            // The node may run in another directory: give it the full path.
            let path = std::fs::canonicalize(&file)
                .with_context(|| t!(ctx.lang, "cli-cannot-read", file = file.display().to_string()))?;
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
            out!(
                "{}",
                t!(
                    ctx.lang,
                    "cli-attached",
                    name = info.name.as_str(),
                    size = size(ctx, info.size),
                    hash = info.hash.as_str(),
                    id = info.id.as_str()
                )
            );
        }
        AttachCmd::Attachments { doc } => {
            let list: Vec<AttachmentInfo> = client.call_as(ctx, Request::DocAttachments { doc })?;
            if ctx.json {
                return output::json(&list);
            }
            if list.is_empty() {
                out!("{}", t!(ctx.lang, "cli-no-attachments"));
            }
            for a in list {
                let state = match a.state.as_str() {
                    "downloading" => {
                        t!(
                            ctx.lang,
                            "cli-attachment-downloading",
                            percent = a.held.saturating_mul(100) / a.size.max(1)
                        )
                    }
                    s => state_words(ctx, s),
                };
                let by = t!(ctx.lang, "cli-attachment-by", town = a.by_name.as_str());
                out!("{}  {}  {}  {}  {by}", a.id, a.name, size(ctx, a.size), state);
                if let Some(c) = a.caption {
                    out!("    {c}");
                }
                if let Some(r) = a.removed {
                    out!(
                        "    {}",
                        t!(
                            ctx.lang,
                            "cli-attachment-removed-by",
                            town = r.by_name.as_str(),
                            reason = r.reason.as_str()
                        )
                    );
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
            out!("{}: {}", info.name, state_words(ctx, &info.state));
        }
        AttachCmd::Attachment(AttachmentCmd::Remove { doc, id, reason }) => {
            let info: AttachmentInfo =
                client.call_as(ctx, Request::DocAttachmentRemove { doc, id, reason })?;
            if ctx.json {
                return output::json(&info);
            }
            out!(
                "{}",
                t!(ctx.lang, "cli-attachment-removed", name = info.name.as_str(), hash = info.hash.as_str())
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
            let name = v["name"].as_str().unwrap_or(&id);
            let state = state_words(ctx, v["state"].as_str().unwrap_or("not-downloaded"));
            if matches!(client, Client::Local(_)) && v["state"] != "removed" {
                anyhow::bail!(t!(ctx.lang, "cli-attachment-start-node", name = name, state = state));
            }
            anyhow::bail!(t!(ctx.lang, "cli-attachment-not-here", name = name, state = state));
        }
        client.call(ctx, Request::DocAttachmentFetch { doc, id: id.clone() })?;
        let total = v["size"].as_u64().unwrap_or(0);
        let bar = Progress::new(ctx, Work::Fetching, total);
        let deadline = Instant::now() + Duration::from_secs(wait);
        while v.get("path").and_then(Value::as_str).is_none() {
            if Instant::now() > deadline {
                bar.finish();
                anyhow::bail!(t!(ctx.lang, "cli-attachment-timeout", seconds = wait));
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
    out!(
        "{}",
        t!(ctx.lang, "cli-attachment-written", file = out.display().to_string(), size = size(ctx, total))
    );
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
    let mut input = std::fs::File::open(src)
        .with_context(|| t!(ctx.lang, "cli-cannot-read", file = src.display().to_string()))?;
    let tmp = dest.with_extension("partial");
    let mut output = std::fs::File::create(&tmp)
        .with_context(|| t!(ctx.lang, "cli-cannot-write", file = tmp.display().to_string()))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let bar = Progress::new(ctx, Work::Writing, total);
    let mut done = 0u64;
    loop {
        let n = input
            .read(&mut buf)
            .with_context(|| t!(ctx.lang, "cli-cannot-read", file = src.display().to_string()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        output
            .write_all(&buf[..n])
            .with_context(|| t!(ctx.lang, "cli-cannot-write", file = tmp.display().to_string()))?;
        done += n as u64;
        bar.set(done);
    }
    bar.finish();
    output.sync_all().with_context(|| t!(ctx.lang, "cli-cannot-write", file = tmp.display().to_string()))?;
    if data_encoding::HEXLOWER.encode(&h.finalize()) != hash {
        let _ = std::fs::remove_file(&tmp);
        anyhow::bail!(t!(ctx.lang, "cli-attachment-mismatch", hash = hash));
    }
    std::fs::rename(&tmp, dest)
        .with_context(|| t!(ctx.lang, "cli-cannot-write", file = dest.display().to_string()))?;
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
        Some(c) => out!(
            "{}",
            t!(
                ctx.lang,
                "cli-storage-capped",
                used = size(ctx, used),
                cap = size(ctx, c),
                percent = used * 100 / c.max(1)
            )
        ),
        None => out!("{}", t!(ctx.lang, "cli-storage-uncapped", used = size(ctx, used))),
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
