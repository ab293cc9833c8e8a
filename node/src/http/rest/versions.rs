//! Named versions of a document, approvals by the partner towns, restoring, comparing.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/docs/{doc}/versions", get(doc_versions).post(doc_version_name))
        .route("/docs/{doc}/versions/{version}", get(doc_version))
        .route("/docs/{doc}/versions/{version}/restore", post(doc_restore))
        .route("/docs/{doc}/versions/{version}/request-approval", post(doc_request_approval))
        .route("/docs/{doc}/versions/{version}/approve", post(doc_approve))
        .route("/docs/{doc}/compare", get(doc_compare))
}

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
    let lang = Some(crate::http::lang_of(&headers));
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
    let lang = Some(crate::http::lang_of(&headers));
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
    let lang = Some(crate::http::lang_of(&headers));
    Ok(Json(call(&st, None, Request::DocCompare { doc, from, to: q.get("to").cloned(), lang }).await?))
}
