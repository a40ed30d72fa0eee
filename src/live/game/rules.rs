//! Who may do what and when: joining, sockets, answering, the host's
//! actions and the phase changes they lead to.

use super::{
    Done, Effects, Event, Game, Ms, Phase, Player, RoomError, RosterEvent, Slot, Stored, Timer,
    text,
};
use crate::engine::{Grade, Response, live_points};
use crate::live::protocol::ServerMsg;
use crate::live::util::{Hash, ct_eq, sha256};
use crate::store::live::{AnswerRow, PhaseRow};

/// A phase change, as the host's action or a timer asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Open question `q`.
    Open(usize),
    /// Score and reveal question `q`, which has closed.
    Reveal(usize),
    /// Show the leaderboard after question `q`.
    Leaderboard(usize),
    End,
}

/// An answer accepted and waiting to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub row: AnswerRow,
    pub done: Done,
}

/// A player's token: their id, a dot, and a 256-bit secret.
fn split_token(token: &str) -> Option<(u32, &str)> {
    let (id, secret) = token.split_once('.')?;
    Some((id.parse().ok()?, secret))
}

impl Game {
    // ----- joining -------------------------------------------------------

    /// Whether anyone may join now.
    pub fn joinable(&self) -> Result<(), RoomError> {
        match self.phase {
            Phase::Ended => Err(RoomError::Ended),
            Phase::Lobby => Ok(()),
            _ if !self.quiz.options.late_join => Err(RoomError::Locked),
            _ => Ok(()),
        }
    }

    /// Reserves an id and the nickname (`key` is its folded form) for a
    /// join about to be written; the player counts once [`Game::joined`].
    pub fn reserve(
        &mut self,
        nickname: &str,
        key: &str,
        token_hash: Hash,
    ) -> Result<u32, RoomError> {
        self.joinable()?;
        let max = self.quiz.options.max_players;
        if self.active + self.joining >= max {
            return Err(RoomError::Full(max));
        }
        if self.nick_keys.contains_key(key) {
            return Err(RoomError::NicknameTaken(nickname.to_string()));
        }
        let id = self.players.len() as u32;
        self.players
            .push(Player::new(nickname, token_hash, self.quiz.questions()));
        self.nick_keys.insert(key.to_string(), id);
        self.joining += 1;
        Ok(id)
    }

    /// The join of `id` is stored: they are a player now.
    pub fn joined(&mut self, id: u32) {
        self.joining -= 1;
        let p = &mut self.players[id as usize];
        p.ready = true;
        if !p.kicked {
            self.active += 1;
            self.roster.push(RosterEvent::Joined(id));
        }
    }

    /// The join of `id` could not be stored: the id stays used (ids are
    /// never reused), the nickname is free again.
    pub fn join_failed(&mut self, id: u32, key: &str) {
        self.joining -= 1;
        self.players[id as usize].kicked = true;
        self.nick_keys.remove(key);
    }

    /// Checks a player's token; returns their id.
    pub fn authenticate(&self, token: &str) -> Result<u32, RoomError> {
        let (id, secret) = split_token(token).ok_or(RoomError::BadToken)?;
        let p = self.players.get(id as usize).ok_or(RoomError::BadToken)?;
        if !p.ready || !ct_eq(&sha256(secret), &p.token_hash) {
            return Err(RoomError::BadToken);
        }
        if p.kicked {
            return Err(RoomError::Kicked);
        }
        Ok(id)
    }

    // ----- sockets -------------------------------------------------------

    /// A socket of player `id` starts: its serial number, and the serial of
    /// the older socket it replaces, if any. A player has one socket.
    pub fn attach(&mut self, id: u32) -> Result<(u64, Option<u64>), RoomError> {
        let p = self.players.get(id as usize).ok_or(RoomError::BadToken)?;
        if p.kicked {
            return Err(RoomError::Kicked);
        }
        self.socket_serial += 1;
        let serial = self.socket_serial;
        Ok((serial, self.sockets.insert(id, serial)))
    }

    /// A socket ended; whether it was the player's current one.
    pub fn detach(&mut self, id: u32, serial: u64) -> bool {
        if self.sockets.get(&id) == Some(&serial) {
            self.sockets.remove(&id);
            true
        } else {
            false
        }
    }

    // ----- answers -------------------------------------------------------

    /// Accepts player `id`'s answer to `q`, arrived at `now`, if the rules
    /// let it count. `graded` is the parsed and graded input (done by the
    /// caller, outside any lock); its error is reported only after the
    /// checks of phase and player, so a late answer is `closed`, not
    /// `invalid_answer`.
    pub fn accept(
        &mut self,
        id: u32,
        q: usize,
        input: &str,
        graded: Result<(Response, Grade), RoomError>,
        now: Ms,
        wall_ms: i64,
    ) -> Result<Accepted, RoomError> {
        let opened = match self.phase {
            Phase::Question {
                q: cur,
                opened,
                open,
                ..
            } if cur == q => open.then_some(opened),
            Phase::Question { q: cur, .. } if q > cur => return Err(RoomError::NotOpen(q)),
            Phase::Lobby => return Err(RoomError::NotOpen(q)),
            _ => None,
        };
        let player = self.players.get(id as usize).ok_or(RoomError::BadToken)?;
        if player.kicked {
            return Err(RoomError::Kicked);
        }
        let slot = player.answers.get(q).ok_or(RoomError::NotOpen(q))?;
        // A repeat is a repeat even once the question has closed.
        if *slot != Slot::Empty {
            return Err(RoomError::AlreadyAnswered);
        }
        let Some(opened) = opened else {
            return Err(RoomError::Closed);
        };
        let (response, grade) = graded?;
        let elapsed_ms = (now - opened).max(0) as u64;
        let view = self.quiz.view(q);
        let points = live_points(
            &self.quiz.policy,
            view.question.points,
            grade.credit,
            elapsed_ms,
            self.quiz.options.limit_ms(),
            player.streak,
        );
        self.players[id as usize].answers[q] = Slot::Pending;
        self.pending += 1;
        let row = AnswerRow {
            code: self.quiz.code.clone(),
            player: id,
            question: q as u32,
            input: input.trim().to_string(),
            response_json: crate::store::blob::encode(&response).unwrap_or_default(),
            given: view.describe(&response),
            credit: grade.credit,
            verdict: grade.verdict.as_str().into(),
            points,
            elapsed_ms,
            answered_at_ms: wall_ms,
        };
        let done = Done {
            credit: grade.credit,
            verdict: grade.verdict,
            points,
            elapsed_ms,
            response,
        };
        Ok(Accepted { row, done })
    }

    /// The write of an accepted answer finished: `Ok(true)` stored,
    /// `Ok(false)` already in the store (the first answer stands). Returns
    /// the player's acknowledgement (the time counted) and, when this was
    /// the last answer, the timer that closes the question now.
    pub fn answer_written(
        &mut self,
        id: u32,
        q: usize,
        done: Done,
        written: Result<bool, RoomError>,
        now: Ms,
    ) -> (Result<u64, RoomError>, Option<Timer>) {
        self.pending -= 1;
        let elapsed = done.elapsed_ms;
        let counts = self.phase.question() == Some(q);
        let player = &mut self.players[id as usize];
        let outcome = match written {
            Ok(true) => {
                player.score += i64::from(done.points);
                player.answers[q] = Slot::Done(done);
                if counts && !player.kicked {
                    self.answered += 1;
                }
                Ok(elapsed)
            }
            Ok(false) => Err(RoomError::AlreadyAnswered),
            Err(e) => {
                player.answers[q] = Slot::Empty;
                Err(e)
            }
        };
        (outcome, self.auto_close(now))
    }

    // ----- the host's actions ---------------------------------------------

    /// What the host's one button means in the phase numbered `seq`.
    pub fn next(&self, seq: u64) -> Result<Change, RoomError> {
        if seq != self.seq {
            return Err(RoomError::Stale);
        }
        let last = self.quiz.questions() - 1;
        match self.phase {
            Phase::Lobby if self.active == 0 => Err(RoomError::NoPlayers),
            Phase::Lobby => Ok(Change::Open(0)),
            Phase::Question { q, .. } => Ok(Change::Reveal(q)),
            Phase::Reveal { q } if q >= last => Ok(Change::End),
            Phase::Reveal { q }
                if self.quiz.options.leaderboard == super::LeaderboardMode::Each =>
            {
                Ok(Change::Leaderboard(q))
            }
            Phase::Reveal { q } | Phase::Leaderboard { q } => Ok(Change::Open(q + 1)),
            Phase::Ended => Err(RoomError::Ended),
        }
    }

    /// The host ends the game in phase `seq`: the open question to reveal
    /// first, if there is one.
    pub fn end_plan(&self, seq: u64) -> Result<Option<usize>, RoomError> {
        if seq != self.seq {
            return Err(RoomError::Stale);
        }
        match self.phase {
            Phase::Ended => Err(RoomError::Ended),
            Phase::Question { q, .. } => Ok(Some(q)),
            _ => Ok(None),
        }
    }

    /// The open question, if it is `seq`'s (for the host's reveal button).
    pub fn open_question(&self, seq: u64) -> Result<usize, RoomError> {
        match self.phase {
            Phase::Question { q, .. } if self.seq == seq => Ok(q),
            _ => Err(RoomError::Stale),
        }
    }

    /// Closes question `q` if the room is still in the phase numbered
    /// `seq` (the timer and the host race here, and the first one wins):
    /// from now on answers are refused. Then [`Change::Reveal`] follows,
    /// once the answers being written are in.
    pub fn close(&mut self, q: usize, seq: u64) -> Result<Effects, RoomError> {
        if self.seq != seq {
            return Err(RoomError::Stale);
        }
        match &mut self.phase {
            Phase::Question { q: cur, open, .. } if *cur == q => {
                let mut fx = Effects::default();
                if *open {
                    *open = false;
                    fx = fx.send(Event::Public(text(&ServerMsg::Closed { seq, q })));
                }
                Ok(fx)
            }
            _ => Err(RoomError::Stale),
        }
    }

    /// What to store before making `change` at `now`.
    pub fn row(&self, change: Change, now: Ms) -> Stored {
        let seq = self.seq + 1;
        let mut row = PhaseRow {
            phase: String::new(),
            question: None,
            seq,
            opened_at_ms: None,
            deadline_ms: None,
            ended_at_ms: None,
        };
        let mut finished = None;
        match change {
            Change::Open(q) => {
                row.phase = "question".into();
                row.question = Some(q as u32);
                row.opened_at_ms = Some(now);
                row.deadline_ms = self.quiz.options.limit_ms().map(|l| now + l as i64);
            }
            Change::Reveal(q) => {
                row.phase = "reveal".into();
                row.question = Some(q as u32);
            }
            Change::Leaderboard(q) => {
                row.phase = "leaderboard".into();
                row.question = Some(q as u32);
            }
            Change::End => {
                row.phase = "ended".into();
                row.ended_at_ms = Some(now);
                // Who is there at the end finished; the others left.
                let mut ids: Vec<u32> = self
                    .sockets
                    .keys()
                    .copied()
                    .filter(|id| self.players[*id as usize].active())
                    .collect();
                ids.sort_unstable();
                finished = Some(ids);
            }
        }
        Stored { row, finished }
    }

    /// Makes `change`, stored by now, and says what to send and which timer
    /// to arm. A question's time counts from `now`, when players can see it:
    /// after it is stored, so after a restart players lose those few
    /// milliseconds, never gain them.
    pub fn apply(&mut self, change: Change, now: Ms) -> Effects {
        let seq = self.seq + 1;
        self.seq = seq;
        match change {
            Change::Open(q) => {
                let limit = self.quiz.options.limit_ms();
                let deadline = limit.map(|l| now + l as i64);
                self.phase = Phase::Question {
                    q,
                    opened: now,
                    deadline,
                    open: true,
                };
                self.answered = 0;
                self.auto_closing = false;
                let msg = text(&self.question_msg(q, now, limit, None));
                Effects {
                    events: vec![Event::Public(msg)],
                    timer: deadline.map(|at| Timer { q, seq, at }),
                }
            }
            Change::Reveal(q) => {
                let msg = self.score_question(q, true);
                self.phase = Phase::Reveal { q };
                Effects::default().send(Event::Reveal { q, msg })
            }
            Change::Leaderboard(q) => {
                self.phase = Phase::Leaderboard { q };
                let msg = self.leaderboard_text();
                self.leaderboard_msg = Some(msg.clone());
                Effects::default().send(Event::Public(msg))
            }
            Change::End => {
                self.rank();
                self.phase = Phase::Ended;
                let msg = text(&ServerMsg::Ended {
                    seq,
                    top: self.top.clone(),
                    players: self.active,
                });
                self.ended_msg = Some(msg.clone());
                Effects::default().send(Event::Ended(msg))
            }
        }
    }

    /// Whether player `id` may be removed.
    pub fn check_kick(&self, id: u32) -> Result<(), RoomError> {
        match self.players.get(id as usize) {
            Some(p) if p.active() => Ok(()),
            _ => Err(RoomError::NoSuchPlayer(id)),
        }
    }

    /// Player `id`'s removal is stored: they leave the game and the
    /// leaderboard; their nickname stays taken. The one who had not
    /// answered may be the one removed, so the question may close now.
    pub fn kicked(&mut self, id: u32, now: Ms) -> Effects {
        let p = &mut self.players[id as usize];
        if p.kicked {
            return Effects::default();
        }
        let was_active = p.active();
        p.kicked = true;
        p.rank = None;
        if was_active {
            if let Phase::Question { q, .. } = self.phase
                && matches!(p.answers[q], Slot::Done(_))
            {
                self.answered -= 1;
            }
            self.active -= 1;
            self.roster.push(RosterEvent::Removed(id));
        }
        Effects {
            events: vec![Event::Kick(id)],
            timer: self.auto_close(now),
        }
    }
}
