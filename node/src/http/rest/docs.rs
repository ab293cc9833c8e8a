//! Documents: list, create, show (JSON, Markdown, other formats), history, edits and splices.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/spaces/{space}/docs", get(space_docs))
        .route("/docs", get(docs).post(doc_create))
        .route("/docs/{doc}", get(doc_show))
        .route("/docs/{doc}/edits", post(doc_edit))
        .route("/docs/{doc}/splices", post(doc_splice))
        .route("/docs/{doc}/history", get(doc_history))
        .route("/docs/{doc}/markdown", get(doc_markdown))
        .route("/docs/{doc}/export", get(doc_export))
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
    let lang = Some(b.lang.unwrap_or_else(|| crate::http::lang_of(&headers).code().to_string()));
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
                lang: Some(crate::http::lang_of(&headers)),
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
