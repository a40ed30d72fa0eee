//! What the integration tests share, one copy each: process guards and
//! reading a child's output against a deadline (`process`), starting the
//! real server binary and finding its address (`server`), an HTTP client and
//! page, form and CSV readers (`http`), the live protocol's socket that never
//! drops a message (`socket`), and the browser-test runner (`e2e`).
//!
//! Each test crate includes this with `mod support;` and uses a part of it.
#![allow(dead_code)]

pub mod e2e;
pub mod http;
pub mod process;
pub mod server;
pub mod socket;

#[allow(unused_imports)]
pub use e2e::run_browser_test;

use std::path::PathBuf;

/// A path from the crate root.
pub fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A file in `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    repo("tests/fixtures").join(name)
}
