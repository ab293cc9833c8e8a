//! `twin space ...`.

use clap::Subcommand;
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
}

pub(crate) fn run(ctx: &Ctx, c: SpaceCmd) -> anyhow::Result<()> {
    let mut engine = super::open(ctx)?;
    match c {
        SpaceCmd::Create { name } => {
            let info = engine.create_space(&name)?;
            if ctx.json {
                output::json(&info)
            } else {
                println!("{}", info.id);
                Ok(())
            }
        }
        SpaceCmd::List => {
            let spaces = engine.spaces()?;
            if ctx.json {
                return output::json(&spaces);
            }
            if spaces.is_empty() {
                println!("no spaces yet: create one with `twin space create NAME`");
            }
            for s in spaces {
                println!(
                    "{}  {}  (founded by {}, {} document(s))",
                    s.id,
                    s.name,
                    s.founder.name,
                    s.documents
                );
            }
            Ok(())
        }
    }
}
