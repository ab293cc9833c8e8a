//! `twin doc ...`.

use std::{io::Read, path::PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use serde_json::Value;
use serde_json::json;
use twinmesh_node::{
    api::{EditSpec, ExportFormat, Request},
    engine::{DocInfo, EditOutcome, HistoryEntry, HistoryPage, ImportReport, PlainImport, SignatureStatus},
};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    schema::{DocKind, Field, FieldType, Path},
};

use crate::{
    Ctx,
    client::Client,
    output,
    progress::{self, Work},
};

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
    History {
        /// The document.
        doc: DocId,
        /// How many changes to read (1 to 1000).
        #[arg(long, default_value_t = twinmesh_node::engine::HISTORY_PAGE_DEFAULT)]
        limit: usize,
        /// Only changes before this one (a hash or unique prefix): the next older page.
        #[arg(long, value_name = "CHANGE")]
        before: Option<String>,
        /// One line per change instead of sittings.
        #[arg(long)]
        changes: bool,
        /// Only changes by this town: its name, PeerId or key.
        #[arg(long, value_name = "TOWN")]
        town: Option<String>,
        /// Only changes by this officer (any case; part of the name is enough).
        #[arg(long, value_name = "NAME")]
        by_officer: Option<String>,
        /// Only changes to this field or anything under it: `budget/lines`, `summary`.
        #[arg(long, value_name = "PATH")]
        field: Option<String>,
        /// Only changes on or after this day: 2027-04-30, or as you write dates (30.04.2027).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only changes on or before this day.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
    },
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
                out!("no documents yet: create one with `twin doc new SPACE --kind plan --title TITLE`");
            }
            for d in docs {
                out!(
                    "{}  {:<8}  {}  ({} changes, updated {})",
                    d.id,
                    d.meta.kind,
                    d.meta.title,
                    d.meta.changes,
                    d.meta.updated.to_rfc3339()
                );
            }
        }
        DocCmd::Set { doc, path, value, message } => {
            edit(&mut client, doc, vec![EditSpec::Set { path: path.to_string(), value }], message)?;
        }
        DocCmd::Text { doc, path, text, file, message } => {
            let text = match (text, file) {
                (Some(_), Some(_)) => anyhow::bail!("give the text or --file, not both"),
                (Some(t), None) => t,
                (None, Some(f)) if f.as_os_str() == "-" => read_stdin()?,
                (None, Some(f)) => {
                    std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?
                }
                (None, None) => read_stdin()?,
            };
            edit(&mut client, doc, vec![EditSpec::Text { path: path.to_string(), text }], message)?;
        }
        DocCmd::Add { doc, list, fields } => {
            let mut pairs = Vec::new();
            for f in fields {
                let (k, v) = f.split_once('=').with_context(|| format!("'{f}' is not name=value"))?;
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
                eprintln!("{} conflicting field(s): set each again to resolve:", conflicts.len());
                for c in conflicts {
                    eprintln!(
                        "  twin doc set {doc} {} VALUE",
                        c.get("path").and_then(Value::as_str).unwrap_or("")
                    );
                }
            }
        }
        DocCmd::History { doc, limit, before, changes, town, by_officer, field, since, until } => {
            let filtered = [&town, &by_officer, &field, &since, &until].iter().any(|f| f.is_some());
            let request = Request::DocSittings {
                doc,
                limit: Some(limit),
                before,
                town,
                by_officer,
                field,
                since,
                until,
                lang: Some(ctx.lang),
            };
            let page: HistoryPage = client.call_as(ctx, request)?;
            if ctx.json {
                return output::json(&page);
            }
            if changes {
                for e in &page.entries {
                    out!("{}", printable(&history_line(e)));
                }
            } else {
                for s in page.sittings.iter().flatten() {
                    out!("{}", printable(&s.text));
                    for item in &s.items {
                        out!("  {}", printable(&item.text));
                    }
                }
                let refused = page.entries.iter().filter(|e| !e.accepted).count();
                if refused > 0 {
                    let count = twinmesh_node::i18n::FluentValue::from(refused);
                    let d = twinmesh_node::i18n::FluentValue::from(doc.to_string());
                    out!(
                        "{}",
                        twinmesh_node::i18n::tr(
                            ctx.lang,
                            "history-refused-count",
                            &[("count", count), ("doc", d)]
                        )
                    );
                }
            }
            match &page.older {
                Some(older) if filtered => eprintln!(
                    "more changes may match: twin doc history {doc} --before {} with the same filters",
                    short_hash(older)
                ),
                Some(older) => eprintln!(
                    "{} older change(s) of {}: twin doc history {doc} --before {}",
                    page.total.saturating_sub(page.entries.len()),
                    page.total,
                    short_hash(older)
                ),
                None => {}
            }
        }
        DocCmd::Export { doc, output, format } => {
            let format = match format {
                Format::Signed => ExportFormat::Signed,
                Format::Automerge => ExportFormat::Automerge,
                Format::Ics => ExportFormat::Ics,
                Format::Csv => ExportFormat::Csv,
                Format::Docx => ExportFormat::Docx,
                Format::Odt => ExportFormat::Odt,
                Format::Pdf => ExportFormat::Pdf,
                Format::Xlsx => ExportFormat::Xlsx,
            };
            // The signed and Automerge files are the engine's own work, with a progress bar.
            let v = if matches!(format, ExportFormat::Signed | ExportFormat::Automerge) {
                progress::call(ctx, &mut client, Work::DocExport, Request::DocExport { doc, format })?
            } else {
                client.call(ctx, Request::DocExport { doc, format })?
            };
            let bytes = data_encoding::BASE64
                .decode(v.get("data").and_then(Value::as_str).unwrap_or_default().as_bytes())
                .context("the node sent a malformed export")?;
            write_atomically(&output, &bytes)?;
            let left_out = v.get("left_out").cloned().unwrap_or_else(|| json!([]));
            if ctx.json {
                return output::json(
                    &json!({"doc": doc.to_string(), "file": output, "bytes": bytes.len(), "left_out": left_out}),
                );
            }
            out!("wrote {} ({} bytes)", output.display(), bytes.len());
            for l in left_out.as_array().into_iter().flatten() {
                let field = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                eprintln!("left out {}: {} ({})", field("path"), field("value"), field("reason"));
            }
        }
        DocCmd::Import { file, space, plain: true, kind, title } => {
            let space = space.context("--plain needs --space: the space the new document goes into")?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let data = data_encoding::BASE64.encode(&bytes);
            let origin = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let request = Request::DocImportPlain { data, space, kind, title, origin };
            let report: PlainImport =
                serde_json::from_value(progress::call(ctx, &mut client, Work::DocImport, request)?)
                    .context("unexpected answer from the node")?;
            if ctx.json {
                return output::json(&report);
            }
            out!(
                "{} '{}' ({}): a new document from {} change(s) by {} author(s)",
                report.doc,
                report.title,
                report.kind,
                report.foreign_changes,
                report.foreign_actors
            );
            for l in &report.left_out {
                eprintln!("left out {}: {} ({})", l.path, l.value, l.reason);
            }
        }
        DocCmd::Import { file, space, plain: false, .. } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let data = data_encoding::BASE64.encode(&bytes);
            let request = Request::DocImport { data, space };
            let report: ImportReport =
                serde_json::from_value(progress::call(ctx, &mut client, Work::DocImport, request)?)
                    .context("unexpected answer from the node")?;
            if ctx.json {
                return output::json(&report);
            }
            out!(
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
        (None, _) => out!("no change"),
        (Some(_), Some((path, _))) => out!("added {path}"),
        (Some(h), None) => out!("{} ({})", out.message, short_hash(h)),
    }
    Ok(())
}

/// One line of `doc history`: hash, time, who, message, and the signature check, or first of
/// all that the change was refused (it is signed, yet not part of the document).
fn history_line(e: &HistoryEntry) -> String {
    let short = |k: &Option<String>| k.as_deref().map(|k| k[..10.min(k.len())].to_string());
    let who = match (&e.author, &e.officer) {
        (Some(a), Some(o)) => format!("{a} ({o})"),
        (Some(a), None) => a.clone(),
        (None, Some(o)) => format!("{} ({o})", short(&e.author_key).unwrap_or("unknown".into())),
        (None, None) => short(&e.author_key).unwrap_or("unknown".into()),
    };
    let sig = match e.signature {
        SignatureStatus::Verified => "signature ok",
        SignatureStatus::Missing => "UNSIGNED",
        SignatureStatus::Invalid => "BAD SIGNATURE",
    };
    let status = match (e.accepted, &e.refused_because) {
        (true, _) => format!("[{sig}]"),
        (false, why) => format!("[REFUSED: {}; {sig}]", why.as_deref().unwrap_or("not part of the document")),
    };
    format!(
        "{}  {}  {who}: {}  {status}",
        short_hash(&e.hash),
        e.time_utc,
        e.message.lines().next().unwrap_or("")
    )
}

/// `text` safe to print on a terminal: what a partner wrote (values, officer names, messages)
/// cannot move the cursor, clear the screen or start a new line that looks like another
/// entry; each control character shows as U+FFFD.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect()
}

/// A change hash as people see it: 12 hex digits, which `--at` and `--before` accept (any unique
/// prefix of at least 8 does).
fn short_hash(h: &str) -> &str {
    &h[..12.min(h.len())]
}

fn read_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("cannot read the text from standard input")?;
    Ok(s)
}

/// Writes to a temporary file beside `path`, then renames: a crash never leaves half a file.
pub(crate) fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
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
        return output::json(
            &rows.iter().map(|(p, t, l)| json!({"path": p, "type": t, "label": l})).collect::<Vec<_>>(),
        );
    }
    for (p, t, l) in rows {
        out!("{p:<40} {t:<30} {l}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use twinmesh_protocol::time::Timestamp;

    use super::*;

    fn entry(accepted: bool) -> HistoryEntry {
        HistoryEntry {
            hash: "505231a9344d".repeat(5) + "abcd",
            author_key: None,
            author_id: None,
            author: Some("Warstein".into()),
            officer: Some("J. Becker".into()),
            time: Timestamp(0),
            time_utc: "2026-01-01T00:00:00Z".into(),
            message: "budget/lines/0/amount: '1.00 EUR' -> '2.00 EUR'".into(),
            seq: 2,
            signature: SignatureStatus::Verified,
            accepted,
            refused_because: (!accepted).then(|| "the author may not write to this space".into()),
            items: Vec::new(),
        }
    }

    #[test]
    fn what_a_partner_wrote_cannot_steer_the_terminal() {
        assert_eq!(printable("Budget \u{1b}[2J · A\nB\r"), "Budget \u{FFFD}[2J · A\u{FFFD}B\u{FFFD}");
        assert_eq!(
            printable("Budgetposten 1 · Betrag: 4.200,00\u{a0}€"),
            "Budgetposten 1 · Betrag: 4.200,00\u{a0}€"
        );
    }

    #[test]
    fn a_refused_change_is_marked_refused_not_just_signature_ok() {
        let line = history_line(&entry(false));
        assert!(line.contains("[REFUSED: the author may not write to this space; signature ok]"), "{line}");
        let line = history_line(&entry(true));
        assert!(line.ends_with("[signature ok]") && line.starts_with("505231a9344d  "), "{line}");
    }
}
