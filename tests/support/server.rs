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

    /// `quizline serve` on `addr`, such as the address of a server killed a
    /// moment ago: the port may still be taken, so a server that exits
    /// before it serves is started again, for up to five seconds.
    pub fn serve_at(data: &Path, questions: &[PathBuf], addr: &str) -> Server {
        let questions: Vec<String> = questions.iter().map(|q| q.display().to_string()).collect();
        for _ in 0..50 {
            let mut cmd = quizline();
            cmd.args(["serve", "--addr", addr, "--questions", &questions.join(",")])
                .arg("--data")
                .arg(data)
                .stderr(Stdio::null());
            let (guard, lines) = Guard::spawn(cmd);
            // The output ends at once when the port is taken.
            if let Ok(server) = Server::ready(guard, lines) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server did not start on {addr}");
    }

    /// Starts `cmd`, a server command, and waits for its address.
    pub fn spawn(cmd: Command) -> Server {
        let (guard, lines) = Guard::spawn(cmd);
        Server::ready(guard, lines).unwrap_or_else(|lines| {
            panic!(
                "the server printed no address; its output:\n{}",
                lines.seen.join("\n")
            )
        })
    }

    fn ready(guard: Guard, mut lines: Lines) -> Result<Server, Lines> {
        let Ok(line) = lines.wait_for(Duration::from_secs(60), |l| {
            l.starts_with("quizline: serving") && l.contains("http://")
        }) else {
            return Err(lines);
        };
        let url = line[line.find("http://").unwrap()..]
            .trim()
            .trim_end_matches('/')
            .to_string();
        let addr = url.trim_start_matches("http://").to_string();
        Ok(Server {
            guard,
            url,
            addr,
            lines,
        })
    }
}
