//! The one form extractor of both front ends: every field as sent
//! (checkboxes repeat a name), after the token check that every
//! state-changing form passes first; and path parameters that 404 when they
//! do not fit.

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;

use super::AppError;
use super::browser::Browser;

/// The fields of a form, in the order sent.
#[derive(Debug, Default)]
pub struct FormData {
    pairs: Vec<(String, String)>,
}

impl FormData {
    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> FormData {
        FormData {
            pairs: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field that a page sends at most once.
    pub fn one<'a>(&'a self, name: &str) -> Result<Option<&'a str>, AppError> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(AppError::BadRequest(format!(
                "The form sent the field `{name}` more than once."
            )));
        }
        Ok(first)
    }
}

/// A form whose token matched the browser that sent it.
#[derive(Debug)]
pub struct CsrfForm {
    pub browser: Browser,
    pub form: FormData,
}

impl<S: Send + Sync> FromRequest<S> for CsrfForm {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let browser = Browser::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
                StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
                _ => AppError::BadRequest(
                    "The form could not be read: it is not valid form data.".into(),
                ),
            })?;
        let form = FormData { pairs };
        browser.check_csrf(form.one("csrf")?)?;
        Ok(CsrfForm { browser, form })
    }
}

/// Path parameters; an address that does not fit is a page that does not
/// exist (404), not a malformed request.
pub struct PathParams<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParams<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| PathParams(t))
            .map_err(|_| AppError::NotFound("There is no page at this address.".into()))
    }
}
