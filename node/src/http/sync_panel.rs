//! The sync panel's endpoints: `GET /sync/status` (per partner town and per document) and
//! `GET`/`POST /docs/{doc}/presence` (who has a document open now). Like every endpoint they
//! only translate HTTP into a [`Request`].

use axum::{
    Json, Router,
    extract::{Path, State, rejection::PathRejection},
    routing::get,
};
use serde::Deserialize;
use serde_json::Value;

use super::{
    ApiError, AppState, JsonBody, call,
    rest::{doc_id, path_param},
};
use crate::api::{PresenceViewer, Request};

type Answer = Result<Json<Value>, ApiError>;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sync/status", get(status))
        .route("/docs/{doc}/presence", get(presence).post(presence_tell))
}

async fn status(State(st): State<AppState>) -> Answer {
    Ok(Json(call(&st, None, Request::SyncStatus).await?))
}

async fn presence(State(st): State<AppState>, p: Result<Path<String>, PathRejection>) -> Answer {
    let doc = doc_id(&path_param(p)?)?;
    Ok(Json(call(&st, None, Request::DocPresence { doc, viewer: None }).await?))
}

/// `{"tab": "...", "officer": "...", "open": true}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresenceBody {
    tab: String,
    officer: String,
    open: bool,
}

async fn presence_tell(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    JsonBody(b): JsonBody<PresenceBody>,
) -> Answer {
    let doc = doc_id(&path_param(p)?)?;
    let viewer = PresenceViewer { tab: b.tab, officer: b.officer, open: b.open };
    if viewer.checked().is_none() {
        return Err(ApiError::bad_request(
            "presence needs a tab id (1 to 64 characters) and the officer's name",
        ));
    }
    Ok(Json(call(&st, None, Request::DocPresence { doc, viewer: Some(viewer) }).await?))
}
