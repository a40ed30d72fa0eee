//! Simulated students over the real protocol: the demo tool behind
//! `quizline bots` and the load driver of the benchmarks.
//!
//! Each bot joins over HTTP, opens its own WebSocket, waits a think time
//! after each question and answers; with the host's key it answers right
//! with the chosen probability, without it it guesses. With `drive`, one
//! more socket plays the host: it starts once everyone has joined and moves
//! on after each reveal, so a run ends by itself. Only loopback addresses
//! are accepted.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Semaphore;

use super::client::{self, Base, Client, Socket};
use super::http::JoinResponse;
use super::keys::KeyEntry;
use super::protocol::{ClientMsg, ServerMsg};
use super::util::now_ms;
use crate::engine::letter;
use crate::seeded::Seeded;

#[derive(Debug, Clone)]
pub struct BotConfig {
    /// `http://127.0.0.1:PORT`; anything but loopback is refused.
    pub url: String,
    pub code: String,
    pub count: usize,
    /// Chance of a right answer, 0 to 1 (needs `key`).
    pub accuracy: f64,
    /// Think time before answering, drawn uniformly from this range (ms).
    pub think_ms: (u64, u64),
    pub seed: u64,
    /// The host secret: lets bots read the answer key, and `drive` host.
    pub key: Option<String>,
    /// Play the host as well: start, reveal and move on until the end.
    pub drive: bool,
    /// Everything stops after this long.
    pub timeout: Duration,
    /// Joins and handshakes in flight at once.
    pub connect_concurrency: usize,
    /// Read this process's peak memory from `/proc` at the end.
    pub server_pid: Option<u32>,
    /// Nickname prefix.
    pub prefix: String,
}

impl Default for BotConfig {
    fn default() -> Self {
        BotConfig {
            url: "http://127.0.0.1:8080".into(),
            code: String::new(),
            count: 30,
            accuracy: 0.7,
            think_ms: (500, 3000),
            seed: 1,
            key: None,
            drive: false,
            timeout: Duration::from_secs(600),
            connect_concurrency: 256,
            server_pid: None,
            prefix: "bot".into(),
        }
    }
}

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
    pub bots: usize,
    pub joined: usize,
    pub join_errors: usize,
    /// Joins refused with 429 and tried again after the server's wait.
    pub join_retries: usize,
    pub first_join_error: Option<String>,
    pub connect_errors: usize,
    /// Sockets that dropped and were reopened with the same token.
    pub reconnects: usize,
    pub answers_sent: usize,
    pub answers_acked: usize,
    /// Errors the server sent back, by code.
    pub errors: HashMap<String, usize>,
    /// Questions a bot never saw (a gap in question numbers).
    pub dropped_events: usize,
    /// Questions a bot saw twice on one socket.
    pub duplicate_events: usize,
    pub results_received: usize,
    pub finished: usize,
    pub questions_opened: usize,
    /// Send to acknowledgement, per answer (ms).
    pub ack: Latency,
    /// Question opened on the server to a bot receiving it, per bot (ms).
    pub fanout: Latency,
    /// Per question: open to the last bot receiving it (ms).
    pub fanout_last: Vec<f64>,
    pub elapsed_s: f64,
    pub driver_cpu_s: f64,
    pub server_peak_rss_kb: Option<u64>,
    pub server_rss_kb: Option<u64>,
    pub timed_out: bool,
    pub guessing: bool,
}

impl BotReport {
    pub fn error_count(&self) -> usize {
        self.join_errors + self.connect_errors + self.errors.values().sum::<usize>()
    }

    pub fn summary(&self) -> String {
        let mut s = String::new();
        let ms = |l: &Latency| {
            format!(
                "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} samples)",
                l.p50, l.p99, l.max, l.count
            )
        };
        s.push_str(&format!(
            "bots: {} joined of {} ({} join errors, {} join retries after 429, {} connect errors, {} reconnects)\n",
            self.joined, self.bots, self.join_errors, self.join_retries, self.connect_errors, self.reconnects
        ));
        if let Some(e) = &self.first_join_error {
            s.push_str(&format!("first join error: {e}\n"));
        }
        s.push_str(&format!(
            "answers: {} sent, {} acknowledged{}\n",
            self.answers_sent,
            self.answers_acked,
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
        s.push_str(&format!("fan-out latency: {}\n", ms(&self.fanout)));
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

/// What all bots add to.
#[derive(Default)]
struct Shared {
    report: std::sync::Mutex<BotReport>,
    ack_ms: std::sync::Mutex<Vec<f64>>,
    /// Per question, each bot's fan-out latency.
    fanout_ms: std::sync::Mutex<HashMap<usize, Vec<f64>>>,
    joined: AtomicU64,
}

impl Shared {
    fn add(&self, f: impl FnOnce(&mut BotReport)) {
        f(&mut self.report.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// Reads a process's current and peak resident memory (kB) from `/proc`.
pub fn rss_kb(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// CPU seconds (user + system) this process has used so far.
pub fn own_cpu_s() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // SAFETY: sysconf only reads a system constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / if hz > 0.0 { hz } else { 100.0 }
}

pub async fn run(config: BotConfig) -> Result<BotReport, String> {
    let base = Base::parse(&config.url)?;
    base.require_loopback()?;
    if crate::live::util::normalize_code(&config.code).as_deref() != Some(config.code.as_str()) {
        return Err(format!("'{}' is not a join code (six digits)", config.code));
    }
    if !(0.0..=1.0).contains(&config.accuracy) {
        return Err("accuracy must be from 0 to 1".into());
    }
    if config.drive && config.key.is_none() {
        return Err("driving the game needs the host's key (--key)".into());
    }
    let client = Client::new(base);
    let started = Instant::now();
    let cpu0 = own_cpu_s();
    let shared = Arc::new(Shared::default());
    shared.add(|r| {
        r.bots = config.count;
        r.guessing = config.key.is_none();
    });

    let key: Arc<Vec<KeyEntry>> = Arc::new(match &config.key {
        Some(secret) => {
            let reply = client
                .get(&format!("/api/rooms/{}/key", config.code), Some(secret))
                .await?;
            if !reply.status.is_success() {
                return Err(format!(
                    "cannot read the answer key: {}",
                    reply.error_message()
                ));
            }
            reply.json()?
        }
        None => vec![],
    });

    let deadline = started + config.timeout;
    let gate = Arc::new(Semaphore::new(config.connect_concurrency.max(1)));
    let mut tasks = Vec::with_capacity(config.count);
    for i in 0..config.count {
        let client = client.clone();
        let shared = shared.clone();
        let gate = gate.clone();
        let key = key.clone();
        let config = config.clone();
        tasks.push(tokio::spawn(async move {
            let bot = Bot {
                i,
                rng: Seeded::derive(config.seed, &format!("bot{i}")),
                client,
                shared,
                key,
                config,
            };
            let _ = tokio::time::timeout_at(deadline.into(), bot.run(gate)).await;
        }));
    }
    let host = if config.drive {
        let client = client.clone();
        let config = config.clone();
        let shared = shared.clone();
        Some(tokio::spawn(async move {
            tokio::time::timeout_at(deadline.into(), drive(client, config, shared)).await
        }))
    } else {
        None
    };
    for t in tasks {
        let _ = t.await;
    }
    let mut timed_out = Instant::now() >= deadline;
    if let Some(h) = host {
        match h.await {
            Ok(Ok(Err(e))) => return Err(format!("driving the game failed: {e}")),
            Ok(Err(_)) => timed_out = true,
            _ => {}
        }
    }

    let mut report = shared
        .report
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    report.joined = shared.joined.load(Ordering::Relaxed) as usize;
    report.ack = Latency::of(&mut shared.ack_ms.lock().unwrap_or_else(|e| e.into_inner()));
    let fan = shared.fanout_ms.lock().unwrap_or_else(|e| e.into_inner());
    let mut all: Vec<f64> = fan.values().flatten().copied().collect();
    report.fanout = Latency::of(&mut all);
    let mut qs: Vec<_> = fan.keys().copied().collect();
    qs.sort();
    report.fanout_last = qs
        .iter()
        .map(|q| fan[q].iter().copied().fold(0.0, f64::max))
        .collect();
    report.questions_opened = qs.len();
    report.elapsed_s = started.elapsed().as_secs_f64();
    report.driver_cpu_s = own_cpu_s() - cpu0;
    if let Some(pid) = config.server_pid
        && let Some((now, peak)) = rss_kb(pid)
    {
        report.server_rss_kb = Some(now);
        report.server_peak_rss_kb = Some(peak);
    }
    report.timed_out = timed_out;
    Ok(report)
}

struct Bot {
    i: usize,
    rng: Seeded,
    client: Client,
    shared: Arc<Shared>,
    key: Arc<Vec<KeyEntry>>,
    config: BotConfig,
}

/// What a bot remembers of the question it is on.
struct Open {
    q: usize,
    kind: String,
    options: usize,
    right: usize,
    answer_at: Instant,
    sent_at: Option<Instant>,
}

impl Bot {
    async fn run(mut self, gate: Arc<Semaphore>) {
        let (token, mut socket) = {
            let _permit = gate.acquire().await;
            let Some(token) = self.join().await else {
                return;
            };
            match self.connect(&token).await {
                Some(s) => (token, s),
                None => return,
            }
        };
        let mut reconnects = 0;
        let mut last_q: Option<usize> = None;
        loop {
            match self.play(&mut socket, &mut last_q).await {
                Done::Finished => return,
                Done::Dropped if reconnects < 5 => {
                    reconnects += 1;
                    self.shared.add(|r| r.reconnects += 1);
                    tokio::time::sleep(Duration::from_millis(200 * reconnects)).await;
                    match self.connect(&token).await {
                        Some(s) => socket = s,
                        None => return,
                    }
                }
                Done::Dropped => return,
            }
        }
    }

    async fn join(&mut self) -> Option<String> {
        let path = format!("/api/rooms/{}/join", self.config.code);
        let mut nickname = format!("{}{:05}", self.config.prefix, self.i);
        for attempt in 0..20 {
            let reply = self
                .client
                .post_json(&path, None, &serde_json::json!({ "nickname": nickname }))
                .await;
            match reply {
                Ok(r) if r.status.is_success() => {
                    let j: JoinResponse = r.json().ok()?;
                    self.shared.joined.fetch_add(1, Ordering::Relaxed);
                    return Some(j.token);
                }
                Ok(r) if r.status.as_u16() == 429 => {
                    self.shared.add(|rep| rep.join_retries += 1);
                    let wait = r
                        .headers
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(1);
                    tokio::time::sleep(Duration::from_millis(
                        wait * 1000 + self.rng.below(500) as u64,
                    ))
                    .await;
                }
                Ok(r) if r.status.as_u16() == 409 && r.text().contains("nickname_taken") => {
                    nickname = format!("{}{:05}-{attempt}", self.config.prefix, self.i);
                }
                Ok(r) => {
                    let msg = format!("{}: {}", r.status, r.error_message());
                    self.shared.add(|rep| {
                        rep.join_errors += 1;
                        rep.first_join_error.get_or_insert(msg);
                    });
                    return None;
                }
                Err(e) => {
                    self.shared.add(|rep| {
                        rep.join_errors += 1;
                        rep.first_join_error.get_or_insert(e);
                    });
                    return None;
                }
            }
        }
        self.shared.add(|rep| rep.join_errors += 1);
        None
    }

    async fn connect(&mut self, token: &str) -> Option<Socket> {
        let mut socket = match self.client.socket(&self.config.code, "play").await {
            Ok(s) => s,
            Err(_) => {
                self.shared.add(|r| r.connect_errors += 1);
                return None;
            }
        };
        let hello = ClientMsg::Hello {
            token: Some(token.to_string()),
            secret: None,
        };
        if client::send(&mut socket, &hello).await.is_err() {
            self.shared.add(|r| r.connect_errors += 1);
            return None;
        }
        Some(socket)
    }

    fn think(&mut self) -> Duration {
        let (lo, hi) = self.config.think_ms;
        Duration::from_millis(lo + self.rng.below((hi - lo + 1) as usize) as u64)
    }

    fn answer_for(&mut self, open: &Open) -> String {
        if let Some(k) = self.key.iter().find(|k| k.q == open.q) {
            let right = self
                .rng
                .chance((self.config.accuracy * 1_000_000.0) as u64, 1_000_000);
            return if right {
                k.correct.clone()
            } else {
                k.wrong.clone()
            };
        }
        let n = open.options.max(1);
        match open.kind.as_str() {
            "true-false" => if self.rng.chance(1, 2) { "t" } else { "f" }.into(),
            "numeric" => (1900 + self.rng.below(150)).to_string(),
            "cloze" => "guess".into(),
            "multi-select" => letter(self.rng.below(n)),
            "ordering" => self
                .rng
                .permutation(n)
                .into_iter()
                .map(letter)
                .collect::<Vec<_>>()
                .join(" "),
            "matching" => {
                let m = open.right.max(1);
                (0..n)
                    .map(|p| format!("{}{}", letter(p), self.rng.below(m) + 1))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            _ => letter(self.rng.below(n)),
        }
    }

    async fn play(&mut self, socket: &mut Socket, last_q: &mut Option<usize>) -> Done {
        let mut open: Option<Open> = None;
        // Questions seen on this socket, to tell duplicates from replays.
        let mut seen_here: Vec<usize> = Vec::new();
        loop {
            let wake = open
                .as_ref()
                .filter(|o| o.sent_at.is_none())
                .map(|o| o.answer_at);
            let msg = tokio::select! {
                m = client::recv(socket) => m,
                _ = sleep_until(wake), if wake.is_some() => {
                    let Some(o) = open.as_mut() else { continue };
                    let q = o.q;
                    let kind = o.kind.clone();
                    let snapshot = Open { q, kind, options: o.options, right: o.right, answer_at: o.answer_at, sent_at: None };
                    let answer = self.answer_for(&snapshot);
                    let o = open.as_mut().expect("still open");
                    o.sent_at = Some(Instant::now());
                    if client::send(socket, &ClientMsg::Answer { q, answer }).await.is_err() {
                        return Done::Dropped;
                    }
                    self.shared.add(|r| r.answers_sent += 1);
                    continue;
                }
            };
            let msg = match msg {
                Ok(Some(m)) => m,
                Ok(None) | Err(_) => return Done::Dropped,
            };
            match msg {
                ServerMsg::Question {
                    q,
                    kind,
                    options,
                    right,
                    opened_at_ms,
                    answered,
                    ..
                } => {
                    let replay = answered.is_some();
                    if !replay {
                        let lat = (now_ms() - opened_at_ms).max(0) as f64;
                        self.shared
                            .fanout_ms
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .entry(q)
                            .or_default()
                            .push(lat);
                        if seen_here.contains(&q) {
                            self.shared.add(|r| r.duplicate_events += 1);
                        }
                        if let Some(last) = *last_q
                            && q > last + 1
                        {
                            let gap = q - last - 1;
                            self.shared.add(|r| r.dropped_events += gap);
                        }
                    }
                    seen_here.push(q);
                    *last_q = Some(last_q.map_or(q, |l| l.max(q)));
                    let think = self.think();
                    open = (answered != Some(true)).then(|| Open {
                        q,
                        kind,
                        options: options.len(),
                        right: right.len(),
                        answer_at: Instant::now() + think,
                        sent_at: None,
                    });
                }
                ServerMsg::Ack { .. } => {
                    if let Some(sent) = open.as_ref().and_then(|o| o.sent_at) {
                        let ms = sent.elapsed().as_secs_f64() * 1000.0;
                        self.shared
                            .ack_ms
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(ms);
                    }
                    self.shared.add(|r| r.answers_acked += 1);
                    open = None;
                }
                ServerMsg::Error { code, .. } => {
                    self.shared.add(|r| *r.errors.entry(code).or_default() += 1);
                    open = None;
                }
                ServerMsg::Closed { .. } => open = None,
                ServerMsg::Result { .. } => self.shared.add(|r| r.results_received += 1),
                ServerMsg::Final { .. } => {
                    self.shared.add(|r| r.finished += 1);
                    return Done::Finished;
                }
                ServerMsg::Kicked { .. } => return Done::Finished,
                _ => {}
            }
        }
    }
}

enum Done {
    Finished,
    Dropped,
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Plays the host: starts once every bot that will join has joined, reveals
/// when everyone has answered (or the timer does), and moves on.
async fn drive(client: Client, config: BotConfig, shared: Arc<Shared>) -> Result<(), String> {
    let secret = config.key.clone().unwrap_or_default();
    let mut socket = client.socket(&config.code, "host").await?;
    client::send(
        &mut socket,
        &ClientMsg::Hello {
            token: None,
            secret: Some(secret),
        },
    )
    .await?;
    let mut seq = 0u64;
    let mut players = 0u32;
    let mut connected = 0u32;
    let mut started = false;
    let mut phase = String::new();
    let mut question_since = Instant::now();
    let untimed_wait = Duration::from_millis(config.think_ms.1 + 10_000);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        let msg = tokio::select! {
            m = client::recv(&mut socket) => Some(m),
            _ = tick.tick() => None,
        };
        match msg {
            Some(Ok(Some(m))) => match m {
                ServerMsg::Lobby { seq: s } => {
                    seq = s;
                    phase = "lobby".into();
                }
                ServerMsg::Question { seq: s, .. } => {
                    seq = s;
                    phase = "question".into();
                    question_since = Instant::now();
                }
                ServerMsg::Reveal { seq: s, .. } => {
                    seq = s;
                    phase = "reveal".into();
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    client::send(&mut socket, &ClientMsg::Next { seq }).await?;
                }
                ServerMsg::Leaderboard { seq: s, .. } => {
                    seq = s;
                    phase = "leaderboard".into();
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    client::send(&mut socket, &ClientMsg::Next { seq }).await?;
                }
                ServerMsg::Ended { .. } => return Ok(()),
                ServerMsg::Players { count, .. } => players = count,
                ServerMsg::Progress {
                    players: count,
                    connected: c,
                    ..
                } => {
                    players = count;
                    connected = c;
                }
                ServerMsg::Error { code, message } => {
                    return Err(format!("{code}: {message}"));
                }
                _ => {}
            },
            Some(Ok(None)) | Some(Err(_)) => return Err("the host socket closed".into()),
            None => {}
        }
        let joined = shared.joined.load(Ordering::Relaxed) as u32;
        let failed = {
            let r = shared.report.lock().unwrap_or_else(|e| e.into_inner());
            (r.join_errors + r.connect_errors) as u32
        };
        // Everyone who will join has joined and has a socket open, so every
        // bot sees the first question live (that is what fan-out measures).
        if !started
            && phase == "lobby"
            && joined > 0
            && joined + failed >= config.count as u32
            && players >= joined
            && connected >= joined
        {
            started = true;
            client::send(&mut socket, &ClientMsg::Next { seq }).await?;
        }
        if phase == "question" && question_since.elapsed() > untimed_wait {
            // Untimed and someone never answered: the host reveals.
            question_since = Instant::now();
            client::send(&mut socket, &ClientMsg::Reveal { seq }).await?;
        }
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

    #[test]
    fn proc_readings() {
        let (now, peak) = rss_kb(std::process::id()).unwrap();
        assert!(now > 0 && peak >= now);
        assert!(own_cpu_s() >= 0.0);
    }

    #[tokio::test]
    async fn refuses_other_machines() {
        let config = BotConfig {
            url: "http://192.168.1.10:8080".into(),
            code: "123456".into(),
            ..BotConfig::default()
        };
        let e = run(config).await.unwrap_err();
        assert!(e.contains("not a loopback address"), "{e}");
    }
}
