//! The self-test pages in a real browser: starts the server binary and runs
//! `tests/e2e/selftest.mjs` (playwright-core driving Debian's Chromium, with
//! axe-core). Without Chromium, Node or `tests/e2e/node_modules` the test
//! says loudly that it was skipped, and passes, unless `QUIZLINE_E2E=required`
//! (as CI sets), when a missing piece is a failure.
//!
//! Set up once with `npm ci --prefix tests/e2e`; run with
//! `cargo test --test e2e_web -- --nocapture`.

mod support;

#[test]
fn a_student_takes_a_whole_quiz_in_chromium() {
    support::run_browser_test(
        "selftest.mjs",
        &["tests/fixtures/web-all-kinds.ron", "questions"],
    );
}
