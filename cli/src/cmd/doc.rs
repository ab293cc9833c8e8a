//! `twin doc ...`.

use std::{io::Read, path::PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use serde_json::json;
use twinmesh_node::{
    engine::{Edit, SignatureStatus},
    render,
};
use twinmesh_protocol::{
    ChangeHash,
    ids::{DocId, SpaceId},
    schema::{DocKind, Field, FieldType, Path},
};

use crate::{Ctx, output};

#[derive(Debug, Subcommand)]
pub(crate) enum DocCmd {
    /// Create a document from its kind's template. Prints the document id.
    New {
        /// The space it belongs to.
        space: SpaceId,
        /// charter, plan, minutes or contacts.
        #[arg(long)]
        kind: DocKind,
        /// Its title.
        #[arg(long)]
        title: String,
    },
    /// List documents, of one space or of all.
    List {
        /// Only this space.
        space: Option<SpaceId>,
    },
    /// Set a field: `budget/lines/0/amount 2600`, `status awarded`, `start 2026-03-01`,
    /// `events/0/main_event true`. `null` clears a field.
    Set {
        /// The document.
        doc: DocId,
        /// The field's path.
        path: Path,
        /// The new value, checked against the field's type.
        value: String,
        /// Describe the change in the history instead of the generated summary.
        #[arg(long, short)]
        message: Option<String>,
    },
    /// Replace a text field's content. Stored as character splices, so partners' concurrent
    /// edits to the same text merge.
    Text {
        /// The document.
        doc: DocId,
        /// The text field's path, e.g. summary or objectives/0/text.
        path: Path,
        /// The new text (or use --file, or pipe it on standard input).
        text: Option<String>,
        /// Read the new text from this file ("-" for standard input).
        #[arg(long, short)]
        file: Option<PathBuf>,
        /// Describe the change in the history.
        #[arg(long, short)]
        message: Option<String>,
    },
    /// Append a record to a list, e.g. `budget/lines amount=2400 category=travel`.
    Add {
        /// The document.
        doc: DocId,
        /// The list's path.
        list: Path,
        /// Fields of the new record, as name=value.
        fields: Vec<String>,
    },
    /// Delete a list record, e.g. `budget/lines/2`.
    Remove {
        /// The document.
        doc: DocId,
        /// The record's path.
        item: Path,
    },
    /// Show a document (Markdown text by default).
    Show {
        /// The document.
        doc: DocId,
        /// Print Markdown (the default for people; explicit for scripts that want it).
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
        /// Show the document as it was at this change (hash from `doc history`).
        #[arg(long, value_name = "CHANGE")]
        at: Option<String>,
    },
    /// Every change: hash, author town, officer, time, message, signature check.
    History {
        /// The document.
        doc: DocId,
    },
    /// The fields of a document kind, with their paths and types.
    Fields {
        /// charter, plan, minutes or contacts.
        kind: DocKind,
    },
    /// Write a document with all signatures to a file, for `twin doc import` elsewhere.
    Export {
        /// The document.
        doc: DocId,
        /// The file to write.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Import a file written by `twin doc export`. Every change's signature is verified; if any
    /// fails, nothing is imported.
    Import {
        /// The file.
        file: PathBuf,
        /// Check that the document belongs to this space.
        #[arg(long)]
        space: Option<SpaceId>,
    },
}

pub(crate) fn run(ctx: &Ctx, c: DocCmd) -> anyhow::Result<()> {
    if let DocCmd::Fields { kind } = c {
        return fields(ctx, kind);
    }
    let mut engine = super::open(ctx)?;
    let officer = ctx.officer.as_deref();
    match c {
        DocCmd::New { space, kind, title } => {
            let info = engine.create_doc(&space, kind, &title, officer)?;
            if ctx.json {
                return output::json(&info);
            }
            println!("{}", info.id);
        }
        DocCmd::List { space } => {
            if let Some(s) = &space {
                engine.space(s)?;
            }
            let docs = engine.docs(space.as_ref())?;
            if ctx.json {
                return output::json(&docs);
            }
            if docs.is_empty() {
                println!("no documents yet: create one with `twin doc new SPACE --kind plan --title TITLE`");
            }
            for d in docs {
                println!("{}  {:<8}  {}  ({} changes, updated {})", d.id, d.meta.kind, d.meta.title, d.meta.changes, d.meta.updated.to_rfc3339());
            }
        }
        DocCmd::Set { doc, path, value, message } => {
            let out = engine.edit(&doc, &[Edit::Set { path, value }], officer, message.as_deref())?;
            print_edit(ctx, &out)?;
        }
        DocCmd::Text { doc, path, text, file, message } => {
            let text = match (text, file) {
                (Some(_), Some(_)) => anyhow::bail!("give the text or --file, not both"),
                (Some(t), None) => t,
                (None, Some(f)) if f.as_os_str() == "-" => read_stdin()?,
                (None, Some(f)) => std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?,
                (None, None) => read_stdin()?,
            };
            let out = engine.edit(&doc, &[Edit::Text { path, text }], officer, message.as_deref())?;
            print_edit(ctx, &out)?;
        }
        DocCmd::Add { doc, list, fields } => {
            let mut pairs = Vec::new();
            for f in fields {
                let (k, v) = f
                    .split_once('=')
                    .with_context(|| format!("'{f}' is not name=value"))?;
                pairs.push((k.trim().to_string(), v.to_string()));
            }
            let out = engine.edit(&doc, &[Edit::Add { list, fields: pairs }], officer, None)?;
            print_edit(ctx, &out)?;
        }
        DocCmd::Remove { doc, item } => {
            let out = engine.edit(&doc, &[Edit::Remove { item }], officer, None)?;
            print_edit(ctx, &out)?;
        }
        DocCmd::Show { doc, markdown, at } => {
            let heads = match at {
                Some(h) => Some(vec![h.parse::<ChangeHash>().map_err(|_| anyhow::anyhow!("'{h}' is not a change hash (64 hex characters, see `twin doc history`)"))?]),
                None => None,
            };
            let view = engine.view(&doc, heads.as_deref())?;
            let meta = engine.doc_meta(&doc)?;
            if ctx.json {
                let conflicts: Vec<_> = view
                    .root
                    .conflicts()
                    .into_iter()
                    .map(|(path, vals)| json!({"path": path, "values": vals.iter().map(|v| json!({"value": v.value.display(), "author": v.author})).collect::<Vec<_>>()}))
                    .collect();
                return output::json(&json!({
                    "id": doc.to_string(),
                    "space": meta.space.to_string(),
                    "kind": meta.kind,
                    "content": view.root.to_json(),
                    "conflicts": conflicts,
                }));
            }
            print!("{}", render::markdown(&view));
            let conflicts = view.root.conflicts();
            if !markdown && !conflicts.is_empty() {
                eprintln!("{} conflicting field(s): set each again to resolve:", conflicts.len());
                for (p, _) in conflicts {
                    eprintln!("  twin doc set {doc} {p} VALUE");
                }
            }
        }
        DocCmd::History { doc } => {
            let entries = engine.history(&doc)?;
            if ctx.json {
                return output::json(&entries);
            }
            for e in entries {
                let who = match (&e.author, &e.officer) {
                    (Some(a), Some(o)) => format!("{a} ({o})"),
                    (Some(a), None) => a.clone(),
                    (None, Some(o)) => format!("{} ({o})", e.author_key.as_deref().map(|k| &k[..10]).unwrap_or("unknown")),
                    (None, None) => e.author_key.as_deref().map(|k| k[..10].to_string()).unwrap_or("unknown".into()),
                };
                let sig = match e.signature {
                    SignatureStatus::Verified => "signature ok",
                    SignatureStatus::Missing => "UNSIGNED",
                    SignatureStatus::Invalid => "BAD SIGNATURE",
                };
                println!("{}  {}  {who}: {}  [{sig}]", &e.hash[..12], e.time_utc, e.message.lines().next().unwrap_or(""));
            }
        }
        DocCmd::Export { doc, output } => {
            let bytes = engine.export(&doc)?;
            write_atomically(&output, &bytes)?;
            if ctx.json {
                return output::json(&json!({"doc": doc.to_string(), "file": output, "bytes": bytes.len()}));
            }
            println!("wrote {} ({} bytes)", output.display(), bytes.len());
        }
        DocCmd::Import { file, space } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let report = engine.import(&bytes, space.as_ref())?;
            if ctx.json {
                return output::json(&report);
            }
            println!(
                "{} '{}': {} of {} change(s) were new{}",
                report.doc,
                report.title,
                report.changes_added,
                report.changes_in_file,
                if report.new_document { " (new document)" } else { "" }
            );
        }
        DocCmd::Fields { .. } => {}
    }
    Ok(())
}

fn print_edit(ctx: &Ctx, out: &twinmesh_node::engine::EditOutcome) -> anyhow::Result<()> {
    if ctx.json {
        return output::json(out);
    }
    match (&out.change, &out.added) {
        (None, _) => println!("no change"),
        (Some(_), Some((path, _))) => println!("added {path}"),
        (Some(h), None) => println!("{} ({})", out.message, &h[..12]),
    }
    Ok(())
}

fn read_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("cannot read the text from standard input")?;
    Ok(s)
}

/// Writes to a temporary file beside `path`, then renames: a crash never leaves half a file.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn fields(ctx: &Ctx, kind: DocKind) -> anyhow::Result<()> {
    fn walk(prefix: &str, fields: &[Field], out: &mut Vec<(String, String, String)>) {
        for f in fields {
            let path = if prefix.is_empty() { f.name.to_string() } else { format!("{prefix}/{}", f.name) };
            match f.ty {
                FieldType::Record(sub) => walk(&path, sub, out),
                FieldType::List(sub) => {
                    out.push((path.clone(), "list".into(), f.label.into()));
                    walk(&format!("{path}/N"), sub, out);
                }
                ty => out.push((path, ty.name(), f.label.into())),
            }
        }
    }
    let mut rows = Vec::new();
    walk("", kind.fields(), &mut rows);
    if ctx.json {
        return output::json(&rows.iter().map(|(p, t, l)| json!({"path": p, "type": t, "label": l})).collect::<Vec<_>>());
    }
    for (p, t, l) in rows {
        println!("{p:<40} {t:<30} {l}");
    }
    Ok(())
}
