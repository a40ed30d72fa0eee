//! Who is asking: a random browser id in an HttpOnly cookie (no accounts),
//! the form token derived from it, and the live host's owner key. Every
//! cookie is read and written through axum-extra's [`CookieJar`].
//!
//! The form token is a hash of the browser id, so it survives restarts and
//! needs no server secret: the id itself is 128 random bits no other site
//! can read. See [`super::csrf`] for how it joins the origin check.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use sha2::{Digest, Sha256};
use time::Duration;

use super::AppError;
use super::secret::{ct_eq, is_id, is_secret, new_secret, random_id};

pub const BROWSER_COOKIE: &str = "quizline_browser";

/// The key a browser proves it hosts live rooms with.
pub const OWNER_COOKIE: &str = "quizline_host";

/// A year: the history lives as long as the cookie.
const COOKIE_MAX_AGE: Duration = Duration::days(365);

fn cookie(name: &'static str, value: String, same_site: SameSite) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .max_age(COOKIE_MAX_AGE)
        .http_only(true)
        .same_site(same_site)
        .build()
}

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
    hex::encode(&digest[..16])
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
        if ct_eq(sent.as_bytes(), self.csrf().as_bytes()) {
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

    fn from_jar(jar: &CookieJar) -> Browser {
        match jar
            .get(BROWSER_COOKIE)
            .map(Cookie::value_trimmed)
            .filter(|v| is_id(v))
        {
            Some(id) => Browser {
                id: id.to_string(),
                fresh: false,
            },
            None => Browser {
                id: random_id(),
                fresh: true,
            },
        }
    }
}

/// Gives every page request a [`Browser`], and sets the cookie when the
/// browser came without one. `SameSite=Lax`, so another site's form POST
/// arrives without it.
pub async fn ensure_browser(jar: CookieJar, mut req: Request, next: Next) -> Response {
    let browser = Browser::from_jar(&jar);
    req.extensions_mut().insert(browser.clone());
    let response = next.run(req).await;
    if browser.fresh {
        let jar = jar.add(cookie(BROWSER_COOKIE, browser.id, SameSite::Lax));
        (jar, response).into_response()
    } else {
        response
    }
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

/// The owner key this browser sent, if it is well formed.
pub fn owner_key(jar: &CookieJar) -> Option<String> {
    jar.get(OWNER_COOKIE)
        .map(Cookie::value_trimmed)
        .filter(|v| is_secret(v))
        .map(str::to_string)
}

/// The browser's owner key, made and added to the jar when it has none.
pub fn ensure_owner_key(jar: CookieJar) -> (String, CookieJar) {
    match owner_key(&jar) {
        Some(k) => (k, jar),
        None => {
            let k = new_secret();
            let jar = jar.add(cookie(OWNER_COOKIE, k.clone(), SameSite::Strict));
            (k, jar)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn cookie_is_found_among_others_and_checked() {
        let id = "0123456789abcdef0123456789abcdef";
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=b; quizline_browser=nope"),
        );
        assert!(Browser::from_jar(&CookieJar::from_headers(&headers)).fresh);
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=b"));
        headers.append(
            COOKIE,
            HeaderValue::from_str(&format!("x=1; {BROWSER_COOKIE}={id}")).unwrap(),
        );
        let b = Browser::from_jar(&CookieJar::from_headers(&headers));
        assert_eq!((b.id.as_str(), b.fresh), (id, false));
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

    #[test]
    fn owner_key_is_made_once() {
        let (k, jar) = ensure_owner_key(CookieJar::new());
        assert!(is_secret(&k));
        let set = jar.get(OWNER_COOKIE).unwrap();
        assert_eq!(set.same_site(), Some(SameSite::Strict));
        assert_eq!(set.http_only(), Some(true));
        let (again, _) = ensure_owner_key(jar.clone());
        assert_eq!(again, k);
    }
}
