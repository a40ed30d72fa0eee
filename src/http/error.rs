//! The one error type of every HTML page, self-test and live. Client mistakes become a page
//! that says what was wrong; anything internal is logged and shown only as
//! "something went wrong", so no detail of the server leaks into a page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::page::{Chrome, ErrorPage};
use crate::store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// Unknown set, attempt, question or path: 404.
    NotFound(String),
    /// A malformed or forged form: 400, saying what was wrong.
    BadRequest(String),
    /// A form from a browser that does not own the attempt or the room, or
    /// from another site: 403.
    Forbidden(String),
    /// Too many requests from one place: 429, saying how long to wait.
    TooManyRequests(String),
    /// The request is fine but the state does not allow it, such as an
    /// attempt whose question set has changed: 409.
    Conflict(String),
    PayloadTooLarge,
    UnsupportedMediaType,
    /// Logged in full; the page says only that something went wrong.
    Internal(String),
}

impl AppError {
    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError::Internal(detail.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn heading(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "Page not found",
            AppError::BadRequest(_) | AppError::UnsupportedMediaType => {
                "That form could not be used"
            }
            AppError::PayloadTooLarge => "That form was too large",
            AppError::Forbidden(_) => "Not allowed",
            AppError::TooManyRequests(_) => "Too many at once",
            AppError::Conflict(_) => "That cannot be done now",
            AppError::Internal(_) => "Something went wrong",
        }
    }

    fn message(&self) -> String {
        match self {
            AppError::NotFound(m)
            | AppError::BadRequest(m)
            | AppError::Forbidden(m)
            | AppError::TooManyRequests(m)
            | AppError::Conflict(m) => m.clone(),
            AppError::PayloadTooLarge => {
                "The form sent more data than any quizline form holds, so it was not read.".into()
            }
            AppError::UnsupportedMediaType => {
                "The request was not a web form (application/x-www-form-urlencoded).".into()
            }
            AppError::Internal(_) => {
                "The server could not finish this request. Nothing you did caused it; \
                 please try again in a moment."
                    .into()
            }
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Internal(detail) => write!(f, "internal error: {detail}"),
            other => write!(f, "{}: {}", other.heading(), other.message()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Internal(format!("store: {}", e.chain()))
    }
}

/// A refusal of the JSON boundary, shown as a page: same status, same words.
impl From<super::ApiError> for AppError {
    fn from(e: super::ApiError) -> Self {
        match e.status {
            StatusCode::NOT_FOUND | StatusCode::GONE => AppError::NotFound(e.message),
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => AppError::Forbidden(e.message),
            StatusCode::CONFLICT => AppError::Conflict(e.message),
            StatusCode::TOO_MANY_REQUESTS => AppError::TooManyRequests(e.message),
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            s if s.is_client_error() => AppError::BadRequest(e.message),
            _ => AppError::Internal(e.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            AppError::Internal(detail) => tracing::error!(%detail, "request failed"),
            other => tracing::debug!(status = status.as_u16(), error = %other, "request refused"),
        }
        let page = ErrorPage {
            chrome: Chrome::new(""),
            status: status.as_u16(),
            heading: self.heading(),
            message: self.message(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "the error page did not render");
                (status, self.heading()).into_response()
            }
        }
    }
}
