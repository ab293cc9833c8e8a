//! `twin space ...`.

use clap::Subcommand;
use serde_json::Value;
use twinmesh_node::{api::Request, engine::SpaceInfo};
use twinmesh_protocol::{ids::SpaceId, membership::Role};

use crate::{Ctx, output};
use twinmesh_node::t;

#[derive(Debug, Subcommand)]
pub(crate) enum SpaceCmd {
    /// What the attachments of a space take on this node, and its cap: adding beyond the cap
    /// is refused and fetching stops at it.
    Storage {
        /// The space.
        space: SpaceId,
        /// A new cap (e.g. 2GB, 500MB; `none` lifts it).
        #[arg(long, value_name = "SIZE")]
        cap: Option<String>,
    },
    /// Found a partnership space, with this municipality as founder. Prints its id.
    Create {
        /// The partnership's name, e.g. "Keighley – Poix-du-Nord".
        name: String,
    },
    /// List the spaces this node belongs to.
    List,
    /// Add a partner municipality directly by its id (from its `twin id`); admins only.
    /// `twin space invite` is the way when you cannot exchange ids.
    Add {
        /// The space.
        space: SpaceId,
        /// The partner's id (PeerId, 12D3KooW...).
        member: String,
        /// The partner's name, shown until its node introduces itself.
        #[arg(long)]
        name: Option<String>,
        /// Its role: viewer, editor or admin.
        #[arg(long, default_value = "editor")]
        role: Role,
    },
    /// The municipalities of a space, their roles, and the membership log.
    Members {
        /// The space.
        space: SpaceId,
    },
    /// Issue a one-time invitation ticket (admins only; needs the running node, whose
    /// addresses go into the ticket).
    Invite {
        /// The space.
        space: SpaceId,
        /// The role the invited town gets.
        #[arg(long, default_value = "editor")]
        role: Role,
        /// How long the ticket is valid: e.g. 7d, 12h, 30m.
        #[arg(long, default_value = "7d", value_parser = parse_duration_secs)]
        expires: u64,
        /// Also draw the ticket as a QR code, for a partner to scan from the screen.
        #[arg(long)]
        qr: bool,
    },
    /// Join a space with a ticket from `twin space invite` (needs the running node: it dials
    /// the inviting town).
    Join {
        /// The ticket text (twinmesh:...).
        ticket: String,
    },
    /// Change a member's role (admins only).
    Role {
        /// The space.
        space: SpaceId,
        /// The member: its id or its name.
        member: String,
        /// viewer, editor or admin.
        role: Role,
    },
    /// Remove a member (admins only). Its changes up to now stay; later ones are refused.
    Remove {
        /// The space.
        space: SpaceId,
        /// The member: its id or its name.
        member: String,
    },
    /// Leave a space.
    Leave {
        /// The space.
        space: SpaceId,
    },
}

/// Parses `7d`, `12h`, `30m`, `90s` into seconds. (clap calls it before the language is
/// known, so its errors are in the language of the environment.)
fn parse_duration_secs(s: &str) -> Result<u64, String> {
    let lang = twinmesh_node::i18n::Lang::from_env();
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let bad = || t!(lang, "cli-bad-duration", text = s);
    let n: u64 = num.parse().map_err(|_| bad())?;
    let mult = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" | "" => 1,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).filter(|v| *v > 0).ok_or_else(|| t!(lang, "cli-unusable-duration", text = s))
}

pub(crate) fn run(ctx: &Ctx, c: SpaceCmd) -> anyhow::Result<()> {
    let mut client = super::connect(ctx)?;
    match c {
        SpaceCmd::Storage { space, cap } => super::attach::storage(ctx, &mut client, space, cap)?,
        SpaceCmd::Create { name } => {
            let v = client.call(ctx, Request::SpaceCreate { name })?;
            if ctx.json {
                return output::json(&v);
            }
            out!("{}", v.get("id").and_then(Value::as_str).unwrap_or_default());
        }
        SpaceCmd::List => {
            let v = client.call(ctx, Request::SpaceList)?;
            if ctx.json {
                return output::json(&v);
            }
            let spaces: Vec<SpaceInfo> = serde_json::from_value(v.clone())?;
            if spaces.is_empty() {
                out!("{}", t!(ctx.lang, "cli-no-spaces"));
            }
            for (i, s) in spaces.iter().enumerate() {
                let used = v[i]["attachments"]["used"].as_u64().unwrap_or(0);
                let files = if used > 0 {
                    t!(ctx.lang, "cli-space-attachments", size = twinmesh_node::locale::bytes(ctx.lang, used))
                } else {
                    String::new()
                };
                out!(
                    "{}",
                    t!(
                        ctx.lang,
                        "cli-space-line",
                        id = s.id.to_string(),
                        name = s.name.as_str(),
                        founder = s.founder.name.as_str(),
                        documents = s.documents,
                        files = files
                    )
                );
            }
        }
        SpaceCmd::Add { space, member, name, role } => {
            let v = client
                .call(ctx, Request::SpaceAdd { space, member: member.clone(), name, role: Some(role) })?;
            if ctx.json {
                return output::json(&v);
            }
            out!(
                "{}",
                t!(
                    ctx.lang,
                    "cli-member-added",
                    member = member,
                    space = space.to_string(),
                    role = role.to_string()
                )
            );
        }
        SpaceCmd::Members { space } => {
            let v = client.call(ctx, Request::SpaceMembers { space })?;
            if ctx.json {
                return output::json(&v);
            }
            let s = |m: &Value, k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            for m in v["members"].as_array().into_iter().flatten() {
                let active = m.get("active").and_then(Value::as_bool).unwrap_or(false);
                out!(
                    "{}  {:<7} {:<24} {}",
                    s(m, "id"),
                    s(m, "role"),
                    s(m, "name"),
                    if active {
                        t!(ctx.lang, "cli-member-since", when = s(m, "added_utc"))
                    } else {
                        t!(ctx.lang, "cli-member-gone")
                    }
                );
            }
            out!("{}", t!(ctx.lang, "cli-members-log"));
            for o in v["log"].as_array().into_iter().flatten() {
                let applied = o.get("applied").and_then(Value::as_bool).unwrap_or(false);
                out!(
                    "  {}  {} {}: {}{}",
                    s(o, "time_utc"),
                    s(o, "by"),
                    s(o, "what"),
                    s(o, "member"),
                    if applied {
                        String::new()
                    } else {
                        format!("  [{}]", t!(ctx.lang, "cli-log-rejected", reason = s(o, "rejected_because")))
                    }
                );
            }
        }
        SpaceCmd::Invite { space, role, expires, qr } => {
            let v = client.call(ctx, Request::SpaceInvite { space, role, valid_secs: Some(expires) })?;
            if ctx.json {
                return output::json(&v);
            }
            let ticket = s_of(&v, "ticket");
            if qr && let Some(code) = twinmesh_node::qr::terminal(&ticket) {
                out!("{code}");
            }
            out!("{ticket}");
        }
        SpaceCmd::Join { ticket } => {
            let v = client.call(ctx, Request::SpaceJoin { ticket })?;
            if ctx.json {
                return output::json(&v);
            }
            out!("{}", t!(ctx.lang, "cli-joined", space = s_of(&v, "space")));
        }
        SpaceCmd::Role { space, member, role } => {
            let v = client.call(ctx, Request::SpaceRole { space, member, role })?;
            if ctx.json {
                return output::json(&v);
            }
            out!("{}", t!(ctx.lang, "cli-role-now", member = s_of(&v, "member"), role = role.to_string()));
        }
        SpaceCmd::Remove { space, member } => {
            let v = client.call(ctx, Request::SpaceRemove { space, member })?;
            if ctx.json {
                return output::json(&v);
            }
            out!("{}", t!(ctx.lang, "cli-member-removed", member = s_of(&v, "member")));
        }
        SpaceCmd::Leave { space } => {
            let v = client.call(ctx, Request::SpaceLeave { space })?;
            if ctx.json {
                return output::json(&v);
            }
            out!("{}", t!(ctx.lang, "cli-left", space = space.to_string()));
        }
    }
    Ok(())
}

fn s_of(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}
