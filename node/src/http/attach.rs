//! REST endpoints for attachments. An upload streams its body to a temporary file in the blob
//! directory (at most [`MAX_FILE_SIZE`] bytes; the other endpoints keep their 4 MiB limit) and
//! is then attached by path; a download streams the file from the blob directory. Like the
//! other endpoints, each one answers through an [`crate::api::Request`].

use std::io::{Read, Write};

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::{Path, State, rejection::PathRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::Value;
use twinmesh_protocol::ids::{DocId, SpaceId};

use super::{ApiError, AppState, JsonBody, call, rest::QueryMap};
use crate::{api::Request, error::NodeError, store::blobs::MAX_FILE_SIZE};

type Answer = Result<Json<Value>, ApiError>;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/docs/{doc}/attachments", get(list).post(upload))
        .route("/docs/{doc}/attachments/{id}", get(one))
        .route("/docs/{doc}/attachments/{id}/fetch", post(fetch))
        .route("/docs/{doc}/attachments/{id}/remove", post(remove))
        .route("/spaces/{space}/storage", get(storage).put(set_storage))
}

fn doc_of(p: Result<Path<String>, PathRejection>) -> Result<DocId, ApiError> {
    let Path(s) = p.map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text())))?;
    s.parse().map_err(|_| ApiError::bad_request(format!("'{s}' is not a document id")))
}

fn doc_and_id(p: Result<Path<(String, String)>, PathRejection>) -> Result<(DocId, String), ApiError> {
    let Path((d, id)) = p.map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text())))?;
    Ok((d.parse().map_err(|_| ApiError::bad_request(format!("'{d}' is not a document id")))?, id))
}

async fn list(State(st): State<AppState>, p: Result<Path<String>, PathRejection>) -> Answer {
    Ok(Json(call(&st, None, Request::DocAttachments { doc: doc_of(p)? }).await?))
}

/// `POST /docs/{doc}/attachments?name=…&caption=…&media_type=…&officer=…`, the file as the body.
async fn upload(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: QueryMap,
    body: Body,
) -> Answer {
    let doc = doc_of(p)?;
    let q = super::rest::query(q, &["name", "caption", "media_type", "officer"])?;
    let name =
        q.get("name").cloned().ok_or_else(|| ApiError::bad_request("give the file's name: ?name=…"))?;
    let dir = st.handle.engine.call(|e| e.data_dir().root().join("blobs")).await?;
    let tmp =
        dir.join(format!("tmp-upload-{}", data_encoding::HEXLOWER.encode(&crate::engine::random::<8>())));
    // The file is written on a blocking thread; the body's chunks reach it through a channel.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let path = tmp.clone();
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        let mut f = std::fs::File::create(&path)?;
        while let Some(chunk) = rx.blocking_recv() {
            f.write_all(&chunk)?;
        }
        f.sync_all()
    });
    let mut stream = body.into_data_stream();
    let mut size = 0u64;
    let mut result: Result<(), ApiError> = Ok(());
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                result = Err(ApiError::bad_request(format!("the upload broke off: {e}")));
                break;
            }
        };
        size += chunk.len() as u64;
        if size > MAX_FILE_SIZE {
            result = Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("an attachment may be at most {MAX_FILE_SIZE} bytes (512 MiB)"),
            ));
            break;
        }
        if tx.send(chunk).await.is_err() {
            break;
        }
    }
    drop(tx);
    let written = writer.await.map_err(|e| NodeError::Internal(e.to_string()))?;
    if result.is_ok() {
        result = written.map_err(|e| NodeError::io(&tmp, e).into());
    }
    let answer = match result {
        Ok(()) => {
            let req = Request::DocAttach {
                doc,
                path: tmp.display().to_string(),
                name: Some(name),
                media_type: q.get("media_type").cloned(),
                caption: q.get("caption").cloned(),
            };
            call(&st, q.get("officer").cloned(), req).await
        }
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&tmp);
    Ok(Json(answer?))
}

/// `GET /docs/{doc}/attachments/{id}` (JSON), with `?download=true` the file itself.
async fn one(
    State(st): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
    q: QueryMap,
) -> Result<Response, ApiError> {
    let (doc, id) = doc_and_id(p)?;
    let q = super::rest::query(q, &["download"])?;
    let v = call(&st, None, Request::DocAttachmentGet { doc, id }).await?;
    if !matches!(q.get("download").map(String::as_str), Some("true" | "1")) {
        let mut v = v;
        if let Some(o) = v.as_object_mut() {
            o.remove("path");
        }
        return Ok(Json(v).into_response());
    }
    let Some(path) = v.get("path").and_then(Value::as_str).map(std::path::PathBuf::from) else {
        return Err(NodeError::UnknownAttachment(format!(
            "{}: {}",
            v["name"].as_str().unwrap_or_default(),
            v["state"].as_str().unwrap_or_default()
        ))
        .into());
    };
    // Read on a blocking thread, 1 MiB at a time, through a channel of a few chunks.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        loop {
            let mut buf = vec![0u8; 1 << 20];
            match f.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) });
    let name = v["name"].as_str().unwrap_or("attachment").replace(['"', '\\'], "_");
    let headers = [
        (header::CONTENT_TYPE, v["media_type"].as_str().unwrap_or("application/octet-stream").to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        (header::CONTENT_LENGTH, v["size"].as_u64().unwrap_or(0).to_string()),
    ];
    Ok((headers, Body::from_stream(stream)).into_response())
}

async fn fetch(State(st): State<AppState>, p: Result<Path<(String, String)>, PathRejection>) -> Answer {
    let (doc, id) = doc_and_id(p)?;
    Ok(Json(call(&st, None, Request::DocAttachmentFetch { doc, id }).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoveBody {
    reason: String,
    #[serde(default)]
    officer: Option<String>,
}

async fn remove(
    State(st): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
    JsonBody(b): JsonBody<RemoveBody>,
) -> Answer {
    let (doc, id) = doc_and_id(p)?;
    Ok(Json(call(&st, b.officer, Request::DocAttachmentRemove { doc, id, reason: b.reason }).await?))
}

fn space_of(p: Result<Path<String>, PathRejection>) -> Result<SpaceId, ApiError> {
    let Path(s) = p.map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text())))?;
    s.parse().map_err(|_| ApiError::bad_request(format!("'{s}' is not a space id")))
}

async fn storage(State(st): State<AppState>, p: Result<Path<String>, PathRejection>) -> Answer {
    Ok(Json(call(&st, None, Request::SpaceStorage { space: space_of(p)?, cap: None }).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CapBody {
    /// Bytes; `null` or 0 lifts the cap.
    cap: Option<u64>,
}

async fn set_storage(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    JsonBody(b): JsonBody<CapBody>,
) -> Answer {
    let space = space_of(p)?;
    Ok(Json(call(&st, None, Request::SpaceStorage { space, cap: Some(b.cap.unwrap_or(0)) }).await?))
}
