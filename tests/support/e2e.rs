//! The browser tests: finding Chromium, Node and the npm packages (a loud
//! skip without them, a failure with `QUIZLINE_E2E=required`), and running
//! one `tests/e2e/*.mjs` script against the real server.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::process::Guard;
use super::server::Server;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing to run the browser test, if anything.
fn missing() -> Option<String> {
    let chromium = chromium();
    if !chromium.exists() {
        return Some(format!(
            "Chromium not found ({}; install Debian's `chromium` package or set CHROMIUM)",
            chromium.display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("Node.js not found (`node` is not on the PATH)".into());
    }
    let modules = root().join("tests/e2e/node_modules");
    for package in ["playwright-core", "axe-core"] {
        if !modules.join(package).join("package.json").exists() {
            return Some(format!(
                "{package} not installed in {} (run `npm ci --prefix tests/e2e`)",
                modules.display()
            ));
        }
    }
    None
}

/// Serves `questions` (paths from the crate root) and runs
/// `tests/e2e/SCRIPT` against the server.
pub fn run_browser_test(script: &str, questions: &[&str]) {
    if let Some(why) = missing() {
        if std::env::var("QUIZLINE_E2E").as_deref() == Ok("required") {
            panic!("QUIZLINE_E2E=required, but {why}");
        }
        // Straight to stderr: the test harness swallows `eprintln!` of a
        // passing test, and this must be seen.
        let rule = "=".repeat(70);
        let _ = writeln!(
            std::io::stderr().lock(),
            "\n{rule}\nskipped: {why}\nThe browser test did not run. \
             QUIZLINE_E2E=required makes this a failure.\n{rule}"
        );
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let questions: Vec<PathBuf> = questions.iter().map(|q| root().join(q)).collect();
    let server = Server::serve(data.path(), &questions);
    let url = format!("{}/", server.url);
    let shots = std::env::var("QUIZLINE_E2E_SHOTS").unwrap_or_else(|_| "/tmp/quizline-e2e".into());
    let mut node = Guard(
        Command::new("node")
            .arg(root().join("tests/e2e").join(script))
            .arg(&url)
            .env("CHROMIUM", chromium())
            .env("QUIZLINE_E2E_SHOTS", &shots)
            .current_dir(root())
            .spawn()
            .expect("node starts"),
    );
    // The script has its own timeouts; this is the last resort.
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = node.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the browser test took more than 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        status.success(),
        "the browser test failed ({status}); its output is above, screenshots in {shots}"
    );
}
