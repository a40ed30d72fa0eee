//! HTTP against a real server, as a browser without JavaScript would speak
//! it: one cookie jar of its own (the browser cookie), forms sent urlencoded,
//! redirects not followed so that a test sees each one. Pages are read with
//! `scraper`, forms with `serde_urlencoded`, CSV with `csv`.

use reqwest::blocking::Client;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use scraper::{Html, Selector};

/// A visitor: the server's base URL and the cookies it was given.
pub struct Browser {
    client: Client,
    base: String,
    cookies: Vec<(String, String)>,
}

/// A response, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.header(LOCATION.as_str())
            .unwrap_or_else(|| panic!("{} is not a redirect: {}", self.status, self.body))
    }

    pub fn page(&self) -> Page {
        Page::parse(&self.body)
    }

    /// The body as CSV records, the header row first.
    pub fn csv(&self) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(self.body.as_bytes())
            .records()
            .map(|r| r.expect("a CSV record").iter().map(String::from).collect())
            .collect()
    }
}

impl Browser {
    /// `base`: `http://127.0.0.1:PORT`.
    pub fn new(base: &str) -> Browser {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        Browser {
            client,
            base: base.trim_end_matches('/').to_string(),
            cookies: vec![],
        }
    }

    /// The same visitor against another server (after a restart).
    pub fn at(&self, base: &str) -> Browser {
        Browser {
            base: base.trim_end_matches('/').to_string(),
            client: self.client.clone(),
            cookies: self.cookies.clone(),
        }
    }

    fn send(&mut self, request: reqwest::blocking::RequestBuilder) -> Reply {
        let request = if self.cookies.is_empty() {
            request
        } else {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request.header(COOKIE, jar.join("; "))
        };
        let response = request.send().expect("the server answers");
        for set in response.headers().get_all(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.retain(|(name, _)| name != k.trim());
                self.cookies
                    .push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().expect("a complete body");
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn get(&mut self, path: &str) -> Reply {
        let url = format!("{}{path}", self.base);
        let request = self.client.get(url);
        self.send(request)
    }

    /// POSTs `fields` as `application/x-www-form-urlencoded`.
    pub fn post<K: AsRef<str>, V: AsRef<str>>(&mut self, path: &str, fields: &[(K, V)]) -> Reply {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        let body = serde_urlencoded::to_string(&pairs).expect("form fields encode");
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request)
    }
}

/// An HTML page, queried with CSS selectors.
pub struct Page(Html);

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e}"))
}

impl Page {
    pub fn parse(html: &str) -> Page {
        Page(Html::parse_document(html))
    }

    /// The `attr` of every element `css` selects, in document order.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.0
            .select(&selector(css))
            .filter_map(|e| e.value().attr(attr).map(String::from))
            .collect()
    }

    /// The `attr` of the one element `css` selects.
    pub fn attr(&self, css: &str, attr: &str) -> String {
        let all = self.attrs(css, attr);
        assert_eq!(all.len(), 1, "{css} [{attr}]: {all:?}");
        all.into_iter().next().unwrap()
    }

    /// The text of every element `css` selects, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.0
            .select(&selector(css))
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    pub fn count(&self, css: &str) -> usize {
        self.0.select(&selector(css)).count()
    }

    /// The form's hidden CSRF token.
    pub fn csrf(&self) -> String {
        self.attr("input[name=csrf]", "value")
    }
}

/// A form body read back into its fields, in order.
pub fn form_fields(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(body).expect("a urlencoded form")
}
