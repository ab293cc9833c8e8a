//! `twin doc export` and `twin doc import`: a document to and from a file.

use std::path::PathBuf;

use anyhow::Context as _;
use serde_json::{Value, json};
use twinmesh_node::{
    api::{ExportFormat, Request},
    engine::{ImportReport, PlainImport},
    i18n::FluentValue,
    t,
};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    schema::DocKind,
};

use super::{Format, write_atomically};
use crate::{
    Ctx,
    client::Client,
    output,
    progress::{self, Work},
};

/// `twin doc export`: the document in `format`, written atomically to `output`.
pub(super) fn export(
    ctx: &Ctx,
    client: &mut Client,
    doc: DocId,
    output: PathBuf,
    format: Format,
) -> anyhow::Result<()> {
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
        progress::call(ctx, client, Work::DocExport, Request::DocExport { doc, format })?
    } else {
        client.call(ctx, Request::DocExport { doc, format })?
    };
    let bytes = data_encoding::BASE64
        .decode(v.get("data").and_then(Value::as_str).unwrap_or_default().as_bytes())
        .context(t!(ctx.lang, "cli-bad-answer"))?;
    write_atomically(ctx, &output, &bytes)?;
    let left_out = v.get("left_out").cloned().unwrap_or_else(|| json!([]));
    if ctx.json {
        return output::json(
            &json!({"doc": doc.to_string(), "file": output, "bytes": bytes.len(), "left_out": left_out}),
        );
    }
    let size = twinmesh_node::locale::bytes(ctx.lang, bytes.len() as u64);
    out!("{}", t!(ctx.lang, "cli-file-written", file = output.display().to_string(), size = size));
    for l in left_out.as_array().into_iter().flatten() {
        let field = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        eprintln!("{}", left_out_line(ctx, &field("path"), &field("value"), &field("reason")));
    }
    Ok(())
}

/// `twin doc import --plain`: a plain Automerge document becomes a new document signed here.
pub(super) fn import_plain(
    ctx: &Ctx,
    client: &mut Client,
    file: PathBuf,
    space: Option<SpaceId>,
    kind: Option<DocKind>,
    title: Option<String>,
) -> anyhow::Result<()> {
    let space = space.context(t!(ctx.lang, "cli-plain-needs-space"))?;
    let bytes = std::fs::read(&file)
        .with_context(|| t!(ctx.lang, "cli-cannot-read", file = file.display().to_string()))?;
    let data = data_encoding::BASE64.encode(&bytes);
    let origin = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let request = Request::DocImportPlain { data, space, kind, title, origin };
    let report: PlainImport = serde_json::from_value(progress::call(ctx, client, Work::DocImport, request)?)
        .context(t!(ctx.lang, "cli-bad-answer"))?;
    if ctx.json {
        return output::json(&report);
    }
    out!(
        "{}",
        t!(
            ctx.lang,
            "cli-plain-imported",
            doc = report.doc.to_string(),
            title = report.title.as_str(),
            kind = report.kind.to_string(),
            changes = report.foreign_changes,
            authors = report.foreign_actors
        )
    );
    for l in &report.left_out {
        eprintln!("{}", left_out_line(ctx, &l.path, &l.value, &l.reason));
    }
    Ok(())
}

/// `twin doc import`: a signed export file, every signature checked.
pub(super) fn import_signed(
    ctx: &Ctx,
    client: &mut Client,
    file: PathBuf,
    space: Option<SpaceId>,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(&file)
        .with_context(|| t!(ctx.lang, "cli-cannot-read", file = file.display().to_string()))?;
    let data = data_encoding::BASE64.encode(&bytes);
    let request = Request::DocImport { data, space };
    let report: ImportReport = serde_json::from_value(progress::call(ctx, client, Work::DocImport, request)?)
        .context(t!(ctx.lang, "cli-bad-answer"))?;
    if ctx.json {
        return output::json(&report);
    }
    let key = if report.new_document { "cli-doc-imported-new" } else { "cli-doc-imported" };
    let args = [
        ("doc", FluentValue::from(report.doc.to_string())),
        ("title", FluentValue::from(report.title.as_str())),
        ("added", FluentValue::from(report.changes_added)),
        ("total", FluentValue::from(report.changes_in_file)),
    ];
    out!("{}", twinmesh_node::i18n::tr(ctx.lang, key, &args));
    Ok(())
}

/// A value an export or import could not hold, for standard error.
fn left_out_line(ctx: &Ctx, path: &str, value: &str, reason: &str) -> String {
    t!(ctx.lang, "cli-left-out", path = path, value = value, reason = reason)
}
