//! `twin bundle export|import`: sync by a file carried between towns.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use serde_json::{Value, json};
use twinmesh_node::{api::Request, t};
use twinmesh_protocol::ids::SpaceId;

use crate::{
    Ctx, output,
    progress::{self, Work},
};

#[derive(Debug, Subcommand)]
pub(crate) enum BundleCmd {
    /// Write a file of signed changes of a space's documents, to carry to a partner.
    Export {
        /// The space.
        space: SpaceId,
        /// Only what this partner (id or name) lacks, as of the last sync with it.
        #[arg(long = "for", value_name = "PARTNER")]
        partner: Option<String>,
        /// The file to write.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Import a bundle: every change is verified as if it came over the network, every document
    /// must name the bundle's space, and this town must be a member of that space (a viewer for
    /// a read-only copy); if anything fails, nothing is applied.
    Import {
        /// The bundle file.
        file: PathBuf,
    },
}

pub(crate) fn run(ctx: &Ctx, c: BundleCmd) -> anyhow::Result<()> {
    let mut client = super::connect(ctx)?;
    match c {
        BundleCmd::Export { space, partner, output } => {
            let v = progress::call(
                ctx,
                &mut client,
                Work::BundleExport,
                Request::BundleExport { space, partner },
            )?;
            let bytes = data_encoding::BASE64
                .decode(v.get("data").and_then(Value::as_str).unwrap_or_default().as_bytes())
                .context(t!(ctx.lang, "cli-bad-answer"))?;
            super::doc::write_atomically(ctx, &output, &bytes)?;
            let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
            if ctx.json {
                return output::json(&json!({
                    "file": output,
                    "bytes": bytes.len(),
                    "documents": n("documents"),
                    "changes": n("changes"),
                    "incremental": v.get("incremental").cloned().unwrap_or(Value::Null),
                }));
            }
            out!(
                "{}",
                t!(
                    ctx.lang,
                    "cli-bundle-written",
                    file = output.display().to_string(),
                    documents = n("documents"),
                    changes = n("changes"),
                    size = twinmesh_node::locale::bytes(ctx.lang, bytes.len() as u64)
                )
            );
        }
        BundleCmd::Import { file } => {
            let bytes = std::fs::read(&file)
                .with_context(|| t!(ctx.lang, "cli-cannot-read", file = file.display().to_string()))?;
            let request = Request::BundleImport { data: data_encoding::BASE64.encode(&bytes) };
            let v = progress::call(ctx, &mut client, Work::BundleImport, request)?;
            if ctx.json {
                return output::json(&v);
            }
            let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
            let waiting = match n("changes_waiting") {
                0 => String::new(),
                w => t!(ctx.lang, "cli-bundle-waiting", count = w),
            };
            out!(
                "{}{waiting}",
                t!(
                    ctx.lang,
                    "cli-bundle-imported",
                    added = n("changes_added"),
                    total = n("changes_in_bundle"),
                    documents = n("documents"),
                    new = n("new_documents")
                )
            );
        }
    }
    Ok(())
}
