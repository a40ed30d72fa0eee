//! The live game's rules, without I/O: who may join, answer and act when,
//! how answers score, and what every phase change stores and sends.
//!
//! [`Game`] is a plain value. Every method takes the time as an argument
//! (milliseconds on the room's clock, see [`Ms`]) and returns what to do:
//! the [`PhaseRow`] or rows to store, the [`Event`]s to send, the [`Timer`]
//! to arm. Nothing here reads a clock, touches the store or a socket, or
//! spawns a task: `live::room::Room` does that around it, holding the locks
//! and writing to the store before anything is sent.
//!
//! A change of phase is made in two steps so that the store is written
//! first: [`Game::next`] (and [`Game::end_plan`]) say which [`Change`] the
//! host's action means, [`Game::row`] what to store for it, and once it is
//! stored [`Game::apply`] makes it and returns what to send.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;

use crate::engine::{Attempt, Grade, LivePolicy, Response, Verdict};
use crate::live::protocol::{Entry, ServerMsg};
use crate::live::util::Hash;
use crate::question::QuestionSet;
use crate::store::live::PhaseRow;

mod messages;
mod options;
mod restore;
mod rules;
mod score;
#[cfg(test)]
mod tests;

pub use messages::HostSnapshot;
pub use options::{
    LeaderboardMode, OptionsError, RESTART_GRACE_MS, RoomError, RoomOptions, speed_name,
};
pub use rules::Change;
pub use score::{Answered, distribution};

/// Milliseconds on the room's clock: Unix epoch milliseconds when the room
/// was made or restored, counted on from there by a monotonic clock, so
/// that it never runs backwards during a game and is still comparable with
/// instants stored before a restart.
pub type Ms = i64;

/// Longest answer read, in bytes.
pub const MAX_ANSWER: usize = 1000;
/// How many players the leaderboard and the podium show.
const TOP: usize = 10;

/// What a room plays: fixed when it is created.
#[derive(Debug)]
pub struct Quiz {
    pub code: String,
    pub set: Arc<QuestionSet>,
    pub attempt: Attempt,
    pub options: RoomOptions,
    pub policy: LivePolicy,
}

impl Quiz {
    pub fn new(
        code: String,
        set: Arc<QuestionSet>,
        attempt: Attempt,
        options: RoomOptions,
    ) -> Quiz {
        Quiz {
            code,
            set,
            policy: options.policy(),
            attempt,
            options,
        }
    }

    pub fn questions(&self) -> usize {
        self.attempt.items.len()
    }

    /// Reads and grades `input` as an answer to question `q`. Pure and
    /// lock-free: a room does it before taking its lock, and
    /// [`Game::accept`] reports its error only after its own checks.
    pub fn grade(&self, q: usize, input: &str) -> Result<(Response, Grade), RoomError> {
        if input.len() > MAX_ANSWER {
            return Err(RoomError::Invalid("that answer is too long".into()));
        }
        let view = self
            .attempt
            .view(&self.set, q)
            .map_err(|_| RoomError::NotOpen(q))?;
        let response = view
            .parse(input)
            .map_err(|e| RoomError::Invalid(e.message))?;
        let grade = crate::engine::grade(view.question, &response, &self.set.scoring)
            .map_err(|e| RoomError::Invalid(e.to_string()))?;
        Ok((response, grade))
    }

    fn view(&self, q: usize) -> crate::engine::View<'_> {
        self.attempt
            .view(&self.set, q)
            .expect("a room's attempt matches its set")
    }
}

/// What the sockets of a room hear. Cloning is cheap: text is shared bytes.
#[derive(Debug, Clone, PartialEq)]
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

/// A timer to arm: at `at`, close question `q` if the room is still in the
/// phase numbered `seq`. `at` may be now (everyone has answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub q: usize,
    pub seq: u64,
    pub at: Ms,
}

/// What a step of the game asks of the room around it.
#[derive(Debug, Default, PartialEq)]
pub struct Effects {
    /// In this order, while the state is still locked.
    pub events: Vec<Event>,
    pub timer: Option<Timer>,
}

impl Effects {
    fn send(mut self, e: Event) -> Effects {
        self.events.push(e);
        self
    }
}

/// What to store before a change is made.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub row: PhaseRow,
    /// When the game ends: the players who are there to see it.
    pub finished: Option<Vec<u32>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Lobby,
    Question {
        q: usize,
        /// When players could first see it; times count from here.
        opened: Ms,
        /// When the timer closes it; later than `opened + limit` after a restart.
        deadline: Option<Ms>,
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

/// A graded, accepted answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub credit: f64,
    pub verdict: Verdict,
    pub points: u32,
    pub elapsed_ms: u64,
    pub response: Response,
}

#[derive(Debug, Clone, PartialEq)]
enum Slot {
    Empty,
    /// Accepted and being written; a second answer is refused meanwhile.
    Pending,
    Done(Done),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum RosterEvent {
    Joined(u32),
    Removed(u32),
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
    fn new(nickname: &str, token_hash: Hash, questions: usize) -> Player {
        Player {
            nickname: Arc::from(nickname),
            token_hash,
            ready: false,
            kicked: false,
            score: 0,
            streak: 0,
            rank: None,
            answers: vec![Slot::Empty; questions],
        }
    }

    /// Counts as a player: stored and not removed.
    fn active(&self) -> bool {
        self.ready && !self.kicked
    }
}

/// One room's game: its phase, players, scores and the messages that
/// describe them.
#[derive(Debug)]
pub struct Game {
    quiz: Arc<Quiz>,
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
    /// The serial number of each connected player's one socket.
    sockets: HashMap<u32, u64>,
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

fn text(msg: &ServerMsg) -> Utf8Bytes {
    Utf8Bytes::from(msg.to_text())
}

/// A stored verdict; an unknown word (a damaged row) counts as wrong.
fn parse_verdict(s: &str) -> Verdict {
    s.parse().unwrap_or(Verdict::Incorrect)
}

impl Game {
    pub fn new(quiz: Arc<Quiz>) -> Game {
        Game {
            quiz,
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
        }
    }

    pub fn quiz(&self) -> &Arc<Quiz> {
        &self.quiz
    }

    pub fn phase_name(&self) -> &'static str {
        self.phase.name()
    }

    pub fn is_ended(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// The number of the current phase, which host actions must quote.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn current_question(&self) -> Option<usize> {
        self.phase.question()
    }

    /// Players who are stored and not removed.
    pub fn player_count(&self) -> u32 {
        self.active
    }

    /// Players with an open socket.
    pub fn connected(&self) -> u32 {
        self.sockets.len() as u32
    }

    /// Answers accepted and not yet written.
    pub fn pending(&self) -> u32 {
        self.pending
    }

    /// How long the open question has left at `now`.
    pub fn remaining_ms(&self, now: Ms) -> Option<u64> {
        match self.phase {
            Phase::Question {
                deadline: Some(d),
                open: true,
                ..
            } => Some((d - now).max(0) as u64),
            _ => None,
        }
    }

    /// Closes the question once every player has answered: a timer due now.
    fn auto_close(&mut self, now: Ms) -> Option<Timer> {
        match self.phase {
            Phase::Question { q, open: true, .. }
                if self.active > 0 && self.answered >= self.active && !self.auto_closing =>
            {
                self.auto_closing = true;
                Some(Timer {
                    q,
                    seq: self.seq,
                    at: now,
                })
            }
            _ => None,
        }
    }
}
