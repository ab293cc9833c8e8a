//! [`handle`]: a request answered with the engine alone, as a typed [`Response`].

use serde::Serialize;
use serde_json::Value;
use twinmesh_protocol::{ids::SpaceId, membership::Role, schema::Path};

use super::{
    BundleFile, Comparison, Conflict, ConflictValue, DocShown, Envelope, ExportFormat, ExportedFile,
    Identity, InvitationListed, InvitationRevoked, Invitations, MemberChange, Request, Response,
    VersionShown, Versions, attach, edit, members, schema,
};
use crate::{
    engine::{Engine, PlainSource},
    error::NodeError,
    formats,
    i18n::Lang,
    identity::{key_from_peer_id, peer_id},
};

/// A history page's size: [`crate::engine::HISTORY_PAGE_DEFAULT`] if not given, refused
/// beyond [`crate::engine::HISTORY_PAGE_MAX`].
fn history_limit(limit: Option<usize>) -> Result<usize, NodeError> {
    let limit = limit.unwrap_or(crate::engine::HISTORY_PAGE_DEFAULT);
    if limit == 0 || limit > crate::engine::HISTORY_PAGE_MAX {
        return Err(NodeError::InvalidInput(format!(
            "limit must be from 1 to {} changes per page, not {limit}",
            crate::engine::HISTORY_PAGE_MAX
        )));
    }
    Ok(limit)
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

/// An answer as JSON, for the HTTP edge and the CLI.
pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<Value, NodeError> {
    serde_json::to_value(v).map_err(|e| NodeError::Corrupt(format!("cannot encode response: {e}")))
}

/// Answers a request with the engine alone. Network requests are refused here; a running node
/// answers them in its network task.
pub fn handle(engine: &mut Engine, env: Envelope) -> Result<Response, NodeError> {
    let officer = env.officer.as_deref();
    match env.request {
        Request::Id => {
            let me = engine.me();
            Ok(Response::Identity(Identity {
                id: peer_id(&me.key).to_string(),
                name: me.name.clone(),
                country: me.country.clone(),
                public_key: me.key.to_string(),
                data_dir: engine.data_dir().root().to_path_buf(),
            }))
        }
        Request::SpaceCreate { name } => Ok(Response::Space(engine.create_space(&name)?)),
        Request::SpaceList => Ok(Response::Spaces(attach::with_usage(engine, engine.spaces()?)?)),
        r @ (Request::DocAttach { .. }
        | Request::DocAttachments { .. }
        | Request::DocAttachmentGet { .. }
        | Request::DocAttachmentFetch { .. }
        | Request::DocAttachmentRemove { .. }
        | Request::SpaceStorage { .. }) => attach::handle(engine, r, officer),
        Request::SpaceAdd { space, member, name, role } => {
            let key = key_from_peer_id(&member)?;
            let op = engine.add_member(
                &space,
                key,
                name.as_deref().unwrap_or(""),
                role.unwrap_or(Role::Editor),
            )?;
            Ok(Response::MemberChange(MemberChange {
                space,
                member: Some(member),
                role: Some(role.unwrap_or(Role::Editor)),
                removed: false,
                left: false,
                op: hex(&op.hash()),
            }))
        }
        Request::SpaceMembers { space } => Ok(Response::Members(members::members(engine, &space)?)),
        Request::SpaceRole { space, member, role } => {
            let key = find_member(engine, &space, &member)?;
            let op = engine.set_role(&space, key, role)?;
            Ok(Response::MemberChange(MemberChange {
                space,
                member: Some(peer_id(&key).to_string()),
                role: Some(role),
                removed: false,
                left: false,
                op: hex(&op.hash()),
            }))
        }
        Request::SpaceRemove { space, member } => {
            let key = find_member(engine, &space, &member)?;
            let op = engine.remove_member(&space, key)?;
            Ok(Response::MemberChange(MemberChange {
                space,
                member: Some(peer_id(&key).to_string()),
                role: None,
                removed: true,
                left: false,
                op: hex(&op.hash()),
            }))
        }
        Request::SpaceInvitations { space } => {
            let open = engine.invitations(&space)?;
            let invitations = open
                .into_iter()
                .map(|(id, i)| InvitationListed {
                    id,
                    role: i.role,
                    expires: i.expires,
                    expires_utc: i.expires.to_rfc3339(),
                })
                .collect();
            Ok(Response::Invitations(Invitations { space, invitations }))
        }
        Request::SpaceRevokeInvitation { space, invitation } => {
            engine.revoke_invitation(&space, &invitation)?;
            Ok(Response::InvitationRevoked(InvitationRevoked { space, invitation, revoked: true }))
        }
        Request::SpaceLeave { space } => {
            let me = engine.me().key;
            let op = engine.remove_member(&space, me)?;
            Ok(Response::MemberChange(MemberChange {
                space,
                member: None,
                role: None,
                removed: false,
                left: true,
                op: hex(&op.hash()),
            }))
        }
        Request::DocNew { space, kind, title, lang } => {
            let lang = match lang {
                Some(code) => code.parse::<Lang>().map_err(|e| NodeError::InvalidInput(e.to_string()))?,
                None => Lang::En,
            };
            Ok(Response::Doc(engine.create_doc_in(&space, kind, &title, lang, officer)?))
        }
        Request::DocList { space } => {
            if let Some(s) = &space {
                engine.space(s)?;
            }
            Ok(Response::Docs(engine.docs(space.as_ref())?))
        }
        Request::Schema => Ok(Response::Schema(schema())),
        Request::DocEdit { doc, edits, message, lang } => {
            let mut edits =
                edits.into_iter().map(super::EditSpec::into_edit).collect::<Result<Vec<_>, _>>()?;
            edit::resolve_item_ids(engine, &doc, &mut edits)?;
            let style = crate::locale::style(lang.unwrap_or(Lang::En));
            Ok(Response::Edited(engine.edit_in(&style, &doc, &edits, officer, message.as_deref())?))
        }
        Request::DocSplice { doc, path, splices, message } => {
            let mut path = path.parse::<Path>()?;
            if edit::has_item_ids(&path) {
                let view = engine.view(&doc, None)?;
                path = edit::resolve_path(&view.root, &path)?;
            }
            let ops = splices
                .iter()
                .map(|s| {
                    let del = isize::try_from(s.del).map_err(|_| {
                        NodeError::InvalidInput(format!("cannot delete {} characters", s.del))
                    })?;
                    Ok((s.pos, del, s.insert.as_str()))
                })
                .collect::<Result<Vec<_>, NodeError>>()?;
            if ops.is_empty() {
                return Err(NodeError::InvalidInput("no splices given".into()));
            }
            let total: usize = splices.iter().map(|s| s.insert.len()).sum();
            if total > twinmesh_protocol::schema::MAX_TEXT_LEN {
                return Err(NodeError::InvalidInput(format!(
                    "splices insert {total} bytes; a text field holds at most {} bytes",
                    twinmesh_protocol::schema::MAX_TEXT_LEN
                )));
            }
            Ok(Response::Edited(engine.splice_text(&doc, &path, &ops, officer, message.as_deref())?))
        }
        Request::DocShow { doc, at } => {
            let heads = match at {
                Some(h) => Some(vec![engine.find_change(&doc, &h)?]),
                None => None,
            };
            let view = engine.view(&doc, heads.as_deref())?;
            let meta = engine.doc_meta(&doc)?;
            // The heads of the version shown: the change asked for, or today's.
            let shown_heads = match heads {
                Some(h) => h,
                None => engine.heads(&doc)?,
            };
            let current_heads: Vec<String> = shown_heads.iter().map(|h| h.to_string()).collect();
            let conflicts = view
                .root
                .conflicts()
                .into_iter()
                .map(|(path, vals)| Conflict {
                    path,
                    values: vals
                        .iter()
                        .map(|v| ConflictValue { value: v.value.display(), author: v.author.clone() })
                        .collect(),
                })
                .collect();
            Ok(Response::Shown(DocShown {
                id: doc,
                space: meta.space,
                kind: meta.kind,
                content: view.root.to_json(),
                conflicts,
                heads: current_heads,
                markdown: formats::markdown(&view),
            }))
        }
        Request::DocHistory { doc, limit, before } => {
            let q =
                crate::engine::HistoryQuery { limit: history_limit(limit)?, before, ..Default::default() };
            Ok(Response::History(engine.history_page(&doc, &q)?))
        }
        Request::DocSittings { doc, limit, before, town, by_officer, field, since, until, lang } => {
            let limit = history_limit(limit)?;
            let lang = lang.unwrap_or(Lang::En);
            let q = crate::engine::HistoryQuery {
                limit,
                before,
                lang,
                describe: true,
                group: true,
                town,
                officer: by_officer,
                field,
                since,
                until,
            };
            Ok(Response::History(engine.history_page(&doc, &q)?))
        }
        Request::DocVersionName { doc, name } => {
            let id = engine.name_version(&doc, &name, officer)?;
            Ok(Response::Version(engine.version(&doc, &id, Lang::En)?))
        }
        Request::DocVersions { doc, lang } => {
            let versions = engine.versions(&doc, lang.unwrap_or(Lang::En))?;
            Ok(Response::Versions(Versions { doc, versions }))
        }
        Request::DocVersion { doc, version, lang } => {
            let lang = lang.unwrap_or(Lang::En);
            let info = engine.version(&doc, &version, lang)?;
            let heads = engine.version_heads(&doc, &info.id)?;
            let view = engine.view(&doc, Some(&heads))?;
            let markdown = formats::markdown(&view);
            Ok(Response::VersionShown(VersionShown { info, content: view.root.to_json(), markdown }))
        }
        Request::DocCompare { doc, from, to, lang } => {
            let to = to.unwrap_or_else(|| "current".into());
            let items = engine.compare(&doc, &from, &to, lang.unwrap_or(Lang::En))?;
            Ok(Response::Compared(Comparison { doc, from, to, changes: items }))
        }
        Request::DocRestore { doc, version } => {
            Ok(Response::Edited(engine.restore(&doc, &version, officer)?))
        }
        Request::DocRequestApproval { doc, version } => {
            let id = engine.request_approval(&doc, &version, officer)?;
            Ok(Response::Version(engine.version(&doc, &id, Lang::En)?))
        }
        Request::DocApprove { doc, version, decision, reference, date } => {
            let id = engine.decide(&doc, &version, decision, &reference, &date, officer)?;
            Ok(Response::Version(engine.version(&doc, &id, Lang::En)?))
        }
        Request::BundleExport { space, partner } => {
            let key = match partner {
                Some(p) => Some(find_member(engine, &space, &p)?),
                None => None,
            };
            let export = engine.bundle_export(&space, key.as_ref())?;
            let (bytes, data) = (export.bytes.len(), data_encoding::BASE64.encode(&export.bytes));
            Ok(Response::BundleExported(BundleFile { export, bytes, data }))
        }
        Request::BundleImport { data } => {
            let bytes = data_encoding::BASE64
                .decode(data.as_bytes())
                .map_err(|_| NodeError::InvalidInput("bundle data is not valid base64".into()))?;
            Ok(Response::BundleImported(engine.bundle_import(&bytes)?))
        }
        Request::DocExport { doc, format } => {
            const BINARY: &str = "application/octet-stream";
            let title = engine.doc_meta(&doc)?.title;
            let (bytes, left_out, media_type, extension) = match format {
                ExportFormat::Signed => (engine.export(&doc)?, Vec::new(), BINARY, "twindoc"),
                ExportFormat::Automerge => (engine.export_plain(&doc)?, Vec::new(), BINARY, "automerge"),
                _ => {
                    let meta = engine.doc_meta(&doc)?;
                    let view = engine.view(&doc, None)?;
                    let out = match format {
                        ExportFormat::Ics => formats::calendar(&view, &doc, &meta.title, meta.updated)?,
                        ExportFormat::Csv => formats::budget_csv(&view)?,
                        ExportFormat::Xlsx => formats::budget_xlsx(&view, &meta.title)?,
                        ExportFormat::Docx => formats::docx(&view)?,
                        ExportFormat::Odt => formats::odt(&view)?,
                        _ => formats::pdf(&view)?,
                    };
                    (out.bytes, out.left_out, out.media_type, out.extension)
                }
            };
            Ok(Response::Exported(ExportedFile {
                doc,
                format,
                bytes: bytes.len(),
                data: data_encoding::BASE64.encode(&bytes),
                media_type: media_type.to_string(),
                file_name: format!("{}.{extension}", file_stem(&title)),
                left_out,
            }))
        }
        Request::DocImportPlain { data, space, kind, title, origin } => {
            let bytes = data_encoding::BASE64
                .decode(data.as_bytes())
                .map_err(|_| NodeError::InvalidInput("import data is not valid base64".into()))?;
            Ok(Response::PlainImported(engine.import_plain(PlainSource {
                bytes: &bytes,
                space: &space,
                kind,
                title: title.as_deref(),
                origin: origin.as_deref().unwrap_or("(unnamed)"),
                officer,
            })?))
        }
        Request::DocImport { data, space } => {
            let bytes = data_encoding::BASE64
                .decode(data.as_bytes())
                .map_err(|_| NodeError::InvalidInput("import data is not valid base64".into()))?;
            Ok(Response::Imported(engine.import(&bytes, space.as_ref())?))
        }
        Request::Peers
        | Request::Status
        | Request::Dial { .. }
        | Request::Sync { .. }
        | Request::SyncStatus
        | Request::DocPresence { .. }
        | Request::SpaceJoin { .. }
        | Request::SpaceInvite { .. } => Err(NodeError::NotRunning),
    }
}

/// A file name made from a document's title, safe in any file system and in an HTTP header:
/// letters, digits, `.`, `_` and `-` kept (accents dropped), anything else one `_`, at most 60
/// characters; `document` if nothing is left.
fn file_stem(title: &str) -> String {
    let mut stem = String::new();
    for c in title.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' };
        if !(c == '_' && stem.ends_with('_')) && stem.len() < 60 {
            stem.push(c);
        }
    }
    let stem = stem.trim_matches(|c| c == '_' || c == '.').to_string();
    if stem.is_empty() { "document".into() } else { stem }
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn export_file_names_cannot_break_out_of_a_header_or_a_directory() {
        assert_eq!(file_stem("CIRCLE60"), "CIRCLE60");
        assert_eq!(file_stem("CIRCLE60 – Kreislaufstädte"), "CIRCLE60_Kreislaufst_dte");
        // Quotes, line ends and path separators become `_`: no header injection, no path.
        assert_eq!(file_stem("a\"\r\nSet-Cookie: x=1"), "a_Set-Cookie_x_1");
        assert_eq!(file_stem("../../etc/passwd"), "etc_passwd");
        assert_eq!(file_stem("șțî"), "document");
        assert_eq!(file_stem(&"x".repeat(500)).len(), 60);
    }
}
