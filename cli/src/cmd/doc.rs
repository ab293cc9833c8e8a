//! `twin doc ...`.

use std::{io::Read, path::PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use serde_json::Value;
use serde_json::json;
use twinmesh_node::{
    api::{EditSpec, Request},
    engine::{DocInfo, EditOutcome},
    t,
};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    schema::{DocKind, Field, FieldType, Path},
};

use crate::{Ctx, client::Client, output};

mod files;
mod history;

pub(crate) use history::short_hash;

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
        /// The new value, checked against the field's type (`-150` is a value, not an option).
        #[arg(allow_negative_numbers = true)]
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
        /// Show the document as it was at this change: a hash from `doc history`, in full or
        /// a unique prefix of at least 8 hex digits.
        #[arg(long, value_name = "CHANGE")]
        at: Option<String>,
    },
    /// What changed, newest page first, printed oldest first, in your language: by sitting
    /// (the changes one town's officer made in one go, no more than 10 minutes apart), a heading
    /// line per sitting and a line per field it changed. `--changes` prints one line per change
    /// instead (hash, author town, officer, time, message, signature check, and whether the
    /// change was refused). `--json` prints the page: every change (`entries`, each with its
    /// field `items`) and the `sittings`.
    History(history::HistoryArgs),
    #[command(flatten)]
    Versions(super::version::VersionCmd),
    #[command(flatten)]
    Attach(super::attach::AttachCmd),
    /// The fields of a document kind, with their paths and types.
    Fields {
        /// charter, plan, minutes or contacts.
        kind: DocKind,
    },
    /// Write a document to a file: with all signatures, for `twin doc import` elsewhere;
    /// (`--format automerge`) as the plain saved Automerge document, for any Automerge library;
    /// a plan's events and milestones as a calendar (`ics`), its budget as a table (`csv`,
    /// `xlsx`), or the whole document to read and print (`docx`, `odt`, `pdf`), in the
    /// language it was written in.
    Export {
        /// The document.
        doc: DocId,
        /// The file to write.
        #[arg(long, short)]
        output: PathBuf,
        /// signed (the default), automerge, ics (a plan's events and milestones), csv or xlsx
        /// (a plan's budget), docx, odt or pdf (the whole document, to read or print).
        #[arg(long, value_enum, default_value_t = Format::Signed)]
        format: Format,
    },
    /// Import a file written by `twin doc export`. Every change's signature is verified, the
    /// document must name the file's space, and this town must be a member of that space (a
    /// viewer for a read-only copy); if anything fails, nothing is imported.
    ///
    /// With `--plain`, the file is a plain saved Automerge document (from any Automerge
    /// library or `twin doc export --format automerge`): its content becomes a new document in
    /// `--space`, signed by this town; values the schema cannot hold are listed, not imported.
    Import {
        /// The file.
        file: PathBuf,
        /// Check that the document belongs to this space (with `--plain`: the space of the new
        /// document).
        #[arg(long)]
        space: Option<SpaceId>,
        /// The file is a plain Automerge document, without signatures.
        #[arg(long, alias = "unsigned")]
        plain: bool,
        /// With `--plain`: the kind of the new document, if the file does not name one.
        #[arg(long, requires = "plain")]
        kind: Option<DocKind>,
        /// With `--plain`: the title of the new document, instead of the file's.
        #[arg(long, requires = "plain")]
        title: Option<String>,
    },
}

/// The file format of `twin doc export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Every change with its signature, for `twin doc import`.
    Signed,
    /// The plain saved Automerge document.
    Automerge,
    /// A plan's events and milestones as an iCalendar file, for any calendar.
    Ics,
    /// A plan's budget lines as CSV, for a spreadsheet.
    Csv,
    /// The document as a Word file: headings and tables (a plan in the order of an EU Part B).
    Docx,
    /// The document as an OpenDocument text (LibreOffice), laid out like the DOCX.
    Odt,
    /// The document as a PDF, laid out by the node.
    Pdf,
    /// A plan's budget as an Excel workbook: amounts as numbers, the total a formula.
    Xlsx,
}

pub(crate) fn run(ctx: &Ctx, c: DocCmd) -> anyhow::Result<()> {
    if let DocCmd::Fields { kind } = c {
        return fields(ctx, kind);
    }
    let mut client = super::connect(ctx)?;
    let edit = |client: &mut Client, doc: DocId, edits: Vec<EditSpec>, message: Option<String>| {
        let out: EditOutcome =
            client.call_as(ctx, Request::DocEdit { doc, edits, message, lang: Some(ctx.lang) })?;
        print_edit(ctx, &out)
    };
    match c {
        DocCmd::Versions(v) => super::version::run(ctx, &mut client, v)?,
        DocCmd::Attach(a) => super::attach::run(ctx, &mut client, a)?,
        DocCmd::New { space, kind, title } => {
            // The document's language (its template, its printed form) is the user's: --lang.
            let lang = ctx.lang.code().to_string();
            let info: DocInfo =
                client.call_as(ctx, Request::DocNew { space, kind, title, lang: Some(lang) })?;
            if ctx.json {
                return output::json(&info);
            }
            out!("{}", info.id);
        }
        DocCmd::List { space } => {
            let docs: Vec<DocInfo> = client.call_as(ctx, Request::DocList { space })?;
            if ctx.json {
                return output::json(&docs);
            }
            if docs.is_empty() {
                out!("{}", t!(ctx.lang, "cli-no-documents"));
            }
            for d in docs {
                let about = t!(
                    ctx.lang,
                    "cli-doc-line",
                    changes = d.meta.changes,
                    updated = d.meta.updated.to_rfc3339()
                );
                out!("{}  {:<8}  {}  ({about})", d.id, d.meta.kind, d.meta.title);
            }
        }
        DocCmd::Set { doc, path, value, message } => {
            edit(&mut client, doc, vec![EditSpec::Set { path: path.to_string(), value }], message)?;
        }
        DocCmd::Text { doc, path, text, file, message } => {
            let text = match (text, file) {
                (Some(_), Some(_)) => anyhow::bail!(t!(ctx.lang, "cli-text-or-file")),
                (Some(t), None) => t,
                (None, Some(f)) if f.as_os_str() == "-" => read_stdin(ctx)?,
                (None, Some(f)) => std::fs::read_to_string(&f)
                    .with_context(|| t!(ctx.lang, "cli-cannot-read", file = f.display().to_string()))?,
                (None, None) => read_stdin(ctx)?,
            };
            edit(&mut client, doc, vec![EditSpec::Text { path: path.to_string(), text }], message)?;
        }
        DocCmd::Add { doc, list, fields } => {
            let mut pairs = Vec::new();
            for f in fields {
                let (k, v) = f
                    .split_once('=')
                    .with_context(|| t!(ctx.lang, "cli-not-name-value", text = f.as_str()))?;
                pairs.push((k.trim().to_string(), v.to_string()));
            }
            edit(&mut client, doc, vec![EditSpec::Add { list: list.to_string(), fields: pairs }], None)?;
        }
        DocCmd::Remove { doc, item } => {
            edit(&mut client, doc, vec![EditSpec::Remove { item: item.to_string() }], None)?;
        }
        DocCmd::Show { doc, markdown, at } => {
            let mut v = client.call(ctx, Request::DocShow { doc, at })?;
            if ctx.json {
                if let Some(m) = v.as_object_mut() {
                    m.remove("markdown");
                }
                return output::json(&v);
            }
            crate::output::write(
                format_args!("{}", v.get("markdown").and_then(Value::as_str).unwrap_or_default()),
                true,
            );
            let conflicts = v.get("conflicts").and_then(Value::as_array).cloned().unwrap_or_default();
            if !markdown && !conflicts.is_empty() {
                eprintln!("{}", t!(ctx.lang, "cli-conflicts", count = conflicts.len()));
                for c in conflicts {
                    eprintln!(
                        "  twin doc set {doc} {} VALUE",
                        c.get("path").and_then(Value::as_str).unwrap_or("")
                    );
                }
            }
        }
        DocCmd::History(a) => history::run(ctx, &mut client, a)?,
        DocCmd::Export { doc, output, format } => files::export(ctx, &mut client, doc, output, format)?,
        DocCmd::Import { file, space, plain: true, kind, title } => {
            files::import_plain(ctx, &mut client, file, space, kind, title)?
        }
        DocCmd::Import { file, space, plain: false, .. } => {
            files::import_signed(ctx, &mut client, file, space)?
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
        (None, _) => out!("{}", t!(ctx.lang, "cli-no-change")),
        (Some(_), Some((path, _))) => out!("{}", t!(ctx.lang, "cli-added-item", path = path.to_string())),
        (Some(h), None) => out!("{} ({})", out.message, short_hash(h)),
    }
    Ok(())
}

fn read_stdin(ctx: &Ctx) -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context(t!(ctx.lang, "cli-cannot-read-stdin"))?;
    Ok(s)
}

/// Writes to a temporary file beside `path`, then renames: a crash never leaves half a file.
pub(crate) fn write_atomically(ctx: &Ctx, path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes)
        .with_context(|| t!(ctx.lang, "cli-cannot-write", file = tmp.display().to_string()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| t!(ctx.lang, "cli-cannot-write", file = path.display().to_string()))?;
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
        return output::json(
            &rows.iter().map(|(p, t, l)| json!({"path": p, "type": t, "label": l})).collect::<Vec<_>>(),
        );
    }
    for (p, t, l) in rows {
        out!("{p:<40} {t:<30} {l}");
    }
    Ok(())
}
