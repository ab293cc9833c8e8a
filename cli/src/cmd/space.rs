//! `twin space ...`.

use clap::Subcommand;
use serde_json::Value;
use twinmesh_node::{api::Request, engine::SpaceInfo};
use twinmesh_protocol::ids::SpaceId;

use crate::{Ctx, output};

#[derive(Debug, Subcommand)]
pub(crate) enum SpaceCmd {
    /// Found a partnership space, with this municipality as founder. Prints its id.
    Create {
        /// The partnership's name, e.g. "Keighley – Poix-du-Nord".
        name: String,
    },
    /// List the spaces this node belongs to.
    List,
    /// Add a partner municipality to a space you founded (by its id, from its `twin id`).
    Add {
        /// The space.
        space: SpaceId,
        /// The partner's id (PeerId, 12D3KooW...).
        member: String,
        /// The partner's name, shown until its node introduces itself.
        #[arg(long)]
        name: Option<String>,
    },
    /// The municipalities of a space.
    Members {
        /// The space.
        space: SpaceId,
    },
}

pub(crate) fn run(ctx: &Ctx, c: SpaceCmd) -> anyhow::Result<()> {
    let mut client = super::connect(ctx)?;
    match c {
        SpaceCmd::Create { name } => {
            let v = client.call(ctx, Request::SpaceCreate { name })?;
            if ctx.json {
                return output::json(&v);
            }
            println!("{}", v.get("id").and_then(Value::as_str).unwrap_or_default());
        }
        SpaceCmd::List => {
            let spaces: Vec<SpaceInfo> = client.call_as(ctx, Request::SpaceList)?;
            if ctx.json {
                return output::json(&spaces);
            }
            if spaces.is_empty() {
                println!("no spaces yet: create one with `twin space create NAME`");
            }
            for s in spaces {
                println!(
                    "{}  {}  (founded by {}, {} document(s))",
                    s.id, s.name, s.founder.name, s.documents
                );
            }
        }
        SpaceCmd::Add { space, member, name } => {
            let v = client.call(ctx, Request::SpaceAdd { space, member: member.clone(), name })?;
            if ctx.json {
                return output::json(&v);
            }
            println!("added {member} to {space}");
        }
        SpaceCmd::Members { space } => {
            let v = client.call(ctx, Request::SpaceMembers { space })?;
            if ctx.json {
                return output::json(&v);
            }
            for m in v.as_array().into_iter().flatten() {
                let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                println!("{}  {:<8} {}", s("id"), s("role"), s("name"));
            }
        }
    }
    Ok(())
}
