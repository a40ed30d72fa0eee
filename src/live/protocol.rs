//! The messages of the live protocol, as JSON text frames. `docs/protocol.md`
//! describes each one; a field added here must be added there.
//!
//! Server messages are built once and sent as the same bytes to everyone who
//! gets them; only `welcome`, `ack`, `error`, `result`, `final`, `players`
//! and `progress` are built per recipient.

use serde::{Deserialize, Serialize};

/// What a client sends. Unknown types and fields are refused, so a typo in a
/// teacher's tool is an error it can see rather than a silent no-op.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// First message on every socket: a player's token, or the host's secret
    /// (a host may instead rely on the owner cookie sent with the upgrade).
    Hello {
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        secret: Option<String>,
    },
    /// A player's answer to question `q`, in the typed answer syntax.
    Answer {
        q: usize,
        answer: String,
    },
    /// Host: move the game on from the phase numbered `seq`.
    Next {
        seq: u64,
    },
    /// Host: close the open question now and reveal it.
    Reveal {
        seq: u64,
    },
    /// Host: end the game now.
    End {
        seq: u64,
    },
    /// Host: remove a player from the room.
    Kick {
        player: u32,
    },
    Ping {},
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub code: String,
    pub title: String,
    pub questions: usize,
    /// Seconds per question; `None` when the host paces the game.
    pub time_limit_s: Option<u32>,
    pub scoring: String,
    pub streak_bonus: bool,
    pub partial_credit: bool,
    pub late_join: bool,
    /// `each` or `end`.
    pub leaderboard: String,
    pub max_players: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: u32,
    pub nickname: String,
    pub score: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub rank: u32,
    pub nickname: String,
    pub score: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub count: u32,
    /// Whether this bar is (part of) the correct answer; `None` for "no answer".
    pub correct: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerEntry {
    pub id: u32,
    pub nickname: String,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Welcome {
        /// `player` or `host`.
        role: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        you: Option<Me>,
        room: RoomInfo,
    },
    Lobby {
        seq: u64,
    },
    Question {
        seq: u64,
        q: usize,
        of: usize,
        kind: String,
        kind_label: String,
        prompt: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        options: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        right: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cloze: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        hint: String,
        points: u32,
        time_limit_ms: Option<u64>,
        /// Time left when this message left the server; count down from
        /// when it arrives, never from a client's own clock.
        remaining_ms: Option<u64>,
        /// The server's wall clock when the question opened (for latency
        /// measurements on the same machine).
        opened_at_ms: i64,
        /// Only in a reconnecting player's copy: whether they already answered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answered: Option<bool>,
    },
    Closed {
        seq: u64,
        q: usize,
    },
    Ack {
        q: usize,
        time_ms: u64,
    },
    Error {
        code: String,
        message: String,
    },
    Reveal {
        seq: u64,
        q: usize,
        of: usize,
        prompt: String,
        correct: String,
        explanation: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
        distribution: Vec<Bar>,
        answered: u32,
        players: u32,
        /// Share of players who answered fully right, 0 to 1.
        facility: f64,
        mean_time_ms: Option<u64>,
        last: bool,
    },
    Result {
        q: usize,
        /// `correct`, `partial`, `incorrect` or `none`.
        verdict: String,
        points: u32,
        score: i64,
        streak: u32,
        /// `None` while the room shows its leaderboard only at the end.
        rank: Option<u32>,
        players: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        given: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time_ms: Option<u64>,
    },
    Leaderboard {
        seq: u64,
        q: usize,
        top: Vec<Entry>,
        players: u32,
    },
    Ended {
        seq: u64,
        top: Vec<Entry>,
        players: u32,
    },
    Final {
        rank: Option<u32>,
        score: i64,
        players: u32,
    },
    Kicked {
        message: String,
    },
    /// Host only: changes to the list of players since the last one.
    Players {
        reset: bool,
        added: Vec<PlayerEntry>,
        removed: Vec<u32>,
        count: u32,
    },
    /// Host only, at most four times a second while something changes.
    Progress {
        q: Option<usize>,
        answered: u32,
        players: u32,
        connected: u32,
    },
    Pong,
}

impl ServerMsg {
    pub fn error(code: &str, message: impl Into<String>) -> ServerMsg {
        ServerMsg::Error {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("protocol messages always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_are_strict() {
        let m: ClientMsg = serde_json::from_str(r#"{"type":"answer","q":2,"answer":"b"}"#).unwrap();
        assert_eq!(
            m,
            ClientMsg::Answer {
                q: 2,
                answer: "b".into()
            }
        );
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"answer","q":2}"#).is_err());
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"nope"}"#).is_err());
        assert!(
            serde_json::from_str::<ClientMsg>(r#"{"type":"ping","extra":1}"#).is_err(),
            "unknown fields are refused"
        );
        let hello: ClientMsg = serde_json::from_str(r#"{"type":"hello","token":"t"}"#).unwrap();
        assert_eq!(
            hello,
            ClientMsg::Hello {
                token: Some("t".into()),
                secret: None
            }
        );
    }

    #[test]
    fn server_messages_round_trip() {
        let m = ServerMsg::Ack { q: 1, time_ms: 20 };
        let text = m.to_text();
        assert_eq!(text, r#"{"type":"ack","q":1,"time_ms":20}"#);
        assert_eq!(serde_json::from_str::<ServerMsg>(&text).unwrap(), m);
    }
}
