//! REST endpoints. Each one reads its path, query and body into an [`crate::api::Request`] and answers
//! it through `call`, exactly as `POST /api/v1/rpc` and the CLI do: no logic lives here
//! beyond translating HTTP into requests.

use std::collections::HashMap;

use axum::{
    Json, Router,
    extract::{Path, Query, State, rejection::PathRejection, rejection::QueryRejection},
    http::header,
    response::{IntoResponse, Response},
    routing::{delete, get, post, put},
};
use serde::Deserialize;
use serde_json::{Value, json};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    membership::Role,
    schema::DocKind,
};

use super::{ApiError, AppState, JsonBody, call};
use crate::api::{EditSpec, ExportFormat, Request, SpliceSpec};

type Answer = Result<Json<Value>, ApiError>;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/status", get(status))
        .route("/schema", get(schema))
        .route("/peers", get(peers).post(dial))
        .route("/sync", post(sync))
        .route("/spaces", get(spaces).post(space_create))
        .route("/join", post(join))
        .route("/spaces/{space}/members", get(members).post(member_add))
        .route("/spaces/{space}/members/{member}", put(member_role).delete(member_remove))
        .route("/spaces/{space}/invitations", get(invitations).post(invite))
        .route("/spaces/{space}/invitations/{invitation}", delete(revoke_invitation))
        .route("/spaces/{space}/leave", post(leave))
        .route("/spaces/{space}/docs", get(space_docs))
        .route("/docs", get(docs).post(doc_create))
        .route("/docs/{doc}", get(doc_show))
        .route("/docs/{doc}/edits", post(doc_edit))
        .route("/docs/{doc}/splices", post(doc_splice))
        .route("/docs/{doc}/history", get(doc_history))
        .route("/docs/{doc}/markdown", get(doc_markdown))
        .route("/docs/{doc}/export", get(doc_export))
        .route("/docs/{doc}/versions", get(doc_versions).post(doc_version_name))
        .route("/docs/{doc}/versions/{version}", get(doc_version))
        .route("/docs/{doc}/versions/{version}/restore", post(doc_restore))
        .route("/docs/{doc}/versions/{version}/request-approval", post(doc_request_approval))
        .route("/docs/{doc}/versions/{version}/approve", post(doc_approve))
        .route("/docs/{doc}/compare", get(doc_compare))
}

pub(super) fn path_param(p: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    p.map(|Path(s)| s).map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text())))
}

fn path_params(p: Result<Path<(String, String)>, PathRejection>) -> Result<(String, String), ApiError> {
    p.map(|Path(s)| s).map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text())))
}

fn space_id(s: &str) -> Result<SpaceId, ApiError> {
    s.parse().map_err(|_| ApiError::bad_request(format!("'{s}' is not a space id")))
}

pub(super) fn doc_id(s: &str) -> Result<DocId, ApiError> {
    s.parse().map_err(|_| ApiError::bad_request(format!("'{s}' is not a document id")))
}

pub(crate) type QueryMap = Result<Query<HashMap<String, String>>, QueryRejection>;

pub(crate) fn query(q: QueryMap, allowed: &[&str]) -> Result<HashMap<String, String>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text())))?;
    if let Some(k) = q.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "unknown query parameter '{k}' (allowed: {})",
            if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") }
        )));
    }
    Ok(q)
}

async fn status(State(st): State<AppState>) -> Answer {
    let node = call(&st, None, Request::Id).await?;
    let network = call(&st, None, Request::Status).await?;
    Ok(Json(json!({ "node": node, "network": network })))
}

async fn schema(State(st): State<AppState>) -> Answer {
    Ok(Json(call(&st, None, Request::Schema).await?))
}

async fn peers(State(st): State<AppState>) -> Answer {
    Ok(Json(call(&st, None, Request::Peers).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DialBody {
    addr: String,
}

async fn dial(State(st): State<AppState>, JsonBody(b): JsonBody<DialBody>) -> Answer {
    Ok(Json(call(&st, None, Request::Dial { addr: b.addr }).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncBody {
    #[serde(default)]
    doc: Option<DocId>,
}

async fn sync(State(st): State<AppState>, JsonBody(b): JsonBody<SyncBody>) -> Answer {
    Ok(Json(call(&st, None, Request::Sync { doc: b.doc }).await?))
}

async fn spaces(State(st): State<AppState>) -> Answer {
    Ok(Json(call(&st, None, Request::SpaceList).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpaceBody {
    name: String,
}

async fn space_create(State(st): State<AppState>, JsonBody(b): JsonBody<SpaceBody>) -> Answer {
    Ok(Json(call(&st, None, Request::SpaceCreate { name: b.name }).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    ticket: String,
}

async fn join(State(st): State<AppState>, JsonBody(b): JsonBody<JoinBody>) -> Answer {
    Ok(Json(call(&st, None, Request::SpaceJoin { ticket: b.ticket }).await?))
}

async fn members(State(st): State<AppState>, p: Result<Path<String>, PathRejection>) -> Answer {
    let space = space_id(&path_param(p)?)?;
    Ok(Json(call(&st, None, Request::SpaceMembers { space }).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberBody {
    member: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<Role>,
}

async fn member_add(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    JsonBody(b): JsonBody<MemberBody>,
) -> Answer {
    let space = space_id(&path_param(p)?)?;
    Ok(Json(
        call(&st, None, Request::SpaceAdd { space, member: b.member, name: b.name, role: b.role }).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: Role,
}

async fn member_role(
    State(st): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
    JsonBody(b): JsonBody<RoleBody>,
) -> Answer {
    let (space, member) = path_params(p)?;
    let space = space_id(&space)?;
    Ok(Json(call(&st, None, Request::SpaceRole { space, member, role: b.role }).await?))
}

async fn member_remove(
    State(st): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Answer {
    let (space, member) = path_params(p)?;
    let space = space_id(&space)?;
    Ok(Json(call(&st, None, Request::SpaceRemove { space, member }).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    valid_secs: Option<u64>,
}

async fn invite(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    JsonBody(b): JsonBody<InviteBody>,
) -> Answer {
    let space = space_id(&path_param(p)?)?;
    let role = b.role.unwrap_or(Role::Editor);
    Ok(Json(call(&st, None, Request::SpaceInvite { space, role, valid_secs: b.valid_secs }).await?))
}

async fn invitations(State(st): State<AppState>, p: Result<Path<String>, PathRejection>) -> Answer {
    let space = space_id(&path_param(p)?)?;
    Ok(Json(call(&st, None, Request::SpaceInvitations { space }).await?))
}

async fn revoke_invitation(
    State(st): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Answer {
    let (space, invitation) = path_params(p)?;
    let space = space_id(&space)?;
    Ok(Json(call(&st, None, Request::SpaceRevokeInvitation { space, invitation }).await?))
}

async fn leave(State(st): State<AppState>, p: Result<Path<String>, PathRejection>) -> Answer {
    let space = space_id(&path_param(p)?)?;
    Ok(Json(call(&st, None, Request::SpaceLeave { space }).await?))
}

async fn space_docs(State(st): State<AppState>, p: Result<Path<String>, PathRejection>) -> Answer {
    let space = space_id(&path_param(p)?)?;
    Ok(Json(call(&st, None, Request::DocList { space: Some(space) }).await?))
}

async fn docs(State(st): State<AppState>, q: QueryMap) -> Answer {
    let q = query(q, &["space"])?;
    let space = q.get("space").map(|s| space_id(s)).transpose()?;
    Ok(Json(call(&st, None, Request::DocList { space }).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDocBody {
    space: SpaceId,
    kind: DocKind,
    title: String,
    /// The document's language; the request's `Accept-Language` if not given.
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    officer: Option<String>,
}

async fn doc_create(
    State(st): State<AppState>,
    headers: header::HeaderMap,
    JsonBody(b): JsonBody<NewDocBody>,
) -> Answer {
    let lang = Some(b.lang.unwrap_or_else(|| super::lang_of(&headers).code().to_string()));
    let r =
        call(&st, b.officer, Request::DocNew { space: b.space, kind: b.kind, title: b.title, lang }).await?;
    Ok(Json(r))
}

fn show_request(p: Result<Path<String>, PathRejection>, q: QueryMap) -> Result<Request, ApiError> {
    let doc = doc_id(&path_param(p)?)?;
    let q = query(q, &["at"])?;
    Ok(Request::DocShow { doc, at: q.get("at").cloned() })
}

async fn doc_show(State(st): State<AppState>, p: Result<Path<String>, PathRejection>, q: QueryMap) -> Answer {
    Ok(Json(call(&st, None, show_request(p, q)?).await?))
}

async fn doc_markdown(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: QueryMap,
) -> Result<Response, ApiError> {
    let v = call(&st, None, show_request(p, q)?).await?;
    let md = v.get("markdown").and_then(Value::as_str).unwrap_or_default().to_string();
    Ok(([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], md).into_response())
}

async fn doc_export(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: QueryMap,
) -> Result<Response, ApiError> {
    let doc = doc_id(&path_param(p)?)?;
    let q = query(q, &["format", "download"])?;
    let format = match q.get("format") {
        None => ExportFormat::Signed,
        Some(name) => ExportFormat::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = ExportFormat::ALL.iter().map(|(n, _)| *n).collect();
            ApiError::bad_request(format!("format '{name}' is not one of: {}", names.join(", ")))
        })?,
    };
    let download = match q.get("download").map(String::as_str) {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(other) => return Err(ApiError::bad_request(format!("download '{other}' is not true or false"))),
    };
    let v = call(&st, None, Request::DocExport { doc, format }).await?;
    if !download {
        return Ok(Json(v).into_response());
    }
    // The file itself, for a plain link or `curl -OJ`.
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let bytes = data_encoding::BASE64
        .decode(text("data").as_bytes())
        .map_err(|_| ApiError::from(crate::error::NodeError::Corrupt("the export is not base64".into())))?;
    let disposition = format!("attachment; filename=\"{}\"", text("file_name"));
    Ok(([(header::CONTENT_TYPE, text("media_type")), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

async fn doc_history(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    headers: axum::http::HeaderMap,
    q: QueryMap,
) -> Answer {
    let doc = doc_id(&path_param(p)?)?;
    let q = query(q, &["limit", "before", "town", "by_officer", "field", "since", "until"])?;
    let limit = match q.get("limit") {
        Some(l) => Some(
            l.parse::<usize>()
                .map_err(|_| ApiError::bad_request(format!("limit '{l}' is not a number of changes")))?,
        ),
        None => None,
    };
    let get = |k: &str| q.get(k).cloned();
    let request = Request::DocSittings {
        doc,
        limit,
        before: get("before"),
        town: get("town"),
        by_officer: get("by_officer"),
        field: get("field"),
        since: get("since"),
        until: get("until"),
        lang: Some(crate::http::lang_of(&headers)),
    };
    Ok(Json(call(&st, None, request).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    edits: Vec<EditSpec>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    officer: Option<String>,
}

async fn doc_edit(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    headers: axum::http::HeaderMap,
    JsonBody(b): JsonBody<EditBody>,
) -> Answer {
    let doc = doc_id(&path_param(p)?)?;
    if b.edits.is_empty() {
        return Err(ApiError::bad_request("no edits given: 'edits' is empty"));
    }
    Ok(Json(
        call(
            &st,
            b.officer,
            Request::DocEdit {
                doc,
                edits: b.edits,
                message: b.message,
                lang: Some(super::lang_of(&headers)),
            },
        )
        .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpliceBody {
    path: String,
    splices: Vec<SpliceSpec>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    officer: Option<String>,
}

async fn doc_splice(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    JsonBody(b): JsonBody<SpliceBody>,
) -> Answer {
    let doc = doc_id(&path_param(p)?)?;
    let r = call(
        &st,
        b.officer,
        Request::DocSplice { doc, path: b.path, splices: b.splices, message: b.message },
    )
    .await?;
    Ok(Json(r))
}

// ---- versions and approvals ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionBody {
    name: String,
    #[serde(default)]
    officer: Option<String>,
}

/// A body with the officer alone (or empty).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OfficerBody {
    #[serde(default)]
    officer: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    decision: crate::engine::Decision,
    reference: String,
    date: String,
    #[serde(default)]
    officer: Option<String>,
}

/// The officer of an optional body `{"officer": "..."}` (an empty body names none).
fn officer_of(body: &[u8]) -> Result<Option<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<OfficerBody>(body)
        .map(|b| b.officer)
        .map_err(|e| ApiError::bad_request(format!("bad JSON body: {e}")))
}

fn doc_version_params(p: Result<Path<(String, String)>, PathRejection>) -> Result<(DocId, String), ApiError> {
    let (doc, version) = path_params(p)?;
    Ok((doc_id(&doc)?, version))
}

async fn doc_versions(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    headers: axum::http::HeaderMap,
) -> Answer {
    let doc = doc_id(&path_param(p)?)?;
    let lang = Some(super::lang_of(&headers));
    Ok(Json(call(&st, None, Request::DocVersions { doc, lang }).await?))
}

async fn doc_version_name(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    JsonBody(b): JsonBody<VersionBody>,
) -> Answer {
    let doc = doc_id(&path_param(p)?)?;
    Ok(Json(call(&st, b.officer, Request::DocVersionName { doc, name: b.name }).await?))
}

async fn doc_version(
    State(st): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
    headers: axum::http::HeaderMap,
) -> Answer {
    let (doc, version) = doc_version_params(p)?;
    let lang = Some(super::lang_of(&headers));
    Ok(Json(call(&st, None, Request::DocVersion { doc, version, lang }).await?))
}

async fn doc_restore(
    State(st): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
    body: axum::body::Bytes,
) -> Answer {
    let (doc, version) = doc_version_params(p)?;
    let officer = officer_of(&body)?;
    Ok(Json(call(&st, officer, Request::DocRestore { doc, version }).await?))
}

async fn doc_request_approval(
    State(st): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
    body: axum::body::Bytes,
) -> Answer {
    let (doc, version) = doc_version_params(p)?;
    let officer = officer_of(&body)?;
    Ok(Json(call(&st, officer, Request::DocRequestApproval { doc, version }).await?))
}

async fn doc_approve(
    State(st): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
    JsonBody(b): JsonBody<ApproveBody>,
) -> Answer {
    let (doc, version) = doc_version_params(p)?;
    let request =
        Request::DocApprove { doc, version, decision: b.decision, reference: b.reference, date: b.date };
    Ok(Json(call(&st, b.officer, request).await?))
}

async fn doc_compare(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    headers: axum::http::HeaderMap,
    q: QueryMap,
) -> Answer {
    let doc = doc_id(&path_param(p)?)?;
    let q = query(q, &["from", "to"])?;
    let from = q.get("from").cloned().ok_or_else(|| ApiError::bad_request("give ?from=VERSION"))?;
    let lang = Some(super::lang_of(&headers));
    Ok(Json(call(&st, None, Request::DocCompare { doc, from, to: q.get("to").cloned(), lang }).await?))
}
