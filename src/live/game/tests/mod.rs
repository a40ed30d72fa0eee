//! The game's rules, tested on the pure [`Game`] with the time passed in:
//! every phase change, ranks and ties, streaks, kicks, late joins, the
//! automatic close and restoring after a restart. `props` checks the same
//! invariants over random games.

use std::sync::Arc;

use serde_json::Value;

use super::*;
use crate::engine::{AttemptOptions, SpeedRule, live_points};
use crate::store::live::{AnswerRow, StoredPlayer, StoredRoom};

mod phases;
mod players;
mod props;
mod restore;

/// The live fixture, questions in file order: q0 `a` right (1 point), q1
/// `b` right, q2 true/false `t` right, q3 `c` right (2 points).
fn set() -> Arc<QuestionSet> {
    let text = include_str!("../../../../tests/fixtures/live-choice.ron");
    let set = crate::files::parse(std::path::Path::new("live-choice.ron"), text).unwrap();
    Arc::new(set)
}

const RIGHT: [&str; 4] = ["a", "b", "t", "c"];
const WRONG: [&str; 4] = ["b", "a", "f", "a"];

fn options() -> RoomOptions {
    RoomOptions {
        count: None,
        time_limit_s: Some(20),
        scoring: SpeedRule::AccuracyOnly,
        streak_bonus: true,
        seed: Some(1),
        ..RoomOptions::default()
    }
}

fn game_with(options: RoomOptions) -> Game {
    let set = set();
    let attempt = Attempt::new(
        &set,
        AttemptOptions {
            count: None,
            kinds: vec![],
            seed: 1,
            in_order: true,
        },
    )
    .unwrap();
    Game::new(Arc::new(Quiz::new("123456".into(), set, attempt, options)))
}

/// The store as a test keeps it: what the room would have written.
#[derive(Default)]
struct Log {
    players: Vec<StoredPlayer>,
    answers: Vec<AnswerRow>,
    phase: Option<PhaseRow>,
}

impl Log {
    fn stored(&self) -> StoredRoom {
        StoredRoom {
            code: "123456".into(),
            set_id: "live-choice".into(),
            set_title: "t".into(),
            host_hash: [0; 32],
            options_json: String::new(),
            attempt_json: String::new(),
            created_at_ms: 0,
            phase: self.phase.clone().unwrap_or(PhaseRow {
                phase: "lobby".into(),
                question: None,
                seq: 0,
                opened_at_ms: None,
                deadline_ms: None,
                ended_at_ms: None,
            }),
            players: self.players.clone(),
            answers: self.answers.clone(),
        }
    }
}

/// A game and its log, driven the way the room drives it.
struct Play {
    g: Game,
    log: Log,
    now: Ms,
}

impl Play {
    fn new(options: RoomOptions) -> Play {
        Play {
            g: game_with(options),
            log: Log::default(),
            now: 1_000_000,
        }
    }

    fn join(&mut self, name: &str) -> Result<u32, RoomError> {
        let key = name.to_lowercase();
        let id = self.g.reserve(name, &key, sha256(name))?;
        self.g.joined(id);
        self.log.players.push(StoredPlayer {
            id,
            nickname: name.into(),
            nick_key: key,
            token_hash: sha256(name),
            joined_at_ms: self.now,
            kicked: false,
            finished: false,
        });
        Ok(id)
    }

    fn answer(&mut self, id: u32, q: usize, input: &str) -> Result<u64, RoomError> {
        self.answer_timed(id, q, input).0
    }

    /// The acknowledgement and the close-now timer, if this was the last.
    fn answer_timed(
        &mut self,
        id: u32,
        q: usize,
        input: &str,
    ) -> (Result<u64, RoomError>, Option<Timer>) {
        let graded = self.g.quiz().grade(q, input);
        let accepted = match self.g.accept(id, q, input, graded, self.now, self.now) {
            Ok(a) => a,
            Err(e) => return (Err(e), None),
        };
        let first = !self
            .log
            .answers
            .iter()
            .any(|a| a.player == id && a.question == q as u32);
        if first {
            self.log.answers.push(accepted.row);
        }
        self.g
            .answer_written(id, q, accepted.done, Ok(first), self.now)
    }

    fn change(&mut self, change: Change) -> Effects {
        let stored = self.g.row(change, self.now);
        self.log.phase = Some(stored.row);
        for id in stored.finished.unwrap_or_default() {
            self.log.players[id as usize].finished = true;
        }
        self.g.apply(change, self.now)
    }

    /// The host's button, closing an open question first as the room does.
    fn next(&mut self) -> Result<Effects, RoomError> {
        let seq = self.g.seq();
        let change = self.g.next(seq)?;
        let mut fx = Effects::default();
        if let Change::Reveal(q) = change {
            fx = self.g.close(q, seq)?;
        }
        let more = self.change(change);
        fx.events.extend(more.events);
        fx.timer = more.timer;
        Ok(fx)
    }

    fn kick(&mut self, id: u32) -> Result<Effects, RoomError> {
        self.g.check_kick(id)?;
        self.log.players[id as usize].kicked = true;
        Ok(self.g.kicked(id, self.now))
    }

    fn result(&self, id: u32, q: usize) -> Value {
        json(&self.g.result_for(id, q))
    }

    fn phase(&self) -> &'static str {
        self.g.phase_name()
    }
}

fn json(text: &Utf8Bytes) -> Value {
    serde_json::from_str(text.as_str()).unwrap()
}

fn kinds(fx: &Effects) -> Vec<String> {
    fx.events
        .iter()
        .map(|e| match e {
            Event::Public(m) | Event::Ended(m) | Event::Reveal { msg: m, .. } => {
                json(m)["type"].as_str().unwrap().to_string()
            }
            Event::Kick(id) => format!("kick {id}"),
        })
        .collect()
}

fn sha256(s: &str) -> Hash {
    crate::live::util::sha256(s)
}
