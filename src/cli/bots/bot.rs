//! One simulated student: joins, opens its socket, answers each question
//! after a think time, and keeps its own tally of what it saw.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use quizline::engine::letter;
use quizline::live::http::JoinResponse;
use quizline::live::protocol::ClientMsg;
use quizline::live::util::now_ms;
use quizline::seeded::Seeded;
use serde::Deserialize;
use serde::de::IgnoredAny;
use tokio::sync::Semaphore;

use super::driver::{BotConfig, RoomRun, Shared, lock};
use crate::cli::client::{self, Client, Socket};

/// One bot's counts, added to the shared report once, when the bot stops.
#[derive(Default)]
pub(super) struct Tally {
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

pub(super) struct Bot {
    pub(super) i: usize,
    pub(super) rng: Seeded,
    pub(super) client: Client,
    pub(super) shared: Arc<Shared>,
    pub(super) room: Arc<RoomRun>,
    pub(super) config: BotConfig,
    pub(super) tally: Tally,
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
    pub(super) async fn run(mut self, gate: Arc<Semaphore>) {
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
                        rep.first_join_error
                            .get_or_insert(format!("{:#}", anyhow::Error::from(e)));
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

pub(super) async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
