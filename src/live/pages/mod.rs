//! The host's and the students' pages, as askama templates in
//! `web/templates/live/` on the same base layout as the self-tests (every
//! value escaped). The pages talk to the server through the same protocol
//! as any other client; nothing here decides a score.

mod host;
mod new_room;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::util::normalize_code;
use crate::http::AppError;
use crate::http::form::PathParams;
use crate::http::page::Chrome;

pub use host::{host, results};
pub use new_room::{create_room, new_room};

pub(super) fn html(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "live/message.html")]
struct MessagePage<'a> {
    chrome: Chrome,
    heading: &'a str,
    text: &'a str,
    href: &'a str,
    link: &'a str,
}

pub(super) fn message_page(
    status: StatusCode,
    heading: &str,
    text: &str,
    link: (&str, &str),
) -> Response {
    html(
        status,
        MessagePage {
            chrome: Chrome::live("host", None),
            heading,
            text,
            href: link.0,
            link: link.1,
        },
    )
}

/// A time as the host's pages show it, in UTC.
pub(super) fn fmt_time(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

// ----- the students' page -------------------------------------------------------------

#[derive(Template)]
#[template(path = "live/play.html")]
struct PlayPage {
    chrome: Chrome,
    code: String,
}

pub async fn play() -> Response {
    play_page(String::new())
}

pub async fn play_code(PathParams(code): PathParams<String>) -> Response {
    play_page(normalize_code(&code).unwrap_or_default())
}

fn play_page(code: String) -> Response {
    html(
        StatusCode::OK,
        PlayPage {
            chrome: Chrome::live("play", Some("live/play.js")).screen(),
            code,
        },
    )
}
