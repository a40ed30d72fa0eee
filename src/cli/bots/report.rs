//! What a run of bots measured, and its summary as `quizline bots` prints it.

use std::collections::HashMap;

use serde::Serialize;

/// Percentiles of a set of milliseconds.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Latency {
    pub count: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latency {
    pub fn of(samples: &mut [f64]) -> Latency {
        if samples.is_empty() {
            return Latency::default();
        }
        samples.sort_by(|a, b| a.total_cmp(b));
        let at = |p: f64| {
            samples[((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1]
        };
        Latency {
            count: samples.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: samples[samples.len() - 1],
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BotReport {
    pub rooms: usize,
    /// Bots in all rooms.
    pub bots: usize,
    pub joined: usize,
    pub join_errors: usize,
    /// Joins refused with 429 and tried again after the server's wait.
    pub join_retries: usize,
    pub first_join_error: Option<String>,
    /// Rooms that could not be created (with `create`).
    pub create_errors: usize,
    pub connect_errors: usize,
    /// Sockets that dropped and were reopened with the same token.
    pub reconnects: usize,
    pub answers_sent: usize,
    pub answers_acked: usize,
    /// Errors the server sent back, by code.
    pub errors: HashMap<String, usize>,
    /// Questions opened after a bot attached that it never saw.
    pub dropped_events: usize,
    /// Questions a bot was sent live twice on one socket.
    pub duplicate_events: usize,
    pub results_received: usize,
    /// Acknowledged answers without a scored result (none, or `none`).
    pub unscored: usize,
    pub finished: usize,
    /// Distinct question numbers opened (in any room).
    pub questions_opened: usize,
    /// Send to acknowledgement, per answer (ms).
    pub ack: Latency,
    /// Question opened on the server to a bot receiving it, per bot (ms).
    pub fanout: Latency,
    /// Per question number: open to the last bot receiving it (ms; the
    /// worst room).
    pub fanout_last: Vec<f64>,
    /// The driver's `next` to the server opening the question (ms).
    pub next_to_open: Latency,
    /// A bot's `reveal` arriving to its own `result` arriving (ms): the
    /// server writes them back to back.
    pub result_after_reveal: Latency,
    pub elapsed_s: f64,
    pub driver_cpu_s: f64,
    pub server_cpu_s: Option<f64>,
    pub server_peak_rss_kb: Option<u64>,
    pub server_rss_kb: Option<u64>,
    pub timed_out: bool,
    pub guessing: bool,
}

impl BotReport {
    pub fn error_count(&self) -> usize {
        self.join_errors
            + self.create_errors
            + self.connect_errors
            + self.errors.values().sum::<usize>()
    }

    /// Everything a whole driven game must show: every bot joined, every
    /// answer sent was acknowledged and scored, nothing went wrong.
    pub fn clean(&self) -> bool {
        self.error_count() == 0
            && self.joined == self.bots
            && self.dropped_events == 0
            && self.duplicate_events == 0
            && self.unscored == 0
            && self.answers_acked == self.answers_sent
            && !self.timed_out
    }

    pub fn summary(&self) -> String {
        let mut s = String::new();
        let ms = |l: &Latency| {
            format!(
                "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} samples)",
                l.p50, l.p99, l.max, l.count
            )
        };
        if self.rooms > 1 {
            s.push_str(&format!(
                "rooms: {} ({} could not be created)\n",
                self.rooms, self.create_errors
            ));
        }
        s.push_str(&format!(
            "bots: {} joined of {} ({} join errors, {} join retries after 429, {} connect errors, {} reconnects)\n",
            self.joined, self.bots, self.join_errors, self.join_retries, self.connect_errors, self.reconnects
        ));
        if let Some(e) = &self.first_join_error {
            s.push_str(&format!("first join error: {e}\n"));
        }
        s.push_str(&format!(
            "answers: {} sent, {} acknowledged, {} acknowledged but not scored{}\n",
            self.answers_sent,
            self.answers_acked,
            self.unscored,
            if self.guessing {
                " (guessing: no --key, so --accuracy is not used)"
            } else {
                ""
            }
        ));
        let mut errors: Vec<_> = self.errors.iter().collect();
        errors.sort();
        s.push_str(&format!(
            "errors from the server: {}\n",
            if errors.is_empty() {
                "none".to_string()
            } else {
                errors
                    .iter()
                    .map(|(k, v)| format!("{k} ×{v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
        s.push_str(&format!(
            "events: {} questions opened, {} dropped, {} duplicated, {} results, {} bots saw the end\n",
            self.questions_opened, self.dropped_events, self.duplicate_events, self.results_received, self.finished
        ));
        s.push_str(&format!("ack latency: {}\n", ms(&self.ack)));
        s.push_str(&format!(
            "fan-out latency (server open to frame received): {}\n",
            ms(&self.fanout)
        ));
        if !self.fanout_last.is_empty() {
            s.push_str(&format!(
                "fan-out to the last bot, per question (ms): {}\n",
                self.fanout_last
                    .iter()
                    .map(|v| format!("{v:.0}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.result_after_reveal.count > 0 {
            s.push_str(&format!(
                "reveal to own result: {}\n",
                ms(&self.result_after_reveal)
            ));
        }
        if self.next_to_open.count > 0 {
            s.push_str(&format!(
                "host next to question open (phase stored): {}\n",
                ms(&self.next_to_open)
            ));
        }
        s.push_str(&format!(
            "driver: {:.1} s wall, {:.1} s CPU ({:.0}% of one core)\n",
            self.elapsed_s,
            self.driver_cpu_s,
            if self.elapsed_s > 0.0 {
                100.0 * self.driver_cpu_s / self.elapsed_s
            } else {
                0.0
            }
        ));
        if let Some(cpu) = self.server_cpu_s {
            s.push_str(&format!("server: {cpu:.1} s CPU during the run\n"));
        }
        if let Some(peak) = self.server_peak_rss_kb {
            s.push_str(&format!(
                "server memory: peak RSS {:.1} MiB, now {:.1} MiB\n",
                peak as f64 / 1024.0,
                self.server_rss_kb.unwrap_or(0) as f64 / 1024.0
            ));
        }
        if self.timed_out {
            s.push_str("stopped: the time limit was reached\n");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        let l = Latency::of(&mut v);
        assert_eq!((l.count, l.p50, l.p99, l.max), (100, 50.0, 99.0, 100.0));
        assert_eq!(Latency::of(&mut []), Latency::default());
    }
}
