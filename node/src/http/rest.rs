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

mod docs;
mod versions;

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
        .merge(docs::routes())
        .merge(versions::routes())
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
