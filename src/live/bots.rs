//! Simulated students over the real protocol: the demo tool behind
//! `quizline bots` and the load driver of the benchmarks.
//!
//! Each bot joins over HTTP, opens its own WebSocket, waits a think time
//! after each question and answers; with the host's key it answers right
//! with the chosen probability, without it it guesses. With `drive`, one
//! more socket plays the host: it starts once everyone has joined and moves
//! on after each reveal, so a run ends by itself. With `create`, the bots
//! make their own rooms (any number, played at once). Only loopback
//! addresses are accepted.
//!
//! What is measured, and how:
//! - acknowledgement latency: from just before a bot sends its answer to the
//!   arrival of its `ack` (which the server sends once the answer is
//!   committed and synced);
//! - fan-out latency: from `opened_at_ms` in the `question` message (the
//!   server's wall clock when it broadcast the question, after storing the
//!   phase) to the instant the frame arrived at the bot, before it is
//!   parsed; same machine, same clock, millisecond resolution;
//! - `next_to_open`: from the driver sending `next` to the server's
//!   `opened_at_ms` (the durable phase write and the host action's own
//!   path), so the two together cover a host's click to the last student;
//! - dropped: questions opened in the room after a bot attached that the
//!   bot never saw, live or in a snapshot; duplicated: a question sent live
//!   twice on one socket;
//! - unscored: acknowledged answers whose `result` never came, or came as
//!   `none`; and the time from a bot's `reveal` to its own `result`, which
//!   the server writes right after it;
//! - CPU: this process's from `/proc/self/stat`, the server's (with its pid)
//!   from `/proc/PID/stat`, and the server's peak RSS from `VmHWM`.
//!
//! Each bot keeps its own tally and adds it to the shared report once, when
//! it stops (also when the time limit cuts it off), so thousands of bots do
//! not contend for one lock at every message.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use super::client::{self, Base, Client, Socket};
use super::http::{CreateResponse, JoinResponse};
use super::keys::KeyEntry;
use super::protocol::{ClientMsg, ServerMsg};
use super::util::now_ms;
use crate::engine::letter;
use crate::seeded::Seeded;

#[derive(Debug, Clone)]
pub struct BotConfig {
    /// `http://127.0.0.1:PORT`; anything but loopback is refused.
    pub url: String,
    /// The room to join (ignored with `create`).
    pub code: String,
    /// Bots per room.
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
    /// Joins and handshakes in flight at once (over all rooms).
    pub connect_concurrency: usize,
    /// Read this process's peak memory and CPU time from `/proc` at the end.
    pub server_pid: Option<u32>,
    /// Nickname prefix.
    pub prefix: String,
    /// Make rooms instead of joining `code`, and play them all at once.
    pub create: Option<CreateRooms>,
}

/// Rooms the bots make for themselves over `POST /api/rooms`.
#[derive(Debug, Clone)]
pub struct CreateRooms {
    pub set: String,
    pub rooms: usize,
    /// The request's `options` object; `max_players` defaults to the bots
    /// per room.
    pub options: serde_json::Value,
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
            create: None,
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

/// What all bots add to.
#[derive(Default)]
struct Shared {
    report: Mutex<BotReport>,
    ack_ms: Mutex<Vec<f64>>,
    /// Per question, each bot's fan-out latency.
    fanout_ms: Mutex<HashMap<usize, Vec<f64>>>,
    next_to_open_ms: Mutex<Vec<f64>>,
    result_ms: Mutex<Vec<f64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn add(&self, f: impl FnOnce(&mut BotReport)) {
        f(&mut lock(&self.report));
    }
}

/// One room's bots and driver.
struct RoomRun {
    code: String,
    key: Option<String>,
    answer_key: Vec<KeyEntry>,
    joined: AtomicU64,
    failed: AtomicU64,
    /// Questions the driver or any bot saw opened.
    opened: Mutex<BTreeSet<usize>>,
    /// Per bot that attached: the first question it could see, and what it saw.
    seen: Mutex<Vec<(usize, BTreeSet<usize>)>>,
}

impl RoomRun {
    fn new(code: String, key: Option<String>, answer_key: Vec<KeyEntry>) -> RoomRun {
        RoomRun {
            code,
            key,
            answer_key,
            joined: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            opened: Mutex::new(BTreeSet::new()),
            seen: Mutex::new(Vec::new()),
        }
    }

    /// Questions opened after a bot attached that it never saw.
    fn dropped(&self) -> usize {
        let opened = lock(&self.opened);
        lock(&self.seen)
            .iter()
            .map(|(from, seen)| opened.range(*from..).filter(|q| !seen.contains(q)).count())
            .sum()
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

/// CPU seconds (user + system) a process has used so far (`self` or a pid).
pub fn cpu_s(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let rest = stat.rsplit_once(')').map(|(_, r)| r)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
    // SAFETY: sysconf only reads a system constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some((ticks(11)? + ticks(12)?) / if hz > 0.0 { hz } else { 100.0 })
}

/// CPU seconds (user + system) this process has used so far.
pub fn own_cpu_s() -> f64 {
    cpu_s("self").unwrap_or(0.0)
}

async fn read_key(client: &Client, code: &str, secret: &str) -> Result<Vec<KeyEntry>, String> {
    let reply = client
        .get(&format!("/api/rooms/{code}/key"), Some(secret))
        .await?;
    if !reply.status.is_success() {
        return Err(format!(
            "cannot read the answer key: {}",
            reply.error_message()
        ));
    }
    reply.json()
}

/// Makes the rooms of `plan`, a few at a time; each is a durable write.
async fn create_rooms(
    client: &Client,
    plan: &CreateRooms,
    count: usize,
    shared: &Shared,
) -> Result<Vec<RoomRun>, String> {
    let mut options = plan.options.clone();
    match options.as_object_mut() {
        Some(o) => {
            o.entry("max_players").or_insert(serde_json::json!(count));
        }
        None => return Err("room options must be a JSON object".into()),
    }
    let body = serde_json::json!({ "set": plan.set, "options": options });
    let gate = Arc::new(Semaphore::new(8));
    let mut tasks = Vec::with_capacity(plan.rooms);
    for _ in 0..plan.rooms {
        let client = client.clone();
        let body = body.clone();
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await;
            let reply = client.post_json("/api/rooms", None, &body).await?;
            if !reply.status.is_success() {
                return Err(format!("cannot create a room: {}", reply.error_message()));
            }
            let created: CreateResponse = reply.json()?;
            let key = read_key(&client, &created.code, &created.host_secret).await?;
            Ok(RoomRun::new(created.code, Some(created.host_secret), key))
        }));
    }
    let mut rooms = Vec::with_capacity(plan.rooms);
    let mut first_error = None;
    for t in tasks {
        match t.await {
            Ok(Ok(room)) => rooms.push(room),
            Ok(Err(e)) => {
                shared.add(|r| r.create_errors += 1);
                first_error.get_or_insert(e);
            }
            Err(e) => {
                shared.add(|r| r.create_errors += 1);
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    if rooms.is_empty() {
        return Err(first_error.unwrap_or_else(|| "no room was created".into()));
    }
    Ok(rooms)
}

pub async fn run(config: BotConfig) -> Result<BotReport, String> {
    let base = Base::parse(&config.url)?;
    base.require_loopback()?;
    if config.create.is_none()
        && crate::live::util::normalize_code(&config.code).as_deref() != Some(config.code.as_str())
    {
        return Err(format!("'{}' is not a join code (six digits)", config.code));
    }
    if !(0.0..=1.0).contains(&config.accuracy) {
        return Err("accuracy must be from 0 to 1".into());
    }
    if config.drive && config.key.is_none() && config.create.is_none() {
        return Err("driving the game needs the host's key (--key)".into());
    }
    if config.create.is_some() && !config.drive {
        return Err("rooms the bots create need --drive: nobody else hosts them".into());
    }
    let client = Client::new(base);
    let started = Instant::now();
    let deadline = started + config.timeout;
    let cpu0 = own_cpu_s();
    let server_cpu0 = config.server_pid.and_then(|p| cpu_s(&p.to_string()));
    let shared = Arc::new(Shared::default());

    let rooms: Vec<Arc<RoomRun>> = match &config.create {
        Some(plan) => tokio::time::timeout_at(
            deadline.into(),
            create_rooms(&client, plan, config.count, &shared),
        )
        .await
        .map_err(|_| "the time limit was reached while creating rooms".to_string())??,
        None => {
            let answer_key = match &config.key {
                Some(secret) => read_key(&client, &config.code, secret).await?,
                None => vec![],
            };
            vec![RoomRun::new(
                config.code.clone(),
                config.key.clone(),
                answer_key,
            )]
        }
    }
    .into_iter()
    .map(Arc::new)
    .collect();
    shared.add(|r| {
        r.rooms = rooms.len();
        r.bots = config.count * rooms.len();
        r.guessing = config.key.is_none() && config.create.is_none();
    });

    let gate = Arc::new(Semaphore::new(config.connect_concurrency.max(1)));
    let mut tasks = Vec::with_capacity(config.count * rooms.len());
    let mut hosts = Vec::new();
    for (r, room) in rooms.iter().enumerate() {
        for i in 0..config.count {
            let bot = Bot {
                i,
                rng: Seeded::derive(
                    config.seed,
                    &if rooms.len() > 1 {
                        format!("bot{r}-{i}")
                    } else {
                        format!("bot{i}")
                    },
                ),
                client: client.clone(),
                shared: shared.clone(),
                room: room.clone(),
                config: config.clone(),
                tally: Tally::default(),
            };
            let gate = gate.clone();
            tasks.push(tokio::spawn(async move {
                let _ = tokio::time::timeout_at(deadline.into(), bot.run(gate)).await;
            }));
        }
        if config.drive {
            let client = client.clone();
            let config = config.clone();
            let shared = shared.clone();
            let room = room.clone();
            hosts.push(tokio::spawn(async move {
                tokio::time::timeout_at(deadline.into(), drive(client, config, room, shared)).await
            }));
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let mut timed_out = Instant::now() >= deadline;
    let mut drive_error = None;
    for h in hosts {
        match h.await {
            Ok(Ok(Err(e))) => {
                drive_error.get_or_insert(e);
            }
            Ok(Err(_)) => timed_out = true,
            _ => {}
        }
    }
    if let Some(e) = drive_error {
        return Err(format!("driving the game failed: {e}"));
    }

    let mut report = lock(&shared.report).clone();
    report.joined = rooms
        .iter()
        .map(|r| r.joined.load(Ordering::Relaxed) as usize)
        .sum();
    report.dropped_events = rooms.iter().map(|r| r.dropped()).sum();
    report.ack = Latency::of(&mut lock(&shared.ack_ms));
    report.next_to_open = Latency::of(&mut lock(&shared.next_to_open_ms));
    report.result_after_reveal = Latency::of(&mut lock(&shared.result_ms));
    let fan = lock(&shared.fanout_ms);
    let mut all: Vec<f64> = fan.values().flatten().copied().collect();
    report.fanout = Latency::of(&mut all);
    let opened: BTreeSet<usize> = rooms
        .iter()
        .flat_map(|r| lock(&r.opened).iter().copied().collect::<Vec<_>>())
        .chain(fan.keys().copied())
        .collect();
    report.fanout_last = opened
        .iter()
        .map(|q| {
            fan.get(q)
                .map_or(0.0, |v| v.iter().copied().fold(0.0, f64::max))
        })
        .collect();
    report.questions_opened = opened.len();
    report.elapsed_s = started.elapsed().as_secs_f64();
    report.driver_cpu_s = own_cpu_s() - cpu0;
    if let Some(pid) = config.server_pid {
        if let Some((now, peak)) = rss_kb(pid) {
            report.server_rss_kb = Some(now);
            report.server_peak_rss_kb = Some(peak);
        }
        if let (Some(c0), Some(c1)) = (server_cpu0, cpu_s(&pid.to_string())) {
            report.server_cpu_s = Some(c1 - c0);
        }
    }
    report.timed_out = timed_out;
    Ok(report)
}

/// One bot's counts, added to the shared report once, when the bot stops.
#[derive(Default)]
struct Tally {
    reconnects: usize,
    answers_sent: usize,
    answers_acked: usize,
    errors: HashMap<String, usize>,
    duplicate_events: usize,
    results_received: usize,
    finished: usize,
    ack_ms: Vec<f64>,
    fanout_ms: Vec<(usize, f64)>,
    result_ms: Vec<f64>,
    /// Whether the socket ever attached (its first phase message came).
    attached: bool,
    /// The first question this bot could have seen.
    from_q: usize,
    seen: BTreeSet<usize>,
    acked: BTreeSet<usize>,
    scored: BTreeSet<usize>,
}

struct Bot {
    i: usize,
    rng: Seeded,
    client: Client,
    shared: Arc<Shared>,
    room: Arc<RoomRun>,
    config: BotConfig,
    tally: Tally,
}

impl Drop for Bot {
    /// Runs when the bot finishes and when the time limit drops it.
    fn drop(&mut self) {
        let t = std::mem::take(&mut self.tally);
        let unscored = t.acked.difference(&t.scored).count();
        self.shared.add(|r| {
            r.reconnects += t.reconnects;
            r.answers_sent += t.answers_sent;
            r.answers_acked += t.answers_acked;
            for (code, n) in t.errors {
                *r.errors.entry(code).or_default() += n;
            }
            r.duplicate_events += t.duplicate_events;
            r.results_received += t.results_received;
            r.finished += t.finished;
            r.unscored += unscored;
        });
        if !t.ack_ms.is_empty() {
            lock(&self.shared.ack_ms).extend(t.ack_ms);
        }
        if !t.result_ms.is_empty() {
            lock(&self.shared.result_ms).extend(t.result_ms);
        }
        if !t.fanout_ms.is_empty() {
            let mut fan = lock(&self.shared.fanout_ms);
            for (q, ms) in t.fanout_ms {
                fan.entry(q).or_default().push(ms);
            }
        }
        if t.attached {
            let mut opened = lock(&self.room.opened);
            opened.extend(t.seen.iter().copied());
            drop(opened);
            lock(&self.room.seen).push((t.from_q, t.seen));
        }
    }
}

/// What a bot remembers of the question it is on.
struct Open {
    q: usize,
    kind: String,
    options: usize,
    right: usize,
    answer_at: Instant,
    sent: bool,
}

/// The fields of a server message a bot needs, read in one pass without
/// building the whole message (prompts, bars and rankings are skipped).
#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(default)]
    q: Option<usize>,
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    options: Option<Vec<IgnoredAny>>,
    #[serde(default)]
    right: Option<Vec<IgnoredAny>>,
    #[serde(default)]
    opened_at_ms: Option<i64>,
    /// A boolean in a reconnecting player's `question`, a count in `reveal`.
    #[serde(default)]
    answered: Option<serde_json::Value>,
    #[serde(default, borrow)]
    verdict: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    code: Option<Cow<'a, str>>,
}

impl Bot {
    async fn run(mut self, gate: Arc<Semaphore>) {
        let (token, mut socket) = {
            let _permit = gate.acquire().await;
            let Some(token) = self.join().await else {
                self.room.failed.fetch_add(1, Ordering::Relaxed);
                return;
            };
            match self.connect(&token).await {
                Some(s) => (token, s),
                None => {
                    self.room.failed.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        };
        let mut reconnects = 0;
        let mut last_q: Option<usize> = None;
        loop {
            match self.play(&mut socket, &mut last_q).await {
                Done::Finished => return,
                Done::Dropped if reconnects < 5 => {
                    reconnects += 1;
                    self.tally.reconnects += 1;
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
        let path = format!("/api/rooms/{}/join", self.room.code);
        let mut nickname = format!("{}{:05}", self.config.prefix, self.i);
        for attempt in 0..20 {
            let reply = self
                .client
                .post_json(&path, None, &serde_json::json!({ "nickname": nickname }))
                .await;
            match reply {
                Ok(r) if r.status.is_success() => {
                    let j: JoinResponse = r.json().ok()?;
                    self.room.joined.fetch_add(1, Ordering::Relaxed);
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
        let mut socket = match self.client.socket(&self.room.code, "play").await {
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

    fn answer_for(&mut self, q: usize, kind: &str, options: usize, right: usize) -> String {
        let room = self.room.clone();
        if let Some(k) = room.answer_key.iter().find(|k| k.q == q) {
            let correct = self
                .rng
                .chance((self.config.accuracy * 1_000_000.0) as u64, 1_000_000);
            return if correct {
                k.correct.clone()
            } else {
                k.wrong.clone()
            };
        }
        let n = options.max(1);
        match kind {
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
                let m = right.max(1);
                (0..n)
                    .map(|p| format!("{}{}", letter(p), self.rng.below(m) + 1))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            _ => letter(self.rng.below(n)),
        }
    }

    /// The first phase message after `welcome` says from which question on
    /// this bot can see everything.
    fn attach(&mut self, from_q: usize) {
        if !self.tally.attached {
            self.tally.attached = true;
            self.tally.from_q = from_q;
        }
    }

    async fn play(&mut self, socket: &mut Socket, last_q: &mut Option<usize>) -> Done {
        let mut open: Option<Open> = None;
        // The answer waiting for its ack, and when it was sent: `closed` may
        // come first when the question closes while it is being written.
        let mut awaiting: Option<(usize, Instant)> = None;
        // When the last `reveal` arrived, for the time to the own `result`.
        let mut revealed: Option<Instant> = None;
        // Questions sent live on this socket, to tell duplicates from replays.
        let mut seen_here: Vec<usize> = Vec::new();
        loop {
            let wake = open.as_ref().filter(|o| !o.sent).map(|o| o.answer_at);
            let frame = tokio::select! {
                m = client::recv_text(socket) => m,
                _ = sleep_until(wake), if wake.is_some() => {
                    let Some(o) = open.as_ref() else { continue };
                    let (q, kind, options, right) = (o.q, o.kind.clone(), o.options, o.right);
                    let answer = self.answer_for(q, &kind, options, right);
                    if let Some(o) = open.as_mut() {
                        o.sent = true;
                    }
                    awaiting = Some((q, Instant::now()));
                    if client::send(socket, &ClientMsg::Answer { q, answer }).await.is_err() {
                        return Done::Dropped;
                    }
                    self.tally.answers_sent += 1;
                    continue;
                }
            };
            // Taken before parsing: fan-out is the frame's arrival.
            let arrived_ms = now_ms();
            let arrived = Instant::now();
            let text = match frame {
                Ok(Some(t)) => t,
                Ok(None) | Err(_) => return Done::Dropped,
            };
            let Ok(msg) = serde_json::from_str::<Incoming<'_>>(&text) else {
                *self
                    .tally
                    .errors
                    .entry("unreadable_message".into())
                    .or_default() += 1;
                continue;
            };
            match msg.ty.as_ref() {
                "question" => {
                    let q = msg.q.unwrap_or(0);
                    let answered = msg.answered.as_ref().and_then(|v| v.as_bool());
                    let replay = answered.is_some();
                    self.attach(q);
                    if !replay {
                        let opened = msg.opened_at_ms.unwrap_or(arrived_ms);
                        self.tally
                            .fanout_ms
                            .push((q, (arrived_ms - opened).max(0) as f64));
                        if seen_here.contains(&q) {
                            self.tally.duplicate_events += 1;
                        }
                        seen_here.push(q);
                    }
                    self.tally.seen.insert(q);
                    *last_q = Some(last_q.map_or(q, |l| l.max(q)));
                    let think = self.think();
                    open = (answered != Some(true)).then(|| Open {
                        q,
                        kind: msg.kind.as_deref().unwrap_or("").to_string(),
                        options: msg.options.as_ref().map_or(0, Vec::len),
                        right: msg.right.as_ref().map_or(0, Vec::len),
                        answer_at: Instant::now() + think,
                        sent: false,
                    });
                }
                "ack" => {
                    if let Some((q, sent)) = awaiting.take()
                        && msg.q == Some(q)
                    {
                        self.tally
                            .ack_ms
                            .push(sent.elapsed().as_secs_f64() * 1000.0);
                    }
                    self.tally.answers_acked += 1;
                    if let Some(q) = msg.q {
                        self.tally.acked.insert(q);
                    }
                    open = None;
                }
                "error" => {
                    let code = msg.code.as_deref().unwrap_or("unknown").to_string();
                    *self.tally.errors.entry(code).or_default() += 1;
                    awaiting = None;
                    open = None;
                }
                "lobby" => self.attach(0),
                "closed" => open = None,
                "reveal" | "leaderboard" => {
                    // Attached after this question: it cannot be expected.
                    self.attach(msg.q.map_or(0, |q| q + 1));
                    if msg.ty == "reveal" {
                        revealed = Some(arrived);
                    }
                }
                "result" => {
                    if let Some(at) = revealed.take() {
                        self.tally
                            .result_ms
                            .push(arrived.duration_since(at).as_secs_f64() * 1000.0);
                    }
                    self.tally.results_received += 1;
                    if let (Some(q), Some(v)) = (msg.q, msg.verdict.as_deref())
                        && v != "none"
                    {
                        self.tally.scored.insert(q);
                    }
                }
                "ended" => self.attach(usize::MAX),
                "final" => {
                    self.tally.finished += 1;
                    return Done::Finished;
                }
                "kicked" => return Done::Finished,
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
async fn drive(
    client: Client,
    config: BotConfig,
    room: Arc<RoomRun>,
    shared: Arc<Shared>,
) -> Result<(), String> {
    let secret = room.key.clone().unwrap_or_default();
    let mut socket = client.socket(&room.code, "host").await?;
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
    // When each `next` left, by the phase it moved on from.
    let mut next_sent: HashMap<u64, i64> = HashMap::new();
    let untimed_wait = Duration::from_millis(config.think_ms.1 + 10_000);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        let msg = tokio::select! {
            m = client::recv(&mut socket) => Some(m),
            _ = tick.tick() => None,
        };
        let mut next = None;
        match msg {
            Some(Ok(Some(m))) => match m {
                ServerMsg::Lobby { seq: s } => {
                    seq = s;
                    phase = "lobby".into();
                }
                ServerMsg::Question {
                    seq: s,
                    q,
                    opened_at_ms,
                    ..
                } => {
                    seq = s;
                    phase = "question".into();
                    question_since = Instant::now();
                    lock(&room.opened).insert(q);
                    if let Some(sent) = s.checked_sub(1).and_then(|p| next_sent.get(&p)) {
                        lock(&shared.next_to_open_ms).push((opened_at_ms - sent).max(0) as f64);
                    }
                }
                ServerMsg::Reveal { seq: s, .. } => {
                    seq = s;
                    phase = "reveal".into();
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    next = Some(seq);
                }
                ServerMsg::Leaderboard { seq: s, .. } => {
                    seq = s;
                    phase = "leaderboard".into();
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    next = Some(seq);
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
        let joined = room.joined.load(Ordering::Relaxed) as u32;
        let failed = room.failed.load(Ordering::Relaxed) as u32;
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
            next = Some(seq);
        }
        if let Some(s) = next {
            next_sent.insert(s, now_ms());
            client::send(&mut socket, &ClientMsg::Next { seq: s }).await?;
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
        assert!(cpu_s(&std::process::id().to_string()).is_some());
        assert!(cpu_s("4294967295").is_none());
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
