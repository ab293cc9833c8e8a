//! The local HTTP API: JSON over HTTP on loopback, with a bearer token kept in the data dir.
//!
//! - `POST /api/v1/rpc`: an [`Envelope`] in, the JSON result out (the CLI uses this while a
//!   node runs).
//! - `GET /api/v1/status`: who this node is.
//!
//! `DATA_DIR/api.token` holds the token (mode 0600); `DATA_DIR/api.json` tells local clients
//! where the API listens, and is removed at shutdown.

use std::{net::SocketAddr, path::PathBuf};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::json;
use tokio::sync::watch;

use crate::{api::Envelope, error::NodeError, identity::DataDir, node::NodeHandle};

/// Largest request body: an import of a large document, base64-encoded.
const MAX_BODY_BYTES: usize = 96 * 1024 * 1024;

#[derive(Clone)]
struct AppState {
    handle: NodeHandle,
    token: String,
}

/// Where a running node's API listens, as written to `api.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ApiInfo {
    /// Base URL, e.g. `http://127.0.0.1:7878`.
    pub url: String,
    /// The node's process id.
    pub pid: u32,
}

/// Path of the API info file.
pub fn info_path(dir: &DataDir) -> PathBuf {
    dir.root().join("api.json")
}

/// Path of the token file.
pub fn token_path(dir: &DataDir) -> PathBuf {
    dir.root().join("api.token")
}

/// Reads or creates the API token.
pub fn token(dir: &DataDir) -> Result<String, NodeError> {
    let path = token_path(dir);
    if let Ok(t) = std::fs::read_to_string(&path) {
        let t = t.trim().to_string();
        if t.len() >= 32 {
            return Ok(t);
        }
    }
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut bytes[..]);
    let t = data_encoding::HEXLOWER.encode(&bytes);
    let _ = std::fs::remove_file(&path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts.open(&path).map_err(|e| NodeError::io(&path, e))?;
    f.write_all(t.as_bytes()).map_err(|e| NodeError::io(&path, e))?;
    Ok(t)
}

fn status_of(e: &NodeError) -> StatusCode {
    match e {
        NodeError::InvalidInput(_)
        | NodeError::BadId(_)
        | NodeError::Schema(_)
        | NodeError::NoSuchItem { .. }
        | NodeError::Export(_)
        | NodeError::Rejected { .. }
        | NodeError::Space(_) => StatusCode::BAD_REQUEST,
        NodeError::UnknownDoc(_) | NodeError::UnknownSpace(_) => StatusCode::NOT_FOUND,
        NodeError::NotAllowed(_) => StatusCode::FORBIDDEN,
        NodeError::Network(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn error(status: StatusCode, msg: String) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

fn authorized(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(given) =
        headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    // Constant-time comparison.
    let (a, b) = (given.as_bytes(), state.token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn rpc(State(state): State<AppState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if !authorized(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token".into());
    }
    let env: Envelope = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid request: {e}")),
    };
    match state.handle.request(env).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(status_of(&e), e.to_string()),
    }
}

async fn status(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !authorized(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token".into());
    }
    let env = Envelope { officer: None, request: crate::api::Request::Id };
    match state.handle.request(env).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(status_of(&e), e.to_string()),
    }
}

/// Serves the API until `shutdown` turns true. Returns the bound address and the server task.
pub(crate) async fn serve(
    addr: SocketAddr,
    dir: &DataDir,
    handle: NodeHandle,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), NodeError> {
    let token = token(dir)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| NodeError::Network(format!("cannot serve the API on {addr}: {e}")))?;
    let bound = listener.local_addr().map_err(|e| NodeError::Network(e.to_string()))?;
    let app = Router::new()
        .route("/api/v1/rpc", post(rpc))
        .route("/api/v1/status", get(status))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(AppState { handle, token });
    let info = ApiInfo { url: format!("http://{bound}"), pid: std::process::id() };
    let info_file = info_path(dir);
    std::fs::write(&info_file, serde_json::to_vec(&info).unwrap_or_default())
        .map_err(|e| NodeError::io(&info_file, e))?;
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|v| *v).await;
        });
        if let Err(e) = server.await {
            tracing::error!(error = %e, "HTTP API stopped");
        }
        let _ = std::fs::remove_file(&info_file);
    });
    Ok((bound, task))
}
