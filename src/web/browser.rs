//! Who is asking: a random browser id in an HttpOnly cookie (no accounts),
//! and the form token derived from it.
//!
//! CSRF defence is twofold: the cookie is `SameSite=Lax`, so another site's
//! form POST arrives without it, and every form carries a token that only a
//! page from this server, read by this browser, can know. The token is a hash
//! of the browser id, so it survives restarts and needs no server secret: the
//! id itself is 128 random bits no other site can read.

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::AppError;
use super::util::{hex, is_id, random_id};

pub const BROWSER_COOKIE: &str = "quizline_browser";

/// A year: the history lives as long as the cookie.
const COOKIE_MAX_AGE: u32 = 365 * 24 * 3600;

#[derive(Debug, Clone)]
pub struct Browser {
    pub id: String,
    /// The request came without a usable cookie; one is being set now.
    pub fresh: bool,
}

/// The form token for a browser id.
pub fn csrf_token(browser_id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"quizline form token v1\0")
        .chain_update(browser_id.as_bytes())
        .finalize();
    hex(&digest[..16])
}

impl Browser {
    pub fn csrf(&self) -> String {
        csrf_token(&self.id)
    }

    /// Checks a form's token; the message says what to do about it.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        if self.fresh {
            return Err(AppError::BadRequest(
                "Your browser did not send quizline's cookie with this form, so it cannot \
                 be trusted. Allow cookies for this site, reload the page and try again."
                    .into(),
            ));
        }
        let Some(sent) = sent else {
            return Err(AppError::BadRequest(
                "The form has no security token. Reload the page and try again.".into(),
            ));
        };
        let expected = self.csrf();
        // Compared in full every time, so the time taken does not tell how
        // much of a guess was right.
        let same = sent.len() == expected.len()
            && sent
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Ok(())
        } else {
            Err(AppError::BadRequest(
                "The form's security token does not match this browser. It may come from \
                 another site, or from a page opened before your cookies were cleared. \
                 Reload the page and try again."
                    .into(),
            ))
        }
    }
}

fn browser_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == BROWSER_COOKIE && is_id(value.trim_matches('"')))
        .map(|(_, value)| value.trim_matches('"').to_string())
}

/// Gives every page request a [`Browser`], and sets the cookie when the
/// browser came without one.
pub async fn ensure_browser(mut req: Request, next: Next) -> Response {
    let browser = match browser_cookie(req.headers()) {
        Some(id) => Browser { id, fresh: false },
        None => match random_id() {
            Ok(id) => Browser { id, fresh: true },
            Err(e) => return e.into_response(),
        },
    };
    req.extensions_mut().insert(browser.clone());
    let mut response = next.run(req).await;
    if browser.fresh {
        let cookie = format!(
            "{BROWSER_COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax",
            browser.id
        );
        match HeaderValue::from_str(&cookie) {
            Ok(v) => {
                response.headers_mut().append(SET_COOKIE, v);
            }
            Err(e) => tracing::error!(error = %e, "cannot build the browser cookie"),
        }
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Browser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Browser>()
            .cloned()
            .ok_or_else(|| AppError::internal("a page route is missing the browser middleware"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_is_found_among_others_and_checked() {
        let id = "0123456789abcdef0123456789abcdef";
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=b; quizline_browser=nope"),
        );
        assert_eq!(browser_cookie(&headers), None);
        headers.append(
            COOKIE,
            HeaderValue::from_str(&format!("x=1; {BROWSER_COOKIE}={id}")).unwrap(),
        );
        assert_eq!(browser_cookie(&headers).as_deref(), Some(id));
    }

    #[test]
    fn token_is_per_browser() {
        let a = Browser {
            id: "0123456789abcdef0123456789abcdef".into(),
            fresh: false,
        };
        let b = Browser {
            id: "f123456789abcdef0123456789abcdef".into(),
            fresh: false,
        };
        assert!(a.check_csrf(Some(&a.csrf())).is_ok());
        assert!(a.check_csrf(Some(&b.csrf())).is_err());
        assert!(a.check_csrf(None).is_err());
        assert!(a.check_csrf(Some("")).is_err());
        let fresh = Browser {
            fresh: true,
            ..a.clone()
        };
        assert!(fresh.check_csrf(Some(&a.csrf())).is_err());
        assert_ne!(a.csrf(), a.id, "the token does not reveal the id");
    }
}
