//! One live room: its game state, the rules of who may do what and when, and
//! the fan-out of its messages.
//!
//! Concurrency: the hot state sits behind one `std::sync::Mutex` that is
//! never held across an await; every phase change is made while holding an
//! async `transitions` lock, so host actions and timers cannot interleave
//! while a change is being written. A phase change is written to the store
//! before anyone is told about it, and broadcast while the state lock is
//! held, so a socket that subscribes under the same lock gets each change
//! exactly once, after its snapshot.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast, oneshot};

use super::protocol::{Bar, Entry, Me, PlayerEntry, RoomInfo, ServerMsg};
use super::util::{Hash, clean_nickname, ct_eq, new_secret, now_ms, sha256};
use crate::engine::{
    self, Attempt, LivePolicy, Response, SpeedRule, Verdict, View, group, letter, live_points,
    normalize_text,
};
use crate::question::{Body, Kind, QuestionSet};
use crate::store::StoreError;
use crate::store::live::{AnswerRow, NewPlayer, PhaseRow, RoomStore, StoredRoom};

/// The most players a room may be configured for.
pub const MAX_PLAYERS_LIMIT: u32 = 50_000;
/// How long a question stays open after a restart at least, so reconnecting
/// phones still get a fair chance to answer.
pub const RESTART_GRACE_MS: i64 = 5_000;
/// How many phase changes a slow socket may fall behind before it is sent a
/// fresh snapshot instead.
const EVENT_BUFFER: usize = 32;
const TOP: usize = 10;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Default,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum LeaderboardMode {
    /// After every question.
    #[default]
    Each,
    /// Only at the end.
    End,
}

impl LeaderboardMode {
    /// Its name in JSON and on the command line: `each`, `end`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn name(self) -> &'static str {
        self.as_str()
    }
}

pub fn speed_name(rule: SpeedRule) -> &'static str {
    match rule {
        SpeedRule::Speed => "speed",
        SpeedRule::LinearDecay => "linear-decay",
        SpeedRule::AccuracyOnly => "accuracy-only",
    }
}

/// How a room is played, chosen by the host when creating it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomOptions {
    /// At most this many questions; every matching one when `None`.
    pub count: Option<usize>,
    /// Only these kinds; every kind when empty.
    pub kinds: Vec<Kind>,
    /// Seconds per question; `None` (JSON `null`) for host-paced questions.
    pub time_limit_s: Option<u32>,
    pub scoring: SpeedRule,
    pub streak_bonus: bool,
    pub partial_credit: bool,
    /// Whether players may join after the game has started.
    pub late_join: bool,
    pub leaderboard: LeaderboardMode,
    pub max_players: u32,
    /// Chooses the questions and option orders; random when not given.
    pub seed: Option<u64>,
}

impl Default for RoomOptions {
    fn default() -> Self {
        RoomOptions {
            count: Some(10),
            kinds: vec![],
            time_limit_s: Some(20),
            scoring: SpeedRule::Speed,
            streak_bonus: true,
            partial_credit: true,
            late_join: true,
            leaderboard: LeaderboardMode::Each,
            max_players: 1_000,
            seed: None,
        }
    }
}

impl RoomOptions {
    pub fn validate(&self) -> Result<(), String> {
        if let Some(c) = self.count
            && !(1..=500).contains(&c)
        {
            return Err("the number of questions must be from 1 to 500".into());
        }
        if let Some(t) = self.time_limit_s
            && !(5..=600).contains(&t)
        {
            return Err("time per question must be from 5 to 600 seconds, or untimed".into());
        }
        if !(1..=MAX_PLAYERS_LIMIT).contains(&self.max_players) {
            return Err(format!(
                "the maximum number of players must be from 1 to {MAX_PLAYERS_LIMIT}"
            ));
        }
        Ok(())
    }

    pub fn policy(&self) -> LivePolicy {
        LivePolicy {
            speed: self.scoring,
            streak_bonus: self.streak_bonus,
            partial_credit: self.partial_credit,
        }
    }

    pub fn limit_ms(&self) -> Option<u64> {
        self.time_limit_s.map(|s| u64::from(s) * 1000)
    }
}

/// What the sockets of a room hear. Cloning is cheap: text is shared bytes.
#[derive(Debug, Clone)]
pub enum Event {
    /// Send to everyone as it is.
    Public(Utf8Bytes),
    /// Send to everyone, then each player their own result for question `q`.
    Reveal { q: usize, msg: Utf8Bytes },
    /// Send to everyone, then each player their final rank.
    Ended(Utf8Bytes),
    /// The player with this id was removed.
    Kick(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterEvent {
    Joined(u32),
    Removed(u32),
}

#[derive(Debug)]
enum Phase {
    Lobby,
    Question {
        q: usize,
        opened_ms: i64,
        opened: Instant,
        /// When the timer closes it; later than `opened + limit` after a restart.
        deadline: Option<Instant>,
        open: bool,
    },
    Reveal {
        q: usize,
    },
    Leaderboard {
        q: usize,
    },
    Ended,
}

impl Phase {
    fn name(&self) -> &'static str {
        match self {
            Phase::Lobby => "lobby",
            Phase::Question { .. } => "question",
            Phase::Reveal { .. } => "reveal",
            Phase::Leaderboard { .. } => "leaderboard",
            Phase::Ended => "ended",
        }
    }

    fn question(&self) -> Option<usize> {
        match self {
            Phase::Question { q, .. } | Phase::Reveal { q } | Phase::Leaderboard { q } => Some(*q),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Done {
    credit: f64,
    verdict: Verdict,
    points: u32,
    elapsed_ms: u64,
    response: Response,
}

#[derive(Debug, Clone)]
enum Slot {
    Empty,
    /// Accepted and being written; a second answer is refused meanwhile.
    Pending,
    Done(Done),
}

#[derive(Debug)]
struct Player {
    nickname: Arc<str>,
    token_hash: Hash,
    /// Written to the store: only then may the player connect.
    ready: bool,
    kicked: bool,
    score: i64,
    streak: u32,
    rank: Option<u32>,
    answers: Vec<Slot>,
}

impl Player {
    fn active(&self) -> bool {
        self.ready && !self.kicked
    }
}

struct State {
    phase: Phase,
    seq: u64,
    players: Vec<Player>,
    nick_keys: HashMap<String, u32>,
    roster: Vec<RosterEvent>,
    /// Players who are stored and not kicked: the room's player count.
    active: u32,
    /// Joins reserved but still being written; they count against the
    /// room's size, not as players.
    joining: u32,
    /// The one open socket of each connected player.
    sockets: HashMap<u32, Attached>,
    /// Numbers the sockets, so a replaced one cannot detach its successor.
    socket_serial: u64,
    /// Acknowledged answers to the open question.
    answered: u32,
    /// Answers accepted but not yet written.
    pending: u32,
    auto_closing: bool,
    top: Vec<Entry>,
    reveal_msg: Option<Utf8Bytes>,
    leaderboard_msg: Option<Utf8Bytes>,
    ended_msg: Option<Utf8Bytes>,
}

pub struct Room {
    pub code: String,
    pub set: Arc<QuestionSet>,
    pub attempt: Attempt,
    pub options: RoomOptions,
    pub created_at_ms: i64,
    host_hash: Hash,
    policy: LivePolicy,
    store: Arc<dyn RoomStore>,
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
    transitions: tokio::sync::Mutex<()>,
    writes_done: Notify,
    /// Bumped on every change a host's progress line shows; hosts poll it.
    version: AtomicU64,
    /// When anything last happened, for evicting idle rooms.
    last_activity_ms: AtomicU64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    #[error("{0}")]
    BadNickname(String),
    #[error("the nickname \"{0}\" is taken in this room; choose another")]
    NicknameTaken(String),
    #[error("this room is full ({0} players)")]
    Full(u32),
    #[error("the game has started and this room does not let players join late")]
    Locked,
    #[error("this game has ended")]
    Ended,
    #[error("this player link is not valid for this room")]
    BadToken,
    #[error("you were removed from this room by the host")]
    Kicked,
    #[error("question {0} is not open")]
    NotOpen(usize),
    #[error("time is up for this question")]
    Closed,
    #[error("you have already answered this question")]
    AlreadyAnswered,
    #[error("{0}")]
    Invalid(String),
    #[error("the screen was out of date; it has been refreshed")]
    Stale,
    #[error("no player has joined yet")]
    NoPlayers,
    #[error("there is no player {0}")]
    NoSuchPlayer(u32),
    #[error("the answer could not be saved; try again")]
    Store(String),
}

impl RoomError {
    /// The machine-readable code sent with the message.
    pub fn code(&self) -> &'static str {
        match self {
            RoomError::BadNickname(_) => "bad_nickname",
            RoomError::NicknameTaken(_) => "nickname_taken",
            RoomError::Full(_) => "room_full",
            RoomError::Locked => "late_join_locked",
            RoomError::Ended => "ended",
            RoomError::BadToken => "bad_token",
            RoomError::Kicked => "kicked",
            RoomError::NotOpen(_) => "not_open",
            RoomError::Closed => "closed",
            RoomError::AlreadyAnswered => "already_answered",
            RoomError::Invalid(_) => "invalid_answer",
            RoomError::Stale => "stale",
            RoomError::NoPlayers => "no_players",
            RoomError::NoSuchPlayer(_) => "no_such_player",
            RoomError::Store(_) => "store_error",
        }
    }
}

impl From<StoreError> for RoomError {
    fn from(e: StoreError) -> Self {
        tracing::error!("live store: {e}");
        RoomError::Store(e.to_string())
    }
}

/// What a host's screen needs on (re)connecting.
pub struct HostSnapshot {
    pub msgs: Vec<Utf8Bytes>,
    /// Where in the roster the snapshot's player list stands.
    pub cursor: usize,
    /// The progress line in `msgs`.
    pub progress: Utf8Bytes,
}

/// A player's open socket, as the room knows it.
#[derive(Debug)]
struct Attached {
    serial: u64,
    replace: oneshot::Sender<()>,
}

/// What a player's socket starts with.
pub struct PlayerSocket {
    pub snapshot: Vec<Utf8Bytes>,
    pub events: broadcast::Receiver<Event>,
    /// Resolves when a newer socket of the same player takes over.
    pub replaced: oneshot::Receiver<()>,
    pub serial: u64,
}

pub struct Joined {
    pub id: u32,
    pub nickname: String,
    pub token: String,
}

fn text(msg: &ServerMsg) -> Utf8Bytes {
    Utf8Bytes::from(msg.to_text())
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Correct => "correct",
        Verdict::Partial => "partial",
        Verdict::Incorrect => "incorrect",
    }
}

fn parse_verdict(s: &str) -> Verdict {
    match s {
        "correct" => Verdict::Correct,
        "partial" => Verdict::Partial,
        _ => Verdict::Incorrect,
    }
}

/// A player's token: their id, a dot, and a 256-bit secret.
fn split_token(token: &str) -> Option<(u32, &str)> {
    let (id, secret) = token.split_once('.')?;
    Some((id.parse().ok()?, secret))
}

impl Room {
    pub fn new(
        code: String,
        set: Arc<QuestionSet>,
        attempt: Attempt,
        options: RoomOptions,
        host_hash: Hash,
        store: Arc<dyn RoomStore>,
    ) -> Room {
        let created_at_ms = now_ms();
        Room {
            code,
            set,
            policy: options.policy(),
            attempt,
            options,
            created_at_ms,
            host_hash,
            store,
            state: Mutex::new(State {
                phase: Phase::Lobby,
                seq: 0,
                players: Vec::new(),
                nick_keys: HashMap::new(),
                roster: Vec::new(),
                active: 0,
                joining: 0,
                sockets: HashMap::new(),
                socket_serial: 0,
                answered: 0,
                pending: 0,
                auto_closing: false,
                top: Vec::new(),
                reveal_msg: None,
                leaderboard_msg: None,
                ended_msg: None,
            }),
            events: broadcast::channel(EVENT_BUFFER).0,
            transitions: tokio::sync::Mutex::new(()),
            writes_done: Notify::new(),
            version: AtomicU64::new(0),
            last_activity_ms: AtomicU64::new(created_at_ms as u64),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock would be a bug in this file; the
        // state it left is still the best there is, so carry on with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn touch(&self) {
        self.last_activity_ms
            .store(now_ms() as u64, Ordering::Relaxed);
        self.version.fetch_add(1, Ordering::Relaxed);
    }

    pub fn last_activity_ms(&self) -> i64 {
        self.last_activity_ms.load(Ordering::Relaxed) as i64
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    pub fn questions(&self) -> usize {
        self.attempt.items.len()
    }

    pub fn is_host(&self, secret: &str) -> bool {
        ct_eq(&sha256(secret), &self.host_hash)
    }

    pub fn host_hash(&self) -> &Hash {
        &self.host_hash
    }

    pub fn phase_name(&self) -> &'static str {
        self.lock().phase.name()
    }

    pub fn is_ended(&self) -> bool {
        matches!(self.lock().phase, Phase::Ended)
    }

    pub fn joinable(&self) -> Result<(), RoomError> {
        let st = self.lock();
        match st.phase {
            Phase::Ended => Err(RoomError::Ended),
            Phase::Lobby => Ok(()),
            _ if !self.options.late_join => Err(RoomError::Locked),
            _ => Ok(()),
        }
    }

    pub fn info(&self) -> RoomInfo {
        RoomInfo {
            code: self.code.clone(),
            title: self.set.title.clone(),
            questions: self.questions(),
            time_limit_s: self.options.time_limit_s,
            scoring: speed_name(self.options.scoring).into(),
            streak_bonus: self.options.streak_bonus,
            partial_credit: self.options.partial_credit,
            late_join: self.options.late_join,
            leaderboard: self.options.leaderboard.name().into(),
            max_players: self.options.max_players,
        }
    }

    pub fn player_count(&self) -> u32 {
        self.lock().active
    }

    /// Players with an open socket (a player's second socket replaces the first).
    pub fn connected(&self) -> u32 {
        self.lock().sockets.len() as u32
    }

    // ----- joining -------------------------------------------------------

    pub async fn join(&self, nickname: &str) -> Result<Joined, RoomError> {
        let (nickname, key) = clean_nickname(nickname).map_err(RoomError::BadNickname)?;
        let secret = new_secret();
        let token_hash = sha256(&secret);
        let id = {
            let mut st = self.lock();
            match st.phase {
                Phase::Ended => return Err(RoomError::Ended),
                Phase::Lobby => {}
                _ if !self.options.late_join => return Err(RoomError::Locked),
                _ => {}
            }
            if st.active + st.joining >= self.options.max_players {
                return Err(RoomError::Full(self.options.max_players));
            }
            if st.nick_keys.contains_key(&key) {
                return Err(RoomError::NicknameTaken(nickname));
            }
            let id = st.players.len() as u32;
            let n = self.questions();
            // Reserved now so a second join with the same name is refused
            // while this one is being written.
            st.players.push(Player {
                nickname: Arc::from(nickname.as_str()),
                token_hash,
                ready: false,
                kicked: false,
                score: 0,
                streak: 0,
                rank: None,
                answers: vec![Slot::Empty; n],
            });
            st.nick_keys.insert(key.clone(), id);
            st.joining += 1;
            id
        };
        let written = self
            .store
            .add_player(NewPlayer {
                code: self.code.clone(),
                id,
                nickname: nickname.clone(),
                nick_key: key.clone(),
                token_hash,
                joined_at_ms: now_ms(),
            })
            .await;
        let mut st = self.lock();
        st.joining -= 1;
        match written {
            Ok(()) => {
                st.players[id as usize].ready = true;
                st.active += 1;
                st.roster.push(RosterEvent::Joined(id));
                drop(st);
                self.touch();
                Ok(Joined {
                    id,
                    nickname,
                    token: format!("{id}.{secret}"),
                })
            }
            Err(e) => {
                // The id stays used (ids are never reused), the name is freed.
                st.players[id as usize].kicked = true;
                st.nick_keys.remove(&key);
                Err(e.into())
            }
        }
    }

    /// Checks a player's token; returns their id.
    pub fn authenticate(&self, token: &str) -> Result<u32, RoomError> {
        let (id, secret) = split_token(token).ok_or(RoomError::BadToken)?;
        let st = self.lock();
        let p = st.players.get(id as usize).ok_or(RoomError::BadToken)?;
        if !p.ready || !ct_eq(&sha256(secret), &p.token_hash) {
            return Err(RoomError::BadToken);
        }
        if p.kicked {
            return Err(RoomError::Kicked);
        }
        Ok(id)
    }

    // ----- sockets -------------------------------------------------------

    /// A player's socket starts: their snapshot and the room's events from
    /// this instant on.
    /// A player's socket starts: their snapshot, the room's events from
    /// this instant on, and what tells this socket it was replaced. A
    /// player has one socket: a newer one replaces the older.
    pub fn attach_player(&self, id: u32) -> Result<PlayerSocket, RoomError> {
        let mut st = self.lock();
        let p = st.players.get(id as usize).ok_or(RoomError::BadToken)?;
        if p.kicked {
            return Err(RoomError::Kicked);
        }
        let events = self.events.subscribe();
        let snapshot = self.player_snapshot(&st, id);
        st.socket_serial += 1;
        let serial = st.socket_serial;
        let (tx, replaced) = oneshot::channel();
        if let Some(old) = st.sockets.insert(
            id,
            Attached {
                serial,
                replace: tx,
            },
        ) {
            let _ = old.replace.send(());
        }
        drop(st);
        self.touch();
        Ok(PlayerSocket {
            snapshot,
            events,
            replaced,
            serial,
        })
    }

    /// A player's socket ended; a socket that was replaced changes nothing.
    pub fn detach_player(&self, id: u32, serial: u64) {
        let mut st = self.lock();
        if st.sockets.get(&id).is_some_and(|a| a.serial == serial) {
            st.sockets.remove(&id);
        }
        drop(st);
        self.touch();
    }

    /// What a player's screen needs after (re)connecting or falling behind.
    pub fn resync_player(&self, id: u32) -> Vec<Utf8Bytes> {
        let st = self.lock();
        self.player_snapshot(&st, id)
    }

    fn player_snapshot(&self, st: &State, id: u32) -> Vec<Utf8Bytes> {
        let p = &st.players[id as usize];
        let mut out = vec![text(&ServerMsg::Welcome {
            role: "player".into(),
            you: Some(Me {
                id,
                nickname: p.nickname.to_string(),
                score: p.score,
            }),
            room: self.info(),
        })];
        out.extend(self.phase_snapshot(st, Some(id)));
        match st.phase {
            Phase::Reveal { q } | Phase::Leaderboard { q } => {
                out.push(self.result_text(st, id, q));
            }
            Phase::Ended => out.push(self.final_text(st, id)),
            _ => {}
        }
        out
    }

    fn phase_snapshot(&self, st: &State, player: Option<u32>) -> Vec<Utf8Bytes> {
        let mut out = Vec::new();
        match &st.phase {
            Phase::Lobby => out.push(text(&ServerMsg::Lobby { seq: st.seq })),
            Phase::Question {
                q,
                opened_ms,
                deadline,
                open,
                ..
            } => {
                let answered =
                    player.map(|id| !matches!(st.players[id as usize].answers[*q], Slot::Empty));
                let remaining = deadline.map(|d| {
                    if *open {
                        d.saturating_duration_since(Instant::now()).as_millis() as u64
                    } else {
                        0
                    }
                });
                out.push(text(
                    &self.question_msg(st.seq, *q, *opened_ms, remaining, answered),
                ));
                if !open {
                    out.push(text(&ServerMsg::Closed { seq: st.seq, q: *q }));
                }
            }
            Phase::Reveal { .. } => out.extend(st.reveal_msg.clone()),
            Phase::Leaderboard { .. } => {
                out.extend(st.reveal_msg.clone());
                out.extend(st.leaderboard_msg.clone());
            }
            Phase::Ended => out.extend(st.ended_msg.clone()),
        }
        out
    }

    /// A host's socket starts: everything the projector shows, and events.
    pub fn attach_host(&self) -> (HostSnapshot, broadcast::Receiver<Event>) {
        let st = self.lock();
        let rx = self.events.subscribe();
        (self.host_snapshot(&st), rx)
    }

    pub fn resync_host(&self) -> HostSnapshot {
        let st = self.lock();
        self.host_snapshot(&st)
    }

    fn host_snapshot(&self, st: &State) -> HostSnapshot {
        let mut out = vec![text(&ServerMsg::Welcome {
            role: "host".into(),
            you: None,
            room: self.info(),
        })];
        let added = st
            .players
            .iter()
            .enumerate()
            .filter(|(_, p)| p.active())
            .map(|(id, p)| PlayerEntry {
                id: id as u32,
                nickname: p.nickname.to_string(),
            })
            .collect();
        out.push(text(&ServerMsg::Players {
            reset: true,
            added,
            removed: vec![],
            count: st.active,
        }));
        out.extend(self.phase_snapshot(st, None));
        let progress = text(&self.progress_msg(st));
        out.push(progress.clone());
        HostSnapshot {
            msgs: out,
            cursor: st.roster.len(),
            progress,
        }
    }

    /// Changes to the list of players since `cursor`, for a host.
    pub fn roster_since(&self, cursor: usize) -> Option<(Utf8Bytes, usize)> {
        let st = self.lock();
        if cursor >= st.roster.len() {
            return None;
        }
        let mut added = Vec::new();
        let mut removed = Vec::new();
        for e in &st.roster[cursor..] {
            match e {
                RosterEvent::Joined(id) => added.push(*id),
                RosterEvent::Removed(id) => {
                    added.retain(|a| a != id);
                    removed.push(*id);
                }
            }
        }
        let added = added
            .into_iter()
            .filter(|id| st.players[*id as usize].active())
            .map(|id| PlayerEntry {
                id,
                nickname: st.players[id as usize].nickname.to_string(),
            })
            .collect();
        let msg = ServerMsg::Players {
            reset: false,
            added,
            removed,
            count: st.active,
        };
        Some((text(&msg), st.roster.len()))
    }

    pub fn progress(&self) -> Utf8Bytes {
        let st = self.lock();
        text(&self.progress_msg(&st))
    }

    fn progress_msg(&self, st: &State) -> ServerMsg {
        ServerMsg::Progress {
            q: match st.phase {
                Phase::Question { q, .. } => Some(q),
                _ => None,
            },
            answered: st.answered,
            players: st.active,
            connected: st.sockets.len() as u32,
        }
    }

    fn question_msg(
        &self,
        seq: u64,
        q: usize,
        opened_ms: i64,
        remaining_ms: Option<u64>,
        answered: Option<bool>,
    ) -> ServerMsg {
        let view = self
            .attempt
            .view(&self.set, q)
            .expect("a room's attempt matches its set");
        let kind = view.kind();
        ServerMsg::Question {
            seq,
            q,
            of: self.questions(),
            kind: kind.name().into(),
            kind_label: kind.label().into(),
            prompt: view.question.prompt.clone(),
            options: match kind {
                // The two choices, so a client can show them like any other.
                Kind::TrueFalse => vec!["True".into(), "False".into()],
                _ => view.options().into_iter().map(String::from).collect(),
            },
            right: view.right().into_iter().map(String::from).collect(),
            cloze: view.cloze_text().map(String::from),
            unit: view.unit().map(String::from),
            hint: view.hint(),
            points: view.question.points,
            time_limit_ms: self.options.limit_ms(),
            remaining_ms,
            opened_at_ms: opened_ms,
            answered,
        }
    }

    /// A player's own outcome of question `q`, after its reveal.
    pub fn result_for(&self, id: u32, q: usize) -> Utf8Bytes {
        let st = self.lock();
        self.result_text(&st, id, q)
    }

    fn result_text(&self, st: &State, id: u32, q: usize) -> Utf8Bytes {
        let p = &st.players[id as usize];
        let (verdict, points, given, time_ms) = match p.answers.get(q) {
            Some(Slot::Done(d)) => {
                let given = self
                    .attempt
                    .view(&self.set, q)
                    .ok()
                    .map(|v| v.describe(&d.response));
                (verdict_name(d.verdict), d.points, given, Some(d.elapsed_ms))
            }
            _ => ("none", 0, None, None),
        };
        let rank = match self.options.leaderboard {
            LeaderboardMode::Each => p.rank,
            LeaderboardMode::End => None,
        };
        text(&ServerMsg::Result {
            q,
            verdict: verdict.into(),
            points,
            score: p.score,
            streak: p.streak,
            rank,
            players: st.active,
            given,
            time_ms,
        })
    }

    pub fn final_for(&self, id: u32) -> Utf8Bytes {
        let st = self.lock();
        self.final_text(&st, id)
    }

    fn final_text(&self, st: &State, id: u32) -> Utf8Bytes {
        let p = &st.players[id as usize];
        text(&ServerMsg::Final {
            rank: if p.kicked { None } else { p.rank },
            score: p.score,
            players: st.active,
        })
    }

    // ----- answers -------------------------------------------------------

    /// Accepts, grades and durably records one answer; resolves once it is
    /// written, with the milliseconds the server counted.
    pub async fn answer(
        self: &Arc<Self>,
        id: u32,
        q: usize,
        input: &str,
    ) -> Result<u64, RoomError> {
        if input.len() > 1000 {
            return Err(RoomError::Invalid("that answer is too long".into()));
        }
        // Reading and grading need no lock: the attempt and set never change.
        // So they are done before taking it (at 10,000 answers a second the
        // lock is then held for a few checks, not for a parse and a grade);
        // their errors are still reported only after the checks below.
        let view = self
            .attempt
            .view(&self.set, q)
            .map_err(|_| RoomError::NotOpen(q))?;
        let graded = view
            .parse(input)
            .map_err(|e| RoomError::Invalid(e.message))
            .and_then(|response| {
                engine::grade(view.question, &response, &self.set.scoring)
                    .map(|grade| (response, grade))
                    .map_err(|e| RoomError::Invalid(e.to_string()))
            });
        let (response, grade, points, elapsed_ms, answered_at_ms) = {
            let mut st = self.lock();
            let opened = match &st.phase {
                Phase::Question {
                    q: cur,
                    opened,
                    open,
                    ..
                } if *cur == q => open.then_some(*opened),
                Phase::Question { q: cur, .. } if q > *cur => return Err(RoomError::NotOpen(q)),
                Phase::Lobby => return Err(RoomError::NotOpen(q)),
                _ => None,
            };
            // The arrival instant is taken under the lock that the close
            // also takes, so an answer either beat the close or did not.
            let arrived = Instant::now();
            let player = st.players.get(id as usize).ok_or(RoomError::BadToken)?;
            if player.kicked {
                return Err(RoomError::Kicked);
            }
            // A repeat is a repeat even once the question has closed.
            if !matches!(player.answers[q], Slot::Empty) {
                return Err(RoomError::AlreadyAnswered);
            }
            let Some(opened) = opened else {
                return Err(RoomError::Closed);
            };
            let elapsed_ms = arrived.saturating_duration_since(opened).as_millis() as u64;
            let (response, grade) = graded?;
            let points = live_points(
                &self.policy,
                view.question.points,
                grade.credit,
                elapsed_ms,
                self.options.limit_ms(),
                player.streak,
            );
            st.players[id as usize].answers[q] = Slot::Pending;
            st.pending += 1;
            (response, grade, points, elapsed_ms, now_ms())
        };
        let row = AnswerRow {
            code: self.code.clone(),
            player: id,
            question: q as u32,
            input: input.trim().to_string(),
            response_json: serde_json::to_string(&response).unwrap_or_default(),
            given: view.describe(&response),
            credit: grade.credit,
            verdict: verdict_name(grade.verdict).into(),
            points,
            elapsed_ms,
            answered_at_ms,
        };
        let done = Done {
            credit: grade.credit,
            verdict: grade.verdict,
            points,
            elapsed_ms,
            response,
        };
        let written = self.store.record_answer(row).await;
        let elapsed = done.elapsed_ms;
        let outcome = {
            let mut st = self.lock();
            st.pending -= 1;
            let player = &mut st.players[id as usize];
            let outcome = match written {
                Ok(true) => {
                    player.score += i64::from(done.points);
                    player.answers[q] = Slot::Done(done);
                    st.answered += 1;
                    Ok(elapsed)
                }
                // Already in the store (only possible after a restart that
                // lost the in-memory slot): the first answer stands.
                Ok(false) => Err(RoomError::AlreadyAnswered),
                Err(e) => {
                    player.answers[q] = Slot::Empty;
                    Err(RoomError::from(e))
                }
            };
            if st.pending == 0 {
                self.writes_done.notify_waiters();
            }
            self.maybe_auto_close(&mut st);
            outcome
        };
        self.touch();
        outcome
    }

    /// Closes the question early once every player has answered.
    fn maybe_auto_close(self: &Arc<Self>, st: &mut State) {
        if let Phase::Question { q, open: true, .. } = st.phase
            && st.active > 0
            && st.answered >= st.active
            && !st.auto_closing
        {
            st.auto_closing = true;
            let room = self.clone();
            let seq = st.seq;
            tokio::spawn(async move {
                let _ = room.close_question(q, seq).await;
            });
        }
    }

    async fn wait_for_writes(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.writes_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.lock().pending == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline.into(), notified)
                .await
                .is_err()
            {
                tracing::error!(
                    room = %self.code,
                    "answers still being written after 15 s; revealing without them"
                );
                return;
            }
        }
    }

    // ----- phase changes -------------------------------------------------

    fn phase_row(&self, phase: &str, q: Option<usize>, seq: u64) -> PhaseRow {
        PhaseRow {
            phase: phase.into(),
            question: q.map(|q| q as u32),
            seq,
            opened_at_ms: None,
            deadline_ms: None,
            ended_at_ms: None,
        }
    }

    fn current_seq(&self) -> u64 {
        self.lock().seq
    }

    /// Host: the one button. Moves on from the phase numbered `seq`.
    pub async fn next(self: &Arc<Self>, seq: u64) -> Result<(), RoomError> {
        let _t = self.transitions.lock().await;
        let (phase, active) = {
            let st = self.lock();
            if st.seq != seq {
                return Err(RoomError::Stale);
            }
            let phase = match st.phase {
                Phase::Lobby => (0, None),
                Phase::Question { q, .. } => (1, Some(q)),
                Phase::Reveal { q } => (2, Some(q)),
                Phase::Leaderboard { q } => (3, Some(q)),
                Phase::Ended => (4, None),
            };
            (phase, st.active)
        };
        let last = self.questions() - 1;
        match phase {
            (0, _) if active == 0 => Err(RoomError::NoPlayers),
            (0, _) => self.open_locked(0).await,
            (1, Some(q)) => self.close_locked(q, seq).await,
            (2, Some(q)) if q >= last => self.end_locked().await,
            (2, Some(q)) if self.options.leaderboard == LeaderboardMode::Each => {
                self.leaderboard_locked(q).await
            }
            (2, Some(q)) | (3, Some(q)) => self.open_locked(q + 1).await,
            _ => Err(RoomError::Ended),
        }
    }

    /// Host: close the open question now.
    pub async fn reveal(self: &Arc<Self>, seq: u64) -> Result<(), RoomError> {
        let q = {
            let st = self.lock();
            match st.phase {
                Phase::Question { q, .. } if st.seq == seq => q,
                _ => return Err(RoomError::Stale),
            }
        };
        self.close_question(q, seq).await
    }

    /// Host: end the game now; an open question is revealed first.
    pub async fn end(self: &Arc<Self>, seq: u64) -> Result<(), RoomError> {
        let _t = self.transitions.lock().await;
        let open = {
            let st = self.lock();
            if st.seq != seq {
                return Err(RoomError::Stale);
            }
            match st.phase {
                Phase::Ended => return Err(RoomError::Ended),
                Phase::Question { q, .. } => Some(q),
                _ => None,
            }
        };
        if let Some(q) = open {
            self.close_locked(q, seq).await?;
        }
        self.end_locked().await
    }

    /// Closes question `q` if the room is still in the phase numbered
    /// `seq`; the timer and the host race here, and the first one wins.
    pub async fn close_question(self: &Arc<Self>, q: usize, seq: u64) -> Result<(), RoomError> {
        let _t = self.transitions.lock().await;
        self.close_locked(q, seq).await
    }

    async fn open_locked(self: &Arc<Self>, q: usize) -> Result<(), RoomError> {
        let seq = self.current_seq() + 1;
        let opened_ms = now_ms();
        let limit = self.options.limit_ms();
        let deadline_ms = limit.map(|l| opened_ms + l as i64);
        let mut row = self.phase_row("question", Some(q), seq);
        row.opened_at_ms = Some(opened_ms);
        row.deadline_ms = deadline_ms;
        self.store.set_phase(&self.code, row).await?;
        // Time counts from when players can see the question: after it is
        // stored. The stored instant is a write earlier; after a restart
        // players lose those few milliseconds, never gain them.
        let opened = Instant::now();
        let opened_ms = now_ms();
        {
            let mut st = self.lock();
            st.seq = seq;
            st.phase = Phase::Question {
                q,
                opened_ms,
                opened,
                deadline: limit.map(|l| opened + Duration::from_millis(l)),
                open: true,
            };
            st.answered = 0;
            st.auto_closing = false;
            let msg = text(&self.question_msg(seq, q, opened_ms, limit, None));
            let _ = self.events.send(Event::Public(msg));
        }
        if let Some(limit) = limit {
            self.arm_timer(q, seq, opened + Duration::from_millis(limit));
        }
        self.touch();
        Ok(())
    }

    fn arm_timer(self: &Arc<Self>, q: usize, seq: u64, at: Instant) {
        let room = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            if let Some(room) = room.upgrade() {
                let _ = room.close_question(q, seq).await;
            }
        });
    }

    async fn close_locked(self: &Arc<Self>, q: usize, seq: u64) -> Result<(), RoomError> {
        {
            let mut st = self.lock();
            if st.seq != seq {
                return Err(RoomError::Stale);
            }
            match &mut st.phase {
                Phase::Question { q: cur, open, .. } if *cur == q => {
                    if *open {
                        *open = false;
                        let _ = self
                            .events
                            .send(Event::Public(text(&ServerMsg::Closed { seq, q })));
                    }
                }
                _ => return Err(RoomError::Stale),
            }
        }
        self.wait_for_writes().await;
        let next = seq + 1;
        self.store
            .set_phase(&self.code, self.phase_row("reveal", Some(q), next))
            .await?;
        {
            let mut st = self.lock();
            let msg = self.apply_reveal(&mut st, q, true);
            st.seq = next;
            st.phase = Phase::Reveal { q };
            let _ = self.events.send(Event::Reveal { q, msg });
        }
        self.touch();
        Ok(())
    }

    async fn leaderboard_locked(self: &Arc<Self>, q: usize) -> Result<(), RoomError> {
        let seq = self.current_seq() + 1;
        self.store
            .set_phase(&self.code, self.phase_row("leaderboard", Some(q), seq))
            .await?;
        let mut st = self.lock();
        st.seq = seq;
        st.phase = Phase::Leaderboard { q };
        let msg = text(&ServerMsg::Leaderboard {
            seq,
            q,
            top: st.top.clone(),
            players: st.active,
        });
        st.leaderboard_msg = Some(msg.clone());
        let _ = self.events.send(Event::Public(msg));
        drop(st);
        self.touch();
        Ok(())
    }

    async fn end_locked(self: &Arc<Self>) -> Result<(), RoomError> {
        let seq = self.current_seq() + 1;
        let mut row = self.phase_row("ended", None, seq);
        row.ended_at_ms = Some(now_ms());
        // Who is there at the end finished; the others left.
        let finished: Vec<u32> = {
            let st = self.lock();
            let mut ids: Vec<u32> = st
                .sockets
                .keys()
                .copied()
                .filter(|id| st.players[*id as usize].active())
                .collect();
            ids.sort_unstable();
            ids
        };
        self.store.end_game(&self.code, row, finished).await?;
        let mut st = self.lock();
        self.rank(&mut st);
        st.seq = seq;
        st.phase = Phase::Ended;
        let msg = text(&ServerMsg::Ended {
            seq,
            top: st.top.clone(),
            players: st.active,
        });
        st.ended_msg = Some(msg.clone());
        let _ = self.events.send(Event::Ended(msg));
        drop(st);
        self.touch();
        Ok(())
    }

    pub async fn kick(self: &Arc<Self>, id: u32) -> Result<(), RoomError> {
        {
            let st = self.lock();
            match st.players.get(id as usize) {
                Some(p) if p.active() => {}
                _ => return Err(RoomError::NoSuchPlayer(id)),
            }
        }
        self.store.kick_player(&self.code, id).await?;
        {
            let mut st = self.lock();
            let p = &mut st.players[id as usize];
            if p.kicked {
                return Ok(());
            }
            p.kicked = true;
            p.rank = None;
            let counted = match st.phase {
                Phase::Question { q, .. } => {
                    matches!(st.players[id as usize].answers[q], Slot::Done(_))
                }
                _ => false,
            };
            if counted {
                st.answered -= 1;
            }
            st.active -= 1;
            st.roster.push(RosterEvent::Removed(id));
            let _ = self.events.send(Event::Kick(id));
            // The one who had not answered may be the one removed.
            self.maybe_auto_close(&mut st);
        }
        self.touch();
        Ok(())
    }

    /// Scores the closed question `q`: streaks, ranks, and the reveal
    /// message. `build` is false while replaying after a restart.
    fn apply_reveal(&self, st: &mut State, q: usize, build: bool) -> Utf8Bytes {
        let mut times = 0u64;
        let mut answered = 0u32;
        let mut correct = 0u32;
        for p in st.players.iter_mut().filter(|p| p.active()) {
            match &p.answers[q] {
                Slot::Done(d) => {
                    answered += 1;
                    times += d.elapsed_ms;
                    if d.credit >= 1.0 {
                        correct += 1;
                        p.streak += 1;
                    } else {
                        p.streak = 0;
                    }
                }
                _ => p.streak = 0,
            }
        }
        self.rank(st);
        if !build {
            return Utf8Bytes::from_static("");
        }
        let view = self
            .attempt
            .view(&self.set, q)
            .expect("a room's attempt matches its set");
        let distribution = self.distribution(st, q);
        let msg = text(&ServerMsg::Reveal {
            seq: st.seq + 1,
            q,
            of: self.questions(),
            prompt: view.question.prompt.clone(),
            correct: view.correct_answer(),
            explanation: view.question.explanation.clone(),
            source: view.question.source.as_deref().map(String::from),
            distribution,
            answered,
            players: st.active,
            facility: if st.active > 0 {
                f64::from(correct) / f64::from(st.active)
            } else {
                0.0
            },
            mean_time_ms: (answered > 0).then(|| times / u64::from(answered)),
            last: q + 1 >= self.questions(),
        });
        st.reveal_msg = Some(msg.clone());
        st.leaderboard_msg = None;
        msg
    }

    /// One sort per reveal: ranks shared on ties (1, 2, 2, 4) and the top ten.
    fn rank(&self, st: &mut State) {
        let mut order: Vec<(i64, u32)> = st
            .players
            .iter()
            .enumerate()
            .filter(|(_, p)| p.active())
            .map(|(id, p)| (p.score, id as u32))
            .collect();
        order.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut rank = 0u32;
        let mut last = None;
        for (i, (score, id)) in order.iter().enumerate() {
            if last != Some(*score) {
                rank = i as u32 + 1;
                last = Some(*score);
            }
            st.players[*id as usize].rank = Some(rank);
        }
        st.top = order
            .iter()
            .take(TOP)
            .map(|(score, id)| {
                let p = &st.players[*id as usize];
                Entry {
                    rank: p.rank.unwrap_or(0),
                    nickname: p.nickname.to_string(),
                    score: *score,
                }
            })
            .collect();
    }

    fn distribution(&self, st: &State, q: usize) -> Vec<Bar> {
        let view = self
            .attempt
            .view(&self.set, q)
            .expect("a room's attempt matches its set");
        let done: Vec<Answered<'_>> = st
            .players
            .iter()
            .filter(|p| p.active())
            .filter_map(|p| match &p.answers[q] {
                Slot::Done(d) => Some(Answered {
                    response: &d.response,
                    credit: d.credit,
                    verdict: d.verdict,
                }),
                _ => None,
            })
            .collect();
        distribution(&view, &done, st.active)
    }

    // ----- restart -------------------------------------------------------

    /// Rebuilds a room from the store after a restart. Scores are the sum of
    /// the stored points; streaks are replayed question by question. An open
    /// question reopens with the time it had left by the wall clock, and at
    /// least `RESTART_GRACE_MS`.
    pub fn restore(
        stored: StoredRoom,
        set: Arc<QuestionSet>,
        attempt: Attempt,
        options: RoomOptions,
        store: Arc<dyn RoomStore>,
    ) -> Arc<Room> {
        let mut room = Room::new(
            stored.code.clone(),
            set,
            attempt,
            options,
            stored.host_hash,
            store,
        );
        room.created_at_ms = stored.created_at_ms;
        let n = room.questions();
        let room = Arc::new(room);
        {
            let mut st = room.lock();
            for p in &stored.players {
                // Ids are dense from 0; a gap would mean a lost row.
                while st.players.len() < p.id as usize {
                    st.players.push(Player {
                        nickname: Arc::from("?"),
                        token_hash: [0; 32],
                        ready: false,
                        kicked: true,
                        score: 0,
                        streak: 0,
                        rank: None,
                        answers: vec![Slot::Empty; n],
                    });
                }
                st.players.push(Player {
                    nickname: Arc::from(p.nickname.as_str()),
                    token_hash: p.token_hash,
                    ready: true,
                    kicked: p.kicked,
                    score: 0,
                    streak: 0,
                    rank: None,
                    answers: vec![Slot::Empty; n],
                });
                st.nick_keys.insert(p.nick_key.clone(), p.id);
                if !p.kicked {
                    st.active += 1;
                    st.roster.push(RosterEvent::Joined(p.id));
                }
            }
            for a in &stored.answers {
                let (Some(p), true) = (
                    st.players.get_mut(a.player as usize),
                    (a.question as usize) < n,
                ) else {
                    continue;
                };
                let response: Response = match serde_json::from_str(&a.response_json) {
                    Ok(r) => r,
                    Err(_) => continue,
                };
                p.score += i64::from(a.points);
                p.answers[a.question as usize] = Slot::Done(Done {
                    credit: a.credit,
                    verdict: parse_verdict(&a.verdict),
                    points: a.points,
                    elapsed_ms: a.elapsed_ms,
                    response,
                });
            }
            let ph = &stored.phase;
            let cur = ph.question.map(|q| q as usize).filter(|q| *q < n);
            let revealed = match (ph.phase.as_str(), cur) {
                ("question", Some(q)) => q,
                ("reveal" | "leaderboard", Some(q)) => q + 1,
                _ => 0,
            };
            for q in 0..revealed {
                // Only the last revealed question's message is ever shown again.
                let build = q + 1 == revealed;
                if build {
                    // The reveal message carries its own phase's number.
                    let back = if ph.phase == "leaderboard" { 2 } else { 1 };
                    st.seq = ph.seq.saturating_sub(back);
                }
                room.apply_reveal(&mut st, q, build);
            }
            st.seq = ph.seq;
            st.phase = match (ph.phase.as_str(), cur) {
                ("question", Some(q)) => {
                    let now = now_ms();
                    let opened_ms = ph.opened_at_ms.unwrap_or(now);
                    let ago = (now - opened_ms).max(0) as u64;
                    let opened = Instant::now()
                        .checked_sub(Duration::from_millis(ago))
                        .unwrap_or_else(Instant::now);
                    st.answered = st
                        .players
                        .iter()
                        .filter(|p| p.active() && matches!(p.answers[q], Slot::Done(_)))
                        .count() as u32;
                    let deadline = ph.deadline_ms.map(|d| {
                        let left = (d - now).max(RESTART_GRACE_MS) as u64;
                        Instant::now() + Duration::from_millis(left)
                    });
                    Phase::Question {
                        q,
                        opened_ms,
                        opened,
                        deadline,
                        open: true,
                    }
                }
                ("reveal", Some(q)) => Phase::Reveal { q },
                ("leaderboard", Some(q)) => {
                    st.leaderboard_msg = Some(text(&ServerMsg::Leaderboard {
                        seq: ph.seq,
                        q,
                        top: st.top.clone(),
                        players: st.active,
                    }));
                    Phase::Leaderboard { q }
                }
                _ => Phase::Lobby,
            };
        }
        // Re-arm the timer of an open question.
        let timer = {
            let st = room.lock();
            match st.phase {
                Phase::Question {
                    q,
                    deadline: Some(at),
                    ..
                } => Some((q, st.seq, at)),
                _ => None,
            }
        };
        if let Some((q, seq, at)) = timer {
            room.arm_timer(q, seq, at);
        }
        {
            let mut st = room.lock();
            room.maybe_auto_close(&mut st);
        }
        room
    }

    /// How long the open question has left.
    pub fn remaining_ms(&self) -> Option<u64> {
        let st = self.lock();
        match &st.phase {
            Phase::Question {
                deadline: Some(d),
                open: true,
                ..
            } => Some(d.saturating_duration_since(Instant::now()).as_millis() as u64),
            _ => None,
        }
    }

    /// The number of the current phase, which host actions must quote.
    pub fn seq(&self) -> u64 {
        self.lock().seq
    }

    pub fn current_question(&self) -> Option<usize> {
        self.lock().phase.question()
    }
}

/// An answer as the statistics see it.
pub struct Answered<'a> {
    pub response: &'a Response,
    pub credit: f64,
    pub verdict: Verdict,
}

/// The bars of a question's answers: one per option for choices (a
/// multiple-select bar counts everyone who ticked it), True and False, the
/// five commonest numbers or texts and "Other answers", or verdicts for
/// orderings and matchings; "No answer" last. The reveal and the results
/// page both use it, so they always agree.
pub fn distribution(view: &View<'_>, done: &[Answered<'_>], players: u32) -> Vec<Bar> {
    let none = players.saturating_sub(done.len() as u32);
    let options = view.options();
    let mut bars = match &view.question.body {
        Body::SingleChoice { answer, .. } | Body::BeforeAfter { answer, .. } => view
            .layout
            .options
            .iter()
            .enumerate()
            .map(|(p, &stored)| Bar {
                label: format!("{}) {}", letter(p), options[p]),
                count: done
                    .iter()
                    .filter(|d| *d.response == Response::Choice(stored))
                    .count() as u32,
                correct: Some(stored == *answer),
            })
            .collect(),
        Body::MultiSelect { answers, .. } => view
            .layout
            .options
            .iter()
            .enumerate()
            .map(|(p, &stored)| Bar {
                label: format!("{}) {}", letter(p), options[p]),
                count: done
                    .iter()
                    .filter(|d| matches!(&d.response, Response::Choices(c) if c.contains(&stored)))
                    .count() as u32,
                correct: Some(answers.contains(&stored)),
            })
            .collect(),
        Body::TrueFalse { answer } => [true, false]
            .into_iter()
            .map(|b| Bar {
                label: if b { "True" } else { "False" }.into(),
                count: done
                    .iter()
                    .filter(|d| *d.response == Response::Bool(b))
                    .count() as u32,
                correct: Some(b == *answer),
            })
            .collect(),
        Body::Numeric { .. } | Body::Cloze { .. } => {
            // The most common answers, then the rest together.
            let mut counts: HashMap<String, (String, u32, bool)> = HashMap::new();
            for d in done {
                let (key, label) = match d.response {
                    Response::Number(n) => (n.to_string(), group(*n)),
                    Response::Text(t) => (normalize_text(t), t.trim().to_string()),
                    other => (format!("{other:?}"), view.describe(other)),
                };
                let e = counts.entry(key).or_insert((label, 0, d.credit >= 1.0));
                e.1 += 1;
            }
            let mut all: Vec<(String, u32, bool)> = counts.into_values().collect();
            all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let rest: u32 = all.iter().skip(5).map(|e| e.1).sum();
            let mut bars: Vec<Bar> = all
                .into_iter()
                .take(5)
                .map(|(label, count, correct)| Bar {
                    label,
                    count,
                    correct: Some(correct),
                })
                .collect();
            if rest > 0 {
                bars.push(Bar {
                    label: "Other answers".into(),
                    count: rest,
                    correct: Some(false),
                });
            }
            bars
        }
        Body::Ordering { .. } | Body::Matching { .. } => {
            [Verdict::Correct, Verdict::Partial, Verdict::Incorrect]
                .into_iter()
                .map(|v| Bar {
                    label: v.label().into(),
                    count: done.iter().filter(|d| d.verdict == v).count() as u32,
                    correct: Some(v == Verdict::Correct),
                })
                .collect()
        }
    };
    bars.push(Bar {
        label: "No answer".into(),
        count: none,
        correct: None,
    });
    bars
}
