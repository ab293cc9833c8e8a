//! `twin doc version | versions | compare | restore | request-approval | approve | approvals`:
//! named versions of a document and the partner towns' approvals of them.

use clap::Subcommand;
use serde_json::{Value, json};
use twinmesh_node::{
    api::Request,
    engine::{Decision, EditOutcome, FieldItem, VersionInfo},
    i18n::FluentValue,
};
use twinmesh_protocol::ids::DocId;

use crate::{Ctx, client::Client, output};
use twinmesh_node::t;

#[derive(Debug, Subcommand)]
pub(crate) enum VersionCmd {
    /// Name the document's current state as a version ("submitted to EACEA 2027-02-12"): a
    /// record of its exact heads, signed by this town. Prints the version's id.
    Version {
        /// The document.
        doc: DocId,
        /// The version's name.
        name: String,
    },
    /// The document's named versions: approved by how many towns, and whether the document
    /// changed since.
    Versions {
        /// The document.
        doc: DocId,
    },
    /// What differs between two versions, field by field (TO: a version, or the current
    /// content when left out).
    Compare {
        /// The document.
        doc: DocId,
        /// A version's id or name.
        from: String,
        /// A version's id or name; the current content by default.
        to: Option<String>,
    },
    /// Bring the document's content back to a version's, as one new signed change (the
    /// history keeps everything).
    Restore {
        /// The document.
        doc: DocId,
        /// The version's id or name.
        #[arg(value_name = "VERSION")]
        which: String,
    },
    /// Ask every partner town to decide on a version (admins only).
    RequestApproval {
        /// The document.
        doc: DocId,
        /// The version's id or name.
        #[arg(value_name = "VERSION")]
        which: String,
    },
    /// Record this town's council decision on a version, signed by this town over the
    /// document and the version's exact heads.
    Approve {
        /// The document.
        doc: DocId,
        /// The version's id or name.
        #[arg(value_name = "VERSION")]
        which: String,
        /// The council decision's reference ("Délibération 2027-014").
        #[arg(long)]
        reference: String,
        /// The council decision's date (2027-02-10, or as you write dates).
        #[arg(long)]
        date: String,
        /// The council rejected the version.
        #[arg(long)]
        reject: bool,
    },
    /// Every town's decision on the document's versions (or on one version).
    Approvals {
        /// The document.
        doc: DocId,
        /// Only this version (id or name).
        #[arg(value_name = "VERSION")]
        which: Option<String>,
    },
}

fn tr(ctx: &Ctx, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    twinmesh_node::i18n::tr(ctx.lang, key, args)
}

/// One line about a version, in the user's language: id, name, approval status, changed since.
fn summary(ctx: &Ctx, v: &VersionInfo) -> String {
    let mut line = tr(
        ctx,
        "version-line",
        &[
            ("id", v.id.as_str().into()),
            ("name", v.name.as_str().into()),
            ("approved", v.approved.into()),
            ("towns", v.towns.into()),
        ],
    );
    if v.rejected > 0 {
        line.push_str(&tr(ctx, "version-line-rejected", &[("count", v.rejected.into())]));
    }
    if v.changed_since {
        line.push_str("  ");
        line.push_str(&tr(ctx, "version-line-changed", &[("count", v.changes_since.len().into())]));
    }
    line
}

/// Each town's decision, with the council decision's date as the user writes dates.
fn decisions(ctx: &Ctx, v: &VersionInfo) {
    let style = twinmesh_node::locale::style(ctx.lang);
    for d in &v.decisions {
        let key = match d.decision {
            Decision::Approved => "version-decision-approved",
            Decision::Rejected => "version-decision-rejected",
        };
        let date = twinmesh_protocol::locale::format_date(&style, &d.date);
        let line = tr(
            ctx,
            key,
            &[
                ("town", d.town_name.as_str().into()),
                ("reference", d.reference.as_str().into()),
                ("date", date.into()),
            ],
        );
        let officer = d.officer.as_deref().map(|o| format!(" ({o})")).unwrap_or_default();
        out!("  {line}{officer}");
    }
    if !v.pending.is_empty() {
        out!("  {}", tr(ctx, "version-waiting", &[("towns", v.pending.join(", ").into())]));
    }
}

fn items(list: &[FieldItem]) {
    for i in list {
        out!("  {}", i.text);
    }
}

pub(crate) fn run(ctx: &Ctx, client: &mut Client, c: VersionCmd) -> anyhow::Result<()> {
    let lang = Some(ctx.lang);
    match c {
        VersionCmd::Version { doc, name } => {
            let v: VersionInfo = client.call_as(ctx, Request::DocVersionName { doc, name })?;
            if ctx.json {
                return output::json(&v);
            }
            out!("{}", v.id);
        }
        VersionCmd::Versions { doc } => {
            let v = client.call(ctx, Request::DocVersions { doc, lang })?;
            if ctx.json {
                return output::json(&v);
            }
            let list: Vec<VersionInfo> = serde_json::from_value(v["versions"].clone())?;
            if list.is_empty() {
                out!("{}", tr(ctx, "version-none", &[("doc", doc.to_string().into())]));
            }
            for v in &list {
                out!("{}", summary(ctx, v));
            }
        }
        VersionCmd::Compare { doc, from, to } => {
            let v = client.call(ctx, Request::DocCompare { doc, from, to, lang })?;
            if ctx.json {
                return output::json(&v);
            }
            let changes: Vec<FieldItem> = serde_json::from_value(v["changes"].clone())?;
            if changes.is_empty() {
                out!("{}", tr(ctx, "version-no-differences", &[]));
            }
            items(&changes);
        }
        VersionCmd::Restore { doc, which: version } => {
            let out: EditOutcome = client.call_as(ctx, Request::DocRestore { doc, version })?;
            if ctx.json {
                return output::json(&out);
            }
            match out.change {
                Some(h) => out!("{} ({})", out.message, &h[..12.min(h.len())]),
                None => out!("{}", tr(ctx, "version-nothing-to-restore", &[])),
            }
        }
        VersionCmd::RequestApproval { doc, which: version } => {
            let v: VersionInfo = client.call_as(ctx, Request::DocRequestApproval { doc, version })?;
            if ctx.json {
                return output::json(&v);
            }
            out!("{}", summary(ctx, &v));
            decisions(ctx, &v);
        }
        VersionCmd::Approve { doc, which: version, reference, date, reject } => {
            let decision = if reject { Decision::Rejected } else { Decision::Approved };
            let v: VersionInfo =
                client.call_as(ctx, Request::DocApprove { doc, version, decision, reference, date })?;
            if ctx.json {
                return output::json(&v);
            }
            out!("{}", summary(ctx, &v));
        }
        VersionCmd::Approvals { doc, which: version } => {
            let v = client.call(ctx, Request::DocVersions { doc, lang })?;
            let mut list: Vec<VersionInfo> = serde_json::from_value(v["versions"].clone())?;
            if let Some(which) = &version {
                list.retain(|v| &v.id == which || &v.name == which);
                anyhow::ensure!(
                    !list.is_empty(),
                    t!(ctx.lang, "cli-no-such-version", version = which.as_str())
                );
            }
            if ctx.json {
                let out: Vec<Value> = list
                    .iter()
                    .map(|v| {
                        json!({"version": v.id, "name": v.name, "approved": v.approved, "rejected": v.rejected,
                            "towns": v.towns, "approved_by_all": v.approved_by_all, "pending": v.pending,
                            "changed_since": v.changed_since, "decisions": v.decisions})
                    })
                    .collect();
                return output::json(&json!({"doc": doc, "versions": out}));
            }
            for v in &list {
                out!("{}", summary(ctx, v));
                decisions(ctx, v);
                if v.changed_since {
                    out!("  {}", tr(ctx, "version-changed-list", &[]));
                    items(&v.changes_since);
                }
            }
        }
    }
    Ok(())
}
