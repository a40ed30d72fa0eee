//! What the game looks like on the wire: the snapshots a socket starts
//! with, the host's player list and progress line, and each player's own
//! result and final rank.

use axum::extract::ws::Utf8Bytes;

use super::{Game, LeaderboardMode, Ms, Phase, RosterEvent, Slot, speed_name, text};
use crate::live::protocol::{Me, PlayerEntry, RoomInfo, ServerMsg};
use crate::question::Kind;

/// What a host's screen needs on (re)connecting.
#[derive(Debug, Clone, PartialEq)]
pub struct HostSnapshot {
    pub msgs: Vec<Utf8Bytes>,
    /// Where in the roster the snapshot's player list stands.
    pub cursor: usize,
    /// The progress line in `msgs`.
    pub progress: Utf8Bytes,
}

impl Game {
    pub fn info(&self) -> RoomInfo {
        let o = &self.quiz.options;
        RoomInfo {
            code: self.quiz.code.clone(),
            title: self.quiz.set.title.clone(),
            questions: self.quiz.questions(),
            time_limit_s: o.time_limit_s,
            scoring: speed_name(o.scoring).into(),
            streak_bonus: o.streak_bonus,
            partial_credit: o.partial_credit,
            late_join: o.late_join,
            leaderboard: o.leaderboard.name().into(),
            max_players: o.max_players,
        }
    }

    /// What a player's screen needs after (re)connecting or falling behind.
    pub fn player_snapshot(&self, id: u32, now: Ms) -> Vec<Utf8Bytes> {
        let p = &self.players[id as usize];
        let mut out = vec![text(&ServerMsg::Welcome {
            role: "player".into(),
            you: Some(Me {
                id,
                nickname: p.nickname.to_string(),
                score: p.score,
            }),
            room: self.info(),
        })];
        out.extend(self.phase_snapshot(Some(id), now));
        match self.phase {
            Phase::Reveal { q } | Phase::Leaderboard { q } => out.push(self.result_for(id, q)),
            Phase::Ended => out.push(self.final_for(id)),
            _ => {}
        }
        out
    }

    fn phase_snapshot(&self, player: Option<u32>, now: Ms) -> Vec<Utf8Bytes> {
        let mut out = Vec::new();
        match self.phase {
            Phase::Lobby => out.push(text(&ServerMsg::Lobby { seq: self.seq })),
            Phase::Question {
                q,
                opened,
                deadline,
                open,
            } => {
                let answered = player.map(|id| self.players[id as usize].answers[q] != Slot::Empty);
                let remaining = deadline.map(|d| if open { (d - now).max(0) as u64 } else { 0 });
                out.push(text(&self.question_msg(q, opened, remaining, answered)));
                if !open {
                    out.push(text(&ServerMsg::Closed { seq: self.seq, q }));
                }
            }
            Phase::Reveal { .. } => out.extend(self.reveal_msg.clone()),
            Phase::Leaderboard { .. } => {
                out.extend(self.reveal_msg.clone());
                out.extend(self.leaderboard_msg.clone());
            }
            Phase::Ended => out.extend(self.ended_msg.clone()),
        }
        out
    }

    /// Everything the projector shows.
    pub fn host_snapshot(&self, now: Ms) -> HostSnapshot {
        let mut out = vec![text(&ServerMsg::Welcome {
            role: "host".into(),
            you: None,
            room: self.info(),
        })];
        let added = self
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
            count: self.active,
        }));
        out.extend(self.phase_snapshot(None, now));
        let progress = self.progress();
        out.push(progress.clone());
        HostSnapshot {
            msgs: out,
            cursor: self.roster.len(),
            progress,
        }
    }

    /// Changes to the list of players since `cursor`, for a host, and the
    /// cursor after them.
    pub fn roster_since(&self, cursor: usize) -> Option<(Utf8Bytes, usize)> {
        if cursor >= self.roster.len() {
            return None;
        }
        let mut added = Vec::new();
        let mut removed = Vec::new();
        for e in &self.roster[cursor..] {
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
            .filter(|id| self.players[*id as usize].active())
            .map(|id| PlayerEntry {
                id,
                nickname: self.players[id as usize].nickname.to_string(),
            })
            .collect();
        let msg = ServerMsg::Players {
            reset: false,
            added,
            removed,
            count: self.active,
        };
        Some((text(&msg), self.roster.len()))
    }

    pub fn progress(&self) -> Utf8Bytes {
        text(&ServerMsg::Progress {
            q: match self.phase {
                Phase::Question { q, .. } => Some(q),
                _ => None,
            },
            answered: self.answered,
            players: self.active,
            connected: self.connected(),
        })
    }

    pub(super) fn question_msg(
        &self,
        q: usize,
        opened: Ms,
        remaining_ms: Option<u64>,
        answered: Option<bool>,
    ) -> ServerMsg {
        let view = self.quiz.view(q);
        let kind = view.kind();
        ServerMsg::Question {
            seq: self.seq,
            q,
            of: self.quiz.questions(),
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
            time_limit_ms: self.quiz.options.limit_ms(),
            remaining_ms,
            opened_at_ms: opened,
            answered,
        }
    }

    pub(super) fn leaderboard_text(&self) -> Utf8Bytes {
        text(&ServerMsg::Leaderboard {
            seq: self.seq,
            q: self.phase.question().unwrap_or(0),
            top: self.top.clone(),
            players: self.active,
        })
    }

    /// A player's own outcome of question `q`, after its reveal.
    pub fn result_for(&self, id: u32, q: usize) -> Utf8Bytes {
        let p = &self.players[id as usize];
        let (verdict, points, given, time_ms) = match p.answers.get(q) {
            Some(Slot::Done(d)) => (
                d.verdict.as_str(),
                d.points,
                Some(self.quiz.view(q).describe(&d.response)),
                Some(d.elapsed_ms),
            ),
            _ => ("none", 0, None, None),
        };
        let rank = match self.quiz.options.leaderboard {
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
            players: self.active,
            given,
            time_ms,
        })
    }

    /// A player's final rank, after the game ended.
    pub fn final_for(&self, id: u32) -> Utf8Bytes {
        let p = &self.players[id as usize];
        text(&ServerMsg::Final {
            rank: if p.kicked { None } else { p.rank },
            score: p.score,
            players: self.active,
        })
    }
}
