//! The members of a space with their roles, and its membership log with each operation's
//! outcome, as `twin space members` and the UI's members page list them.

use twinmesh_protocol::{ids::SpaceId, keys::PublicKey, membership::OpBody};

use super::{LogEntry, MemberListed, Members};
use crate::{engine::Engine, error::NodeError, identity::peer_id};

/// Members with their roles, and the log with each operation's outcome.
pub(super) fn members(engine: &Engine, space: &SpaceId) -> Result<Members, NodeError> {
    let m = engine.membership(space)?;
    let names = engine.known_municipalities()?;
    let name_of =
        |k: &PublicKey| names.get(&k.to_bytes()).map(|p| p.name.clone()).unwrap_or_else(|| k.fmt_short());
    let members = m
        .members
        .values()
        .map(|x| MemberListed {
            id: peer_id(&x.key).to_string(),
            name: x.name.clone(),
            role: x.role,
            active: x.active,
            added_by: x.added_by.map(|k| name_of(&k)),
            added: x.added,
            added_utc: x.added.to_rfc3339(),
        })
        .collect();
    let log = m
        .log
        .iter()
        .map(|o| {
            let (what, who) = match &o.op.body {
                OpBody::Add { member, role, .. } => (format!("add as {role}"), member),
                OpBody::SetRole { member, role, .. } => (format!("set role {role}"), member),
                OpBody::Remove { member, .. } if *member == o.op.author => ("leave".to_string(), member),
                OpBody::Remove { member, .. } => ("remove".to_string(), member),
            };
            LogEntry {
                op: o.hash.clone(),
                by: name_of(&o.op.author),
                what,
                member: name_of(who),
                time_utc: o.op.time.to_rfc3339(),
                applied: o.rejected.is_none(),
                rejected_because: o.rejected.clone(),
            }
        })
        .collect();
    Ok(Members { space: *space, members, log })
}
