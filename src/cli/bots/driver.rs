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

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use quizline::live::http::CreateResponse;
use quizline::live::keys::KeyEntry;
use quizline::live::protocol::{ClientMsg, ServerMsg};
use quizline::live::util::now_ms;
use quizline::seeded::Seeded;
use tokio::sync::Semaphore;

use super::bot::{Bot, Tally};
use super::proc::{cpu_s, own_cpu_s, rss_kb};
use super::report::{BotReport, Latency};
use crate::cli::client::{self, Base, Client};

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

/// What all bots add to.
#[derive(Default)]
pub(super) struct Shared {
    pub(super) report: Mutex<BotReport>,
    pub(super) ack_ms: Mutex<Vec<f64>>,
    /// Per question, each bot's fan-out latency.
    pub(super) fanout_ms: Mutex<HashMap<usize, Vec<f64>>>,
    pub(super) next_to_open_ms: Mutex<Vec<f64>>,
    pub(super) result_ms: Mutex<Vec<f64>>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(super) fn add(&self, f: impl FnOnce(&mut BotReport)) {
        f(&mut lock(&self.report));
    }
}

/// One room's bots and driver.
pub(super) struct RoomRun {
    pub(super) code: String,
    pub(super) key: Option<String>,
    pub(super) answer_key: Vec<KeyEntry>,
    pub(super) joined: AtomicU64,
    pub(super) failed: AtomicU64,
    /// Questions the driver or any bot saw opened.
    pub(super) opened: Mutex<BTreeSet<usize>>,
    /// Per bot that attached: the first question it could see, and what it saw.
    pub(super) seen: Mutex<Vec<(usize, BTreeSet<usize>)>>,
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

async fn read_key(client: &Client, code: &str, secret: &str) -> anyhow::Result<Vec<KeyEntry>> {
    let reply = client
        .get(&format!("/api/rooms/{code}/key"), Some(secret))
        .await?;
    if !reply.status.is_success() {
        bail!("cannot read the answer key: {}", reply.error_message());
    }
    Ok(reply.json()?)
}

/// Makes the rooms of `plan`, a few at a time; each is a durable write.
async fn create_rooms(
    client: &Client,
    plan: &CreateRooms,
    count: usize,
    shared: &Shared,
) -> anyhow::Result<Vec<RoomRun>> {
    let mut options = plan.options.clone();
    match options.as_object_mut() {
        Some(o) => {
            o.entry("max_players").or_insert(serde_json::json!(count));
        }
        None => bail!("room options must be a JSON object"),
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
                bail!("cannot create a room: {}", reply.error_message());
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
                first_error.get_or_insert(anyhow::Error::from(e));
            }
        }
    }
    if rooms.is_empty() {
        return Err(first_error.unwrap_or_else(|| anyhow!("no room was created")));
    }
    Ok(rooms)
}

pub async fn run(config: BotConfig) -> anyhow::Result<BotReport> {
    let base = Base::parse(&config.url)?;
    base.require_loopback()?;
    if config.create.is_none()
        && quizline::live::util::normalize_code(&config.code).as_deref()
            != Some(config.code.as_str())
    {
        bail!("'{}' is not a join code (six digits)", config.code);
    }
    if !(0.0..=1.0).contains(&config.accuracy) {
        bail!("accuracy must be from 0 to 1");
    }
    if config.drive && config.key.is_none() && config.create.is_none() {
        bail!("driving the game needs the host's key (--key)");
    }
    if config.create.is_some() && !config.drive {
        bail!("rooms the bots create need --drive: nobody else hosts them");
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
        .context("the time limit was reached while creating rooms")??,
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
        return Err(e.context("driving the game failed"));
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

/// Plays the host: starts once every bot that will join has joined, reveals
/// when everyone has answered (or the timer does), and moves on.
async fn drive(
    client: Client,
    config: BotConfig,
    room: Arc<RoomRun>,
    shared: Arc<Shared>,
) -> anyhow::Result<()> {
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
                    bail!("{code}: {message}");
                }
                _ => {}
            },
            Some(Ok(None)) | Some(Err(_)) => bail!("the host socket closed"),
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
