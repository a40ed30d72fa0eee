//! Every stylesheet, script and icon of both front ends, compiled into the
//! binary from `web/assets` so that one file serves the whole app, offline.
//!
//! Pages link each asset by a URL that carries a hash of its content
//! ([`url`]), served `immutable`: a browser keeps it for good, and after an
//! upgrade the page names a new URL, so no old script ever runs against a
//! new page. Any other URL of the same file is served `no-cache`.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::RawQuery;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::AppError;
use super::form::PathParams;

#[derive(RustEmbed)]
#[folder = "web/assets/"]
struct Assets;

/// Hex digits of the content hash in a versioned URL.
const VERSION_LEN: usize = 12;

/// Every asset's versioned URL, such as `/assets/live/play.js?v=…`.
fn urls() -> &'static HashMap<String, String> {
    static URLS: OnceLock<HashMap<String, String>> = OnceLock::new();
    URLS.get_or_init(|| {
        Assets::iter()
            .filter_map(|path| {
                let file = Assets::get(&path)?;
                let hash = hex::encode(file.metadata.sha256_hash());
                let url = format!("/assets/{path}?v={}", &hash[..VERSION_LEN]);
                Some((path.into_owned(), url))
            })
            .collect()
    })
}

/// The versioned URL of an asset. A path that is not one gets a URL that
/// 404s, which every page test would catch.
pub fn url(path: &str) -> &'static str {
    urls()
        .get(path)
        .map(String::as_str)
        .unwrap_or("/assets/missing")
}

/// `/assets/{*path}`.
pub async fn asset(
    PathParams(path): PathParams<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(&path, query.as_deref(), &headers)
}

/// `/live/assets/{file}`: where pages before the one asset handler linked
/// the live scripts. A page cached from then still finds them.
pub async fn legacy_live_asset(
    PathParams(file): PathParams<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(&format!("live/{file}"), None, &headers)
}

fn serve(path: &str, query: Option<&str>, headers: &HeaderMap) -> Result<Response, AppError> {
    let file = Assets::get(path)
        .ok_or_else(|| AppError::NotFound(format!("There is no file {path} here.")))?;
    let hash = hex::encode(file.metadata.sha256_hash());
    let etag = format!("\"{}\"", &hash[..32]);
    let versioned = format!("v={}", &hash[..VERSION_LEN]);
    let cache = if query == Some(versioned.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_url_is_versioned_by_content() {
        for path in ["quizline.css", "quizline.js", "icon.svg", "live/play.js"] {
            let u = url(path);
            let v = u.rsplit_once("?v=").map(|(_, v)| v).unwrap_or("");
            assert_eq!(v.len(), VERSION_LEN, "{path}: {u}");
            assert!(std::ptr::eq(u, url(path)), "computed once");
        }
    }
}
