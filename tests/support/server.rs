//! The real server binary on a free loopback port: started, its address
//! read from what it prints, and killed when the test ends.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::process::{Guard, Lines};

/// The `quizline` binary, quiet unless something goes wrong.
pub fn quizline() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_quizline"));
    c.env("QUIZLINE_LOG", "warn");
    c
}

/// A running server; dropping it is a kill -9.
pub struct Server {
    pub guard: Guard,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Its output after the address line.
    pub lines: Lines,
}

impl Server {
    /// `quizline serve` on `data`, offering `questions`.
    pub fn serve(data: &Path, questions: &[PathBuf]) -> Server {
        let mut cmd = quizline();
        cmd.arg("serve");
        Server::start(cmd, data, questions)
    }

    /// `cmd` with `--addr 127.0.0.1:0 --questions … --data DATA` appended.
    pub fn start(mut cmd: Command, data: &Path, questions: &[PathBuf]) -> Server {
        let questions: Vec<String> = questions.iter().map(|q| q.display().to_string()).collect();
        cmd.args(["--addr", "127.0.0.1:0", "--questions", &questions.join(",")])
            .arg("--data")
            .arg(data)
            .stderr(Stdio::inherit());
        Server::spawn(cmd)
    }

    /// Starts `cmd`, a server command, and waits for its address.
    pub fn spawn(cmd: Command) -> Server {
        let (guard, mut lines) = Guard::spawn(cmd);
        let line = lines.expect("the server's address", Duration::from_secs(60), |l| {
            l.starts_with("quizline: serving") && l.contains("http://")
        });
        let url = line[line.find("http://").unwrap()..]
            .trim()
            .trim_end_matches('/')
            .to_string();
        let addr = url.trim_start_matches("http://").to_string();
        Server {
            guard,
            url,
            addr,
            lines,
        }
    }
}
