//! REST endpoints for bundles, the files an officer carries to a partner town when the network
//! is down. Both move the file's raw bytes (no base64 in JSON): an export answers with the file
//! itself, named for the space and the partner; an import reads the body (at most
//! [`MAX_EXPORT_BYTES`], streamed, not under the other endpoints' 4 MiB limit) and answers with
//! what it did. Like the other endpoints, each answers through an [`crate::api::Request`], and
//! the engine reports progress of long work as `progress` events (`GET /api/v1/events`).

use axum::{
    Json, Router,
    body::Body,
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use futures::StreamExt;
use serde_json::Value;
use twinmesh_protocol::{export::MAX_EXPORT_BYTES, ids::SpaceId};

use super::{ApiError, AppState, call, rest::QueryMap};
use crate::{api::Request, error::NodeError};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/spaces/{space}/bundle", get(export)).route("/bundles", post(import))
}

fn space_of(p: Result<Path<String>, PathRejection>) -> Result<SpaceId, ApiError> {
    let Path(s) = p.map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text())))?;
    s.parse().map_err(|_| ApiError::bad_request(format!("'{s}' is not a space id")))
}

/// A name fit for a file: ASCII letters, digits, `.`, `_` and `-`, at most 40 characters.
fn stem(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' };
        if !(c == '_' && s.ends_with('_')) && s.len() < 40 {
            s.push(c);
        }
    }
    s.trim_matches(|c| c == '_' || c == '.').to_string()
}

/// The file name of a bundle: `<space>-for-<partner>.twinbundle`, or `<space>.twinbundle`.
fn file_name(space: &str, partner: Option<&str>) -> String {
    let space = match stem(space) {
        s if s.is_empty() => "space".to_string(),
        s => s,
    };
    match partner.map(stem).filter(|p| !p.is_empty()) {
        Some(p) => format!("{space}-for-{p}.twinbundle"),
        None => format!("{space}.twinbundle"),
    }
}

/// `GET /spaces/{space}/bundle?for=PARTNER`: the bundle file itself. Without `for`, every
/// change of the space's documents; with it (a member's id or name), only what that partner
/// lacks as of the last sync with it. The counts are in `X-Twinmesh-*` headers.
async fn export(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: QueryMap,
) -> Result<Response, ApiError> {
    let space = space_of(p)?;
    let q = super::rest::query(q, &["for"])?;
    let partner = q.get("for").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let v = call(&st, None, Request::BundleExport { space, partner: partner.clone() }).await?;
    let bytes = data_encoding::BASE64
        .decode(v.get("data").and_then(Value::as_str).unwrap_or_default().as_bytes())
        .map_err(|_| ApiError::from(NodeError::Corrupt("the bundle is not base64".into())))?;
    // Named for people: the space's and the partner's names as this node knows them.
    let spaces = call(&st, None, Request::SpaceList).await?;
    let sid = space.to_string();
    let space_name = spaces
        .as_array()
        .and_then(|l| l.iter().find(|s| s["id"].as_str() == Some(sid.as_str())))
        .and_then(|s| s["name"].as_str())
        .unwrap_or("space")
        .to_string();
    let partner_name = match &partner {
        Some(who) => {
            let m = call(&st, None, Request::SpaceMembers { space }).await?;
            let named = m["members"].as_array().and_then(|l| {
                l.iter().find(|x| x["id"].as_str() == Some(who.as_str())).and_then(|x| x["name"].as_str())
            });
            Some(named.unwrap_or(who).to_string())
        }
        None => None,
    };
    let name = file_name(&space_name, partner_name.as_deref());
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0).to_string();
    let mut resp = (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response();
    let headers = resp.headers_mut();
    for (h, value) in [
        ("x-twinmesh-documents", n("documents")),
        ("x-twinmesh-changes", n("changes")),
        ("x-twinmesh-attachments", n("attachments")),
        (
            "x-twinmesh-incremental",
            v.get("incremental").and_then(Value::as_bool).unwrap_or(false).to_string(),
        ),
        ("x-twinmesh-file-name", name.clone()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(h), value);
        }
    }
    Ok(resp)
}

/// `POST /bundles`, the bundle file as the body: checked and applied all or nothing; answers
/// with what it did (documents, new documents, changes new and waiting, attachments kept).
async fn import(State(st): State<AppState>, body: Body) -> Result<Json<Value>, ApiError> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("the upload broke off: {e}")))?;
        if bytes.len() + chunk.len() > MAX_EXPORT_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a bundle may be at most {MAX_EXPORT_BYTES} bytes"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.is_empty() {
        return Err(ApiError::bad_request("the body is empty: send the bundle file as the body"));
    }
    let data = data_encoding::BASE64.encode(&bytes);
    drop(bytes);
    Ok(Json(call(&st, None, Request::BundleImport { data }).await?))
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn bundle_file_names_are_safe_and_name_space_and_partner() {
        assert_eq!(
            file_name("Saint-Pol – Warstein", Some("Warstein")),
            "Saint-Pol_Warstein-for-Warstein.twinbundle"
        );
        assert_eq!(file_name("Keighley", None), "Keighley.twinbundle");
        assert_eq!(file_name("«»", Some("  ")), "space.twinbundle");
        assert!(file_name(&"x".repeat(500), None).len() < 60);
    }
}
