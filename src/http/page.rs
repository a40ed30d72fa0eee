//! What every page shares: the base layout (`web/templates/base.html`), the
//! asset URLs it links, and the error page.

use askama::Template;

use super::assets::url;

/// The layout's parts that differ from page to page.
pub struct Chrome {
    pub css: &'static str,
    pub icon: &'static str,
    /// Scripts, in order; all deferred.
    pub scripts: Vec<&'static str>,
    /// "home", "history", "host", "play" or "" for the navigation's
    /// `aria-current`.
    pub section: &'static str,
    /// A class on `<body>` for the pages that lay out the whole screen.
    pub body_class: &'static str,
    /// The site header and footer; a projected screen leaves them out.
    pub site_frame: bool,
}

impl Chrome {
    /// A self-test page: the enhancement script only.
    pub fn new(section: &'static str) -> Chrome {
        Chrome {
            css: url("quizline.css"),
            icon: url("icon.svg"),
            scripts: vec![url("quizline.js")],
            section,
            body_class: "",
            site_frame: true,
        }
    }

    /// A live page: the shared socket code, then the page's own script
    /// (`live/host.js`, …), or none.
    pub fn live(section: &'static str, script: Option<&'static str>) -> Chrome {
        Chrome {
            scripts: script
                .map(|s| vec![url("live/common.js"), url(s)])
                .unwrap_or_default(),
            // The stylesheet scopes what live pages do differently to this.
            body_class: "live",
            ..Chrome::new(section)
        }
    }

    /// A full-screen live page with no site header: the projector.
    pub fn screen(mut self) -> Chrome {
        self.site_frame = false;
        self
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub heading: &'static str,
    pub message: String,
}
