//! The request/response API every front end uses: the CLI (directly on the store, or over HTTP
//! to a running node) and the local HTTP API. One enum, one handler, so the two paths cannot
//! drift apart.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use twinmesh_protocol::{
    ChangeHash,
    ids::{DocId, SpaceId},
    membership::Role,
    schema::{DocKind, Path},
};

use crate::{
    engine::{Edit, Engine},
    error::NodeError,
    identity::{key_from_peer_id, peer_id},
    render,
};

/// One edit, as sent over the API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EditSpec {
    /// Set a scalar field.
    Set {
        /// Field path.
        path: String,
        /// Value as text, parsed by the field's type.
        value: String,
    },
    /// Replace a text field's content (computed as splices).
    Text {
        /// Field path.
        path: String,
        /// New content.
        text: String,
    },
    /// Append a record to a list.
    Add {
        /// List path.
        list: String,
        /// Fields to set, as (name, value).
        #[serde(default)]
        fields: Vec<(String, String)>,
    },
    /// Remove a list record.
    Remove {
        /// Record path.
        item: String,
    },
}

impl EditSpec {
    fn into_edit(self) -> Result<Edit, NodeError> {
        Ok(match self {
            Self::Set { path, value } => Edit::Set { path: path.parse::<Path>()?, value },
            Self::Text { path, text } => Edit::Text { path: path.parse::<Path>()?, text },
            Self::Add { list, fields } => Edit::Add { list: list.parse::<Path>()?, fields },
            Self::Remove { item } => Edit::Remove { item: item.parse::<Path>()? },
        })
    }
}

/// A request to a node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    /// This node's identity.
    Id,
    /// Found a space.
    SpaceCreate {
        /// Its name.
        name: String,
    },
    /// List spaces.
    SpaceList,
    /// An admin adds a partner municipality (by PeerId) to a space.
    SpaceAdd {
        /// The space.
        space: SpaceId,
        /// The partner's PeerId.
        member: String,
        /// The partner's name, for display until its node introduces itself.
        #[serde(default)]
        name: Option<String>,
        /// Its role (default editor).
        #[serde(default)]
        role: Option<Role>,
    },
    /// Members of a space with their roles, and the membership log.
    SpaceMembers {
        /// The space.
        space: SpaceId,
    },
    /// An admin changes a member's role.
    SpaceRole {
        /// The space.
        space: SpaceId,
        /// The member (PeerId or name).
        member: String,
        /// The new role.
        role: Role,
    },
    /// An admin removes a member.
    SpaceRemove {
        /// The space.
        space: SpaceId,
        /// The member (PeerId or name).
        member: String,
    },
    /// This town leaves a space.
    SpaceLeave {
        /// The space.
        space: SpaceId,
    },
    /// An admin issues a one-time invitation ticket.
    SpaceInvite {
        /// The space.
        space: SpaceId,
        /// The role the invited town gets.
        role: Role,
        /// Validity in seconds (default 7 days).
        #[serde(default)]
        valid_secs: Option<u64>,
    },
    /// Join a space with a ticket (running node only: it dials the inviter).
    SpaceJoin {
        /// The ticket text.
        ticket: String,
    },
    /// Create a document.
    DocNew {
        /// Its space.
        space: SpaceId,
        /// Its kind.
        kind: DocKind,
        /// Its title.
        title: String,
    },
    /// List documents.
    DocList {
        /// Only this space.
        #[serde(default)]
        space: Option<SpaceId>,
    },
    /// Apply edits as one signed change.
    DocEdit {
        /// The document.
        doc: DocId,
        /// The edits, applied all or nothing.
        edits: Vec<EditSpec>,
        /// A message for the history instead of the generated summary.
        #[serde(default)]
        message: Option<String>,
    },
    /// A document's content, conflicts and Markdown rendering.
    DocShow {
        /// The document.
        doc: DocId,
        /// Show it as it was at this change.
        #[serde(default)]
        at: Option<String>,
    },
    /// A document's history.
    DocHistory {
        /// The document.
        doc: DocId,
    },
    /// An export file (base64 in `data`).
    DocExport {
        /// The document.
        doc: DocId,
    },
    /// Import an export file (base64).
    DocImport {
        /// The file content, base64.
        data: String,
        /// Expected space.
        #[serde(default)]
        space: Option<SpaceId>,
    },
    /// A bundle of a space's signed changes (base64 in `data`).
    BundleExport {
        /// The space.
        space: SpaceId,
        /// Only what this partner (PeerId or member name) lacks, as of the last sync with it.
        #[serde(default)]
        partner: Option<String>,
    },
    /// Import a bundle (base64).
    BundleImport {
        /// The file content, base64.
        data: String,
    },
    /// Network status: addresses, reachability, relay reservations (running node only).
    Status,
    /// Connected and known partners (running node only).
    Peers,
    /// Connect to a partner's node (running node only).
    Dial {
        /// Its multiaddr.
        addr: String,
    },
    /// Sync now with connected partners (running node only).
    Sync {
        /// Only this document.
        #[serde(default)]
        doc: Option<DocId>,
    },
}

impl Request {
    /// True for requests only a running node can answer.
    pub fn needs_network(&self) -> bool {
        matches!(
            self,
            Self::Peers
                | Self::Status
                | Self::Dial { .. }
                | Self::Sync { .. }
                | Self::SpaceJoin { .. }
                | Self::SpaceInvite { .. }
        )
    }

    /// The document or space a successful request changed, for announcing to partners.
    pub fn changes_doc(&self) -> Option<DocId> {
        match self {
            Self::DocEdit { doc, .. } => Some(*doc),
            _ => None,
        }
    }
}

/// A request with the officer who makes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// The officer, recorded in the history of changes this request makes.
    #[serde(default)]
    pub officer: Option<String>,
    /// The request.
    #[serde(flatten)]
    pub request: Request,
}

fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Finds a member by PeerId, or by its exact (case-insensitive) name.
fn find_member(
    engine: &Engine,
    space: &SpaceId,
    who: &str,
) -> Result<twinmesh_protocol::keys::PublicKey, NodeError> {
    if let Ok(k) = key_from_peer_id(who) {
        return Ok(k);
    }
    let m = engine.membership(space)?;
    let found: Vec<_> = m.members.values().filter(|x| x.name.eq_ignore_ascii_case(who.trim())).collect();
    match found.as_slice() {
        [one] => Ok(one.key),
        [] => Err(NodeError::InvalidInput(format!(
            "no member '{who}' in this space (see `twin space members`)"
        ))),
        _ => Err(NodeError::InvalidInput(format!("several members are named '{who}': use the id"))),
    }
}

/// Members with their roles, and the log with each operation's outcome.
pub fn members_json(engine: &Engine, space: &SpaceId) -> Result<Value, NodeError> {
    let m = engine.membership(space)?;
    let names = engine.known_municipalities()?;
    let name_of = |k: &twinmesh_protocol::keys::PublicKey| {
        names.get(&k.to_bytes()).map(|p| p.name.clone()).unwrap_or_else(|| k.fmt_short())
    };
    let members: Vec<Value> = m
        .members
        .values()
        .map(|x| {
            json!({
                "id": peer_id(&x.key).to_string(),
                "name": x.name,
                "role": x.role,
                "active": x.active,
                "added_by": x.added_by.map(|k| name_of(&k)),
                "added": x.added,
                "added_utc": x.added.to_rfc3339(),
            })
        })
        .collect();
    let log: Vec<Value> = m
        .log
        .iter()
        .map(|o| {
            let (what, who) = match &o.op.body {
                twinmesh_protocol::membership::OpBody::Add { member, role, .. } => {
                    (format!("add as {role}"), member)
                }
                twinmesh_protocol::membership::OpBody::SetRole { member, role, .. } => {
                    (format!("set role {role}"), member)
                }
                twinmesh_protocol::membership::OpBody::Remove { member, .. } if *member == o.op.author => {
                    ("leave".to_string(), member)
                }
                twinmesh_protocol::membership::OpBody::Remove { member, .. } => {
                    ("remove".to_string(), member)
                }
            };
            json!({
                "op": o.hash,
                "by": name_of(&o.op.author),
                "what": what,
                "member": name_of(who),
                "time_utc": o.op.time.to_rfc3339(),
                "applied": o.rejected.is_none(),
                "rejected_because": o.rejected,
            })
        })
        .collect();
    Ok(json!({ "space": space, "members": members, "log": log }))
}

fn to_json<T: Serialize>(v: &T) -> Result<Value, NodeError> {
    serde_json::to_value(v).map_err(|e| NodeError::Corrupt(format!("cannot encode response: {e}")))
}

/// Answers a request with the engine alone. Network requests are refused here; a running node
/// answers them in its network task.
pub fn handle(engine: &mut Engine, env: Envelope) -> Result<Value, NodeError> {
    let officer = env.officer.as_deref();
    match env.request {
        Request::Id => {
            let me = engine.me();
            Ok(json!({
                "id": peer_id(&me.key).to_string(),
                "name": me.name,
                "country": me.country,
                "public_key": me.key.to_string(),
                "data_dir": engine.data_dir().root(),
            }))
        }
        Request::SpaceCreate { name } => to_json(&engine.create_space(&name)?),
        Request::SpaceList => to_json(&engine.spaces()?),
        Request::SpaceAdd { space, member, name, role } => {
            let key = key_from_peer_id(&member)?;
            let op = engine.add_member(
                &space,
                key,
                name.as_deref().unwrap_or(""),
                role.unwrap_or(Role::Editor),
            )?;
            Ok(
                json!({"space": space, "member": member, "role": role.unwrap_or(Role::Editor), "op": hex(&op.hash())}),
            )
        }
        Request::SpaceMembers { space } => members_json(engine, &space),
        Request::SpaceRole { space, member, role } => {
            let key = find_member(engine, &space, &member)?;
            let op = engine.set_role(&space, key, role)?;
            Ok(
                json!({"space": space, "member": peer_id(&key).to_string(), "role": role, "op": hex(&op.hash())}),
            )
        }
        Request::SpaceRemove { space, member } => {
            let key = find_member(engine, &space, &member)?;
            let op = engine.remove_member(&space, key)?;
            Ok(
                json!({"space": space, "member": peer_id(&key).to_string(), "removed": true, "op": hex(&op.hash())}),
            )
        }
        Request::SpaceLeave { space } => {
            let me = engine.me().key;
            let op = engine.remove_member(&space, me)?;
            Ok(json!({"space": space, "left": true, "op": hex(&op.hash())}))
        }
        Request::DocNew { space, kind, title } => to_json(&engine.create_doc(&space, kind, &title, officer)?),
        Request::DocList { space } => {
            if let Some(s) = &space {
                engine.space(s)?;
            }
            to_json(&engine.docs(space.as_ref())?)
        }
        Request::DocEdit { doc, edits, message } => {
            let edits = edits.into_iter().map(EditSpec::into_edit).collect::<Result<Vec<_>, _>>()?;
            to_json(&engine.edit(&doc, &edits, officer, message.as_deref())?)
        }
        Request::DocShow { doc, at } => {
            let heads = match at {
                Some(h) => Some(vec![h.parse::<ChangeHash>().map_err(|_| {
                    NodeError::InvalidInput(format!(
                        "'{h}' is not a change hash (64 hex characters, see `twin doc history`)"
                    ))
                })?]),
                None => None,
            };
            let view = engine.view(&doc, heads.as_deref())?;
            let meta = engine.doc_meta(&doc)?;
            let current_heads: Vec<String> = engine.heads(&doc)?.iter().map(|h| h.to_string()).collect();
            let conflicts: Vec<Value> = view
                .root
                .conflicts()
                .into_iter()
                .map(|(path, vals)| {
                    json!({
                        "path": path,
                        "values": vals.iter().map(|v| json!({"value": v.value.display(), "author": v.author})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            Ok(json!({
                "id": doc,
                "space": meta.space,
                "kind": meta.kind,
                "content": view.root.to_json(),
                "conflicts": conflicts,
                "heads": current_heads,
                "markdown": render::markdown(&view),
            }))
        }
        Request::DocHistory { doc } => to_json(&engine.history(&doc)?),
        Request::BundleExport { space, partner } => {
            let key = match partner {
                Some(p) => Some(find_member(engine, &space, &p)?),
                None => None,
            };
            let out = engine.bundle_export(&space, key.as_ref())?;
            let mut v = to_json(&out)?;
            v["data"] = json!(data_encoding::BASE64.encode(&out.bytes));
            v["bytes"] = json!(out.bytes.len());
            Ok(v)
        }
        Request::BundleImport { data } => {
            let bytes = data_encoding::BASE64
                .decode(data.as_bytes())
                .map_err(|_| NodeError::InvalidInput("bundle data is not valid base64".into()))?;
            to_json(&engine.bundle_import(&bytes)?)
        }
        Request::DocExport { doc } => {
            let bytes = engine.export(&doc)?;
            Ok(json!({"doc": doc, "bytes": bytes.len(), "data": data_encoding::BASE64.encode(&bytes)}))
        }
        Request::DocImport { data, space } => {
            let bytes = data_encoding::BASE64
                .decode(data.as_bytes())
                .map_err(|_| NodeError::InvalidInput("import data is not valid base64".into()))?;
            to_json(&engine.import(&bytes, space.as_ref())?)
        }
        Request::Peers
        | Request::Status
        | Request::Dial { .. }
        | Request::Sync { .. }
        | Request::SpaceJoin { .. }
        | Request::SpaceInvite { .. } => Err(NodeError::NotRunning),
    }
}
