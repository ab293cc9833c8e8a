//! The web UI: plain HTML, CSS and JavaScript compiled into the binary with `include_str!`, so a
//! fresh machine needs no front-end build. The pages hold no data: they read everything through
//! the API with the bearer token, which the login URL's fragment hands to them.

use axum::{
    Json, Router,
    extract::Path,
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;

use super::{AppState, lang_of};
use crate::{
    i18n::{self, Lang},
    t,
};

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
/// The sync panel, the sync markers and presence (loaded after `app.js`).
const SYNC_JS: &str = include_str!("../web/sync.js");
/// Files carried between towns: bundle export and import (loaded after `app.js`).
const BUNDLE_JS: &str = include_str!("../web/bundle.js");
const APP_CSS: &str = include_str!("../web/app.css");
/// The OpenAPI 3.1 description of the API.
pub const OPENAPI_JSON: &str = include_str!("../web/openapi.json");

/// Everything from this origin, nothing inline, no framing: the UI runs with the officer's token.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let headers: [(HeaderName, HeaderValue); 5] = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        // Assets change with the binary; revalidating each time is cheap on loopback.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ];
    (headers, body).into_response()
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }))
        .route("/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/sync.js", get(|| async { asset("text/javascript; charset=utf-8", SYNC_JS) }))
        .route("/bundle.js", get(|| async { asset("text/javascript; charset=utf-8", BUNDLE_JS) }))
        .route("/app.css", get(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
        .route("/i18n/{file}", get(translations))
}

/// `/i18n/languages.json`: the languages the UI can show, each with its own name and locale;
/// `/i18n/<code>.json`: one language's messages for the browser (`ui.ftl` and `schema.ftl`, as
/// `key -> text` with `{name}` placeholders). Public, like the UI's other files: they hold no data.
async fn translations(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let body = match file.strip_suffix(".json") {
        Some("languages") => json!(
            Lang::ALL
                .iter()
                .map(|l| json!({ "code": l.code(), "locale": l.locale(), "name": t!(*l, "language-name") }))
                .collect::<Vec<_>>()
        ),
        Some(code)
            if code == code.to_ascii_lowercase() && Lang::parse(code).is_some_and(|l| l.code() == code) =>
        {
            let lang = Lang::parse(code).unwrap_or(Lang::En);
            json!({ "code": lang.code(), "locale": lang.locale(), "messages": i18n::browser_catalog(lang) })
        }
        _ => {
            let msg =
                t!(lang_of(&headers), "unknown-language", lang = file.trim_end_matches(".json").to_string());
            return super::error(StatusCode::NOT_FOUND, msg);
        }
    };
    let mut r = Json(body).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

pub(crate) async fn openapi() -> Response {
    asset("application/json", OPENAPI_JSON)
}
