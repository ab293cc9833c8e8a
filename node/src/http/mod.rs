//! The local HTTP API and web UI: JSON over HTTP on loopback, with a bearer token kept in the
//! data dir. `docs/http-api.md` describes every endpoint; `/api/v1/openapi.json` is the
//! machine-readable form.
//!
//! - `POST /api/v1/rpc`: an [`Envelope`] in, the JSON result out (the CLI uses this while a
//!   node runs).
//! - REST endpoints ([`rest`]): each builds an [`api::Request`](crate::api::Request) and answers
//!   it through [`NodeHandle::request`], the same code path as the RPC and the CLI.
//! - `GET /api/v1/events`: server-sent events ([`events`]) for live front ends.
//! - `/`: the web UI ([`web`]), plain HTML/CSS/JS compiled into the binary.
//!
//! `DATA_DIR/api.token` holds the token (mode 0600); `DATA_DIR/api.json` tells local clients
//! where the API listens, and is removed at shutdown.

use std::{net::SocketAddr, path::PathBuf};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, FromRequest, Request as HttpRequest, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::{
    api::{Envelope, Request},
    error::NodeError,
    handle::NodeHandle,
    i18n::Lang,
    identity::DataDir,
};

mod attach;
mod bundle;
pub mod events;
pub mod rest;
mod sync_panel;
pub mod web;

/// Largest RPC request body: an import of a large document, base64-encoded.
const MAX_BODY_BYTES: usize = 96 * 1024 * 1024;

/// Where `twin start` serves the API and the web UI unless told otherwise. Join links point
/// there: on the partner's computer, that is the partner's own node.
pub const DEFAULT_API_ADDR: &str = "127.0.0.1:7878";

/// Largest body of a REST request: an edit carries at most a whole text field (1 MiB), which
/// JSON escaping can grow; 4 MiB leaves room for that and refuses anything absurd early.
pub const MAX_REST_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) handle: NodeHandle,
    token: String,
    /// The `Host` values the server answers to.
    hosts: std::sync::Arc<AllowedHosts>,
    /// Turns true at shutdown; long-lived responses (the event stream) end then.
    pub(crate) shutdown: watch::Receiver<bool>,
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
    crate::identity::write_private(&path, t.as_bytes())?;
    Ok(t)
}

fn status_of(e: &NodeError) -> StatusCode {
    match e {
        NodeError::InvalidInput(_)
        | NodeError::BadId(_)
        | NodeError::Schema(_)
        | NodeError::Field { .. }
        | NodeError::NoSuchItem { .. }
        | NodeError::Export(_)
        | NodeError::Rejected { .. }
        | NodeError::Space(_)
        | NodeError::BadBlob(_) => StatusCode::BAD_REQUEST,
        NodeError::OverCap { .. } => StatusCode::INSUFFICIENT_STORAGE,
        NodeError::UnknownDoc(_) | NodeError::UnknownSpace(_) | NodeError::UnknownAttachment(_) => {
            StatusCode::NOT_FOUND
        }
        NodeError::NotAllowed(_) => StatusCode::FORBIDDEN,
        NodeError::Network(_) => StatusCode::BAD_GATEWAY,
        NodeError::NotRunning | NodeError::Shutdown => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An API error: a status and a one-line message, sent as `{"error": ..., "code": ...,
/// "status": ..., "field": {"path": ..., "label": ...}}`. An error from the node is worded in
/// the request's language (`Accept-Language`) by `in_request_language`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    node: Option<std::sync::Arc<NodeError>>,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), node: None }
    }

    /// A 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        Self { status: status_of(&e), message: e.to_string(), node: Some(std::sync::Arc::new(e)) }
    }
}

/// The code of an error the HTTP layer itself raises (bad JSON, no such endpoint, ...).
fn status_code_name(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad-request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body-too-large",
        _ => "http-error",
    }
}

/// The JSON body of a node error, worded in `lang`.
fn node_error_body(status: StatusCode, e: &NodeError, lang: Lang) -> Value {
    let mut body = json!({ "error": e.message(lang), "code": e.code(), "status": status.as_u16() });
    if let Some(field) = e.field(lang) {
        body["field"] = json!(field);
    }
    body
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.node {
            Some(e) => {
                let mut resp =
                    (self.status, Json(node_error_body(self.status, &e, Lang::En))).into_response();
                resp.extensions_mut().insert(e);
                resp
            }
            None => (
                self.status,
                Json(json!({
                    "error": self.message,
                    "code": status_code_name(self.status),
                    "status": self.status.as_u16(),
                })),
            )
                .into_response(),
        }
    }
}

/// Rewords a node error's reply in the request's language (`Accept-Language`).
async fn in_request_language(req: HttpRequest, next: Next) -> Response {
    let lang = lang_of(req.headers());
    let resp = next.run(req).await;
    match resp.extensions().get::<std::sync::Arc<NodeError>>() {
        Some(e) if lang != Lang::En => {
            let status = resp.status();
            (status, Json(node_error_body(status, e, lang))).into_response()
        }
        _ => resp,
    }
}

fn error(status: StatusCode, msg: String) -> Response {
    ApiError::new(status, msg).into_response()
}

/// A JSON request body, read with the errors this API promises: 413 for a body over the
/// route's limit, 400 naming the field for wrong types or unknown fields. An empty body reads
/// as `{}`, so endpoints whose fields are all optional accept a bare POST.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: HttpRequest, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "request body too large: this endpoint accepts at most {MAX_REST_BODY_BYTES} bytes"
                    ),
                )
            } else {
                ApiError::bad_request(format!("cannot read the request body: {}", e.body_text()))
            }
        })?;
        parse_json(if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &bytes }).map(JsonBody)
    }
}

/// Parses JSON, naming the field that does not fit (`edits[0].value: invalid type ...`).
/// Public for the fuzz targets (node/fuzz) only.
#[doc(hidden)]
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(format!("invalid JSON: {inner}"))
        } else if path == "." {
            ApiError::bad_request(format!("invalid request: {inner}"))
        } else {
            ApiError::bad_request(format!("invalid request: field '{path}': {inner}"))
        }
    })?;
    de.end().map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))?;
    Ok(v)
}

/// The language a request asks for: its `Accept-Language` (the web UI sends the officer's
/// choice there), English when it names none this node speaks.
pub(crate) fn lang_of(headers: &HeaderMap) -> crate::i18n::Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(crate::i18n::Lang::En, crate::i18n::Lang::negotiate)
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

/// The `Host` header values the API answers to: the address it listens on (with loopback
/// names for a wildcard address), `localhost`, and the names configured with
/// `twin start --api-host`, each with the port the API listens on.
///
/// A DNS-rebinding page (its own name re-pointed at 127.0.0.1) sends its own name as `Host`;
/// answering only these names keeps it from the web UI and the API description, and from the
/// API itself even if it ever learnt the token.
#[derive(Debug)]
pub(crate) struct AllowedHosts {
    names: Vec<String>,
    port: u16,
}

impl AllowedHosts {
    pub(crate) fn new(bound: SocketAddr, extra: &[String]) -> Self {
        let literal = |ip: std::net::IpAddr| match ip {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        };
        let mut names = vec!["localhost".to_string()];
        if bound.ip().is_unspecified() {
            names.extend(["127.0.0.1".to_string(), "[::1]".to_string()]);
        } else {
            names.push(literal(bound.ip()));
        }
        names.extend(extra.iter().map(|n| n.trim().trim_end_matches('.').to_ascii_lowercase()));
        Self { names, port: bound.port() }
    }

    /// True if `host` (a `Host` header value, `name[:port]`) names this server.
    fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, port) = match host.rfind(':') {
            // A colon after the closing bracket of an IPv6 literal, or in a name, starts the port.
            Some(i) if !host[i..].contains(']') => (&host[..i], Some(&host[i + 1..])),
            _ => (host.as_str(), None),
        };
        let port_ok = match port {
            Some(p) => p.parse::<u16>().is_ok_and(|p| p == self.port),
            None => self.port == 80,
        };
        port_ok && self.names.iter().any(|n| n == name.trim_end_matches('.'))
    }
}

/// Refuses a request whose `Host` does not name this server (421), before anything else.
async fn check_host(State(state): State<AppState>, req: HttpRequest, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    match host {
        Some(h) if state.hosts.allows(&h) => next.run(req).await,
        Some(h) => error(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "this node does not serve the host '{}': use http://127.0.0.1:{} (or add the name with `twin start --api-host`)",
                h.chars().take(100).collect::<String>(),
                state.hosts.port
            ),
        ),
        None => error(StatusCode::BAD_REQUEST, "the request has no Host header".into()),
    }
}

async fn require_token(State(state): State<AppState>, req: HttpRequest, next: Next) -> Response {
    if !authorized(&state, req.headers()) {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token: send 'Authorization: Bearer <token>' with the token from DATA_DIR/api.token".into(),
        );
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    }
    next.run(req).await
}

/// Answers one request through the node, as every endpoint does.
pub(crate) async fn call(
    state: &AppState,
    officer: Option<String>,
    request: Request,
) -> Result<Value, ApiError> {
    Ok(state.handle.request(Envelope { officer, request }).await?)
}

async fn rpc(State(state): State<AppState>, body: Bytes) -> Response {
    let env: Envelope = match parse_json(&body) {
        Ok(e) => e,
        Err(e) => return e.into_response(),
    };
    // The body parsed as an envelope, so it is a JSON object.
    let raw: serde_json::Map<String, Value> = serde_json::from_slice(&body).unwrap_or_default();
    if let Err(e) = env.check_fields(&raw) {
        return ApiError::from(e).into_response();
    }
    match state.handle.request(env).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn not_found(req: HttpRequest) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no such endpoint: {} (see /api/v1/openapi.json)", req.uri().path()),
    )
}

async fn method_not_allowed(req: HttpRequest) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {} (see /api/v1/openapi.json)", req.method(), req.uri().path()),
    )
}

/// The whole application: API under `/api/v1`, the web UI at `/`.
pub(crate) fn app(state: AppState) -> Router {
    let api = rest::routes()
        .merge(sync_panel::routes())
        .layer(DefaultBodyLimit::max(MAX_REST_BODY_BYTES))
        // Uploads stream their body to a file, with their own limit (`attach.rs`).
        .merge(attach::routes())
        .merge(bundle::routes())
        .route("/rpc", post(rpc).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .route("/events", get(events::stream))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/api/v1/openapi.json", get(web::openapi))
        .nest("/api/v1", api)
        .merge(web::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(in_request_language))
        .layer(middleware::from_fn_with_state(state.clone(), check_host))
        .with_state(state)
}

/// Serves the API until `shutdown` turns true, to requests whose `Host` names it (the bound
/// address, `localhost`, or one of `hosts`; see [`AllowedHosts`]). Returns the bound address and the server task.
pub(crate) async fn serve(
    addr: SocketAddr,
    hosts: &[String],
    dir: &DataDir,
    handle: NodeHandle,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), NodeError> {
    let token = token(dir)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| NodeError::Network(format!("cannot serve the API on {addr}: {e}")))?;
    let bound = listener.local_addr().map_err(|e| NodeError::Network(e.to_string()))?;
    let hosts = std::sync::Arc::new(AllowedHosts::new(bound, hosts));
    let app = app(AppState { handle, token, hosts, shutdown: shutdown.clone() });
    let info = ApiInfo { url: format!("http://{bound}"), pid: std::process::id() };
    let info_file = info_path(dir);
    crate::identity::write_private(&info_file, &serde_json::to_vec(&info).unwrap_or_default())?;
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

/// The login URL `twin start` prints: the web UI with the token in the fragment (a fragment is
/// never sent to the server, so it stays out of logs; the UI moves it to local storage).
pub fn login_url(base: &str, token: &str) -> String {
    format!("{base}/#token={token}")
}
