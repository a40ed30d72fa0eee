//! Child processes that cannot outlive their test, and their output read
//! line by line against a deadline, never dropping a line.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Killed however the test ends. `Child::kill` is SIGKILL on Unix: nothing
/// gets to run on the way down, so dropping a guard is also a kill -9.
pub struct Guard(pub Child);

impl Guard {
    /// Starts `cmd` with its stdout piped to the returned line reader.
    pub fn spawn(mut cmd: Command) -> (Guard, Lines) {
        let mut child = cmd
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        (Guard(child), Lines::new(stdout))
    }

    /// SIGKILL now, and wait for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A child's output, line by line, read on a thread of its own so that
/// waiting for a line never blocks on a pipe and never loses one.
pub struct Lines {
    rx: mpsc::Receiver<String>,
    /// Every line received so far, for failure messages.
    pub seen: Vec<String>,
}

impl Lines {
    pub fn new(out: impl Read + Send + 'static) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { rx, seen: vec![] }
    }

    /// The first line from now on that `pred` accepts, within `within`;
    /// lines before it stay in `seen`. Panics, with every line seen, when
    /// the time runs out or the output ends.
    pub fn expect(&mut self, what: &str, within: Duration, pred: impl Fn(&str) -> bool) -> String {
        self.wait_for(within, pred).unwrap_or_else(|e| {
            panic!(
                "no line with {what} within {within:?} ({e}); output so far:\n{}",
                self.seen.join("\n")
            )
        })
    }

    /// As [`Lines::expect`], but says why no line came instead of panicking.
    pub fn wait_for(
        &mut self,
        within: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String, mpsc::RecvTimeoutError> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.rx.recv_timeout(left)?;
            self.seen.push(line.clone());
            if pred(&line) {
                return Ok(line);
            }
        }
    }
}
