//! CSS, JavaScript and the icon, compiled into the binary from `web/assets`
//! so that one file serves the whole app, offline.

use std::sync::OnceLock;

use axum::extract::RawQuery;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::AppError;
use super::form::PathParams;
use super::util::hex;

#[derive(RustEmbed)]
#[folder = "web/assets/"]
struct Assets;

/// Asset addresses carry a hash of the content, so a browser may keep them
/// for good and still never runs an old script against a new page.
pub struct Urls {
    pub css: String,
    pub js: String,
    pub icon: String,
}

fn version(path: &str) -> String {
    Assets::get(path)
        .map(|f| hex(&f.metadata.sha256_hash()[..6]))
        .unwrap_or_default()
}

fn url(path: &str) -> String {
    format!("/assets/{path}?v={}", version(path))
}

pub fn urls() -> &'static Urls {
    static URLS: OnceLock<Urls> = OnceLock::new();
    URLS.get_or_init(|| Urls {
        css: url("quizline.css"),
        js: url("quizline.js"),
        icon: url("icon.svg"),
    })
}

pub async fn asset(
    PathParams(path): PathParams<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let file = Assets::get(&path)
        .ok_or_else(|| AppError::NotFound(format!("There is no file {path} here.")))?;
    let hash = hex(&file.metadata.sha256_hash());
    let etag = format!("\"{}\"", &hash[..32]);
    let versioned = format!("v={}", &hash[..12]);
    let cache = if query.as_deref() == Some(versioned.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let content_type = if mime.type_() == "text" || mime.subtype() == "javascript" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    let mut response = if headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        file.data.into_owned().into_response()
    };
    let h = response.headers_mut();
    for (name, value) in [
        (CONTENT_TYPE, content_type.as_str()),
        (CACHE_CONTROL, cache),
        (ETAG, etag.as_str()),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    Ok(response)
}
