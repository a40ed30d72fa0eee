//! A live quiz in a real browser: starts the server binary and runs
//! `tests/e2e/live.mjs` (playwright-core driving Debian's Chromium, with
//! axe-core): a host and three students play a whole game. Without
//! Chromium, Node or `tests/e2e/node_modules` the test
//! says loudly that it was skipped, and passes, unless `QUIZLINE_E2E=required`
//! (as CI sets), when a missing piece is a failure.
//!
//! Set up once with `npm ci --prefix tests/e2e`; run with
//! `cargo test --test e2e_live -- --nocapture`.

mod support;

#[test]
fn a_host_and_three_students_play_a_live_quiz_in_chromium() {
    support::run_browser_test(
        "live.mjs",
        &[
            "tests/fixtures/live-choice.ron",
            "tests/fixtures/live-mixed.ron",
        ],
    );
}
