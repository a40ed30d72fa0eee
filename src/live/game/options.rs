//! How a room is played (the host's choices when creating it) and what can
//! go wrong in one: the options and the error codes the protocol sends.

use serde::{Deserialize, Serialize};

use crate::engine::{LivePolicy, SpeedRule};
use crate::live::util::NicknameError;
use crate::question::Kind;

/// The most players a room may be configured for.
pub const MAX_PLAYERS_LIMIT: u32 = 50_000;
/// How long a question stays open after a restart at least, so reconnecting
/// phones still get a fair chance to answer.
pub const RESTART_GRACE_MS: i64 = 5_000;
/// How many phase changes a slow socket may fall behind before it is sent a

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
    rule.as_str()
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

/// Why a room's options are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    #[error("the number of questions must be from 1 to 500")]
    Count,
    #[error("time per question must be from 5 to 600 seconds, or untimed")]
    TimeLimit,
    #[error("the maximum number of players must be from 1 to {MAX_PLAYERS_LIMIT}")]
    MaxPlayers,
}

impl RoomOptions {
    pub fn validate(&self) -> Result<(), OptionsError> {
        if let Some(c) = self.count
            && !(1..=500).contains(&c)
        {
            return Err(OptionsError::Count);
        }
        if let Some(t) = self.time_limit_s
            && !(5..=600).contains(&t)
        {
            return Err(OptionsError::TimeLimit);
        }
        if !(1..=MAX_PLAYERS_LIMIT).contains(&self.max_players) {
            return Err(OptionsError::MaxPlayers);
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    #[error("{0}")]
    BadNickname(#[from] NicknameError),
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
