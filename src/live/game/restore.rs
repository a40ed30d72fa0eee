//! Rebuilding a game from what the store kept, after a restart.

use std::sync::Arc;

use super::{
    Done, Effects, Game, Ms, Phase, Player, Quiz, RESTART_GRACE_MS, RosterEvent, Slot, Timer,
    parse_verdict,
};
use crate::engine::Response;
use crate::store::live::StoredRoom;

impl Game {
    /// The game as `stored` left it, at `now`. Scores are the sum of the
    /// stored points; streaks and ranks are replayed question by question.
    /// An open question reopens with the time it had left by the clock,
    /// and at least [`RESTART_GRACE_MS`], so reconnecting phones still get
    /// a fair chance; times still count from its stored opening. Returns
    /// the timer to arm: the open question's, or a close now if everyone
    /// has already answered it.
    pub fn restore(quiz: Arc<Quiz>, stored: &StoredRoom, now: Ms) -> (Game, Effects) {
        let n = quiz.questions();
        let mut g = Game::new(quiz);
        for p in &stored.players {
            // Ids are dense from 0; a gap would mean a lost row.
            while g.players.len() < p.id as usize {
                let mut lost = Player::new("?", [0; 32], n);
                lost.kicked = true;
                g.players.push(lost);
            }
            let mut player = Player::new(&p.nickname, p.token_hash, n);
            player.ready = true;
            player.kicked = p.kicked;
            g.players.push(player);
            g.nick_keys.insert(p.nick_key.clone(), p.id);
            if !p.kicked {
                g.active += 1;
                g.roster.push(RosterEvent::Joined(p.id));
            }
        }
        for a in &stored.answers {
            let (Some(p), true) = (
                g.players.get_mut(a.player as usize),
                (a.question as usize) < n,
            ) else {
                continue;
            };
            let Ok(response) = crate::store::blob::decode::<Response>(&a.response_json) else {
                continue;
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
        let phase = match (ph.phase.as_str(), cur) {
            ("question", Some(q)) => Phase::Question {
                q,
                opened: ph.opened_at_ms.unwrap_or(now),
                deadline: ph.deadline_ms.map(|d| d.max(now + RESTART_GRACE_MS)),
                open: true,
            },
            ("reveal", Some(q)) => Phase::Reveal { q },
            ("leaderboard", Some(q)) => Phase::Leaderboard { q },
            _ => Phase::Lobby,
        };
        let revealed = match phase {
            Phase::Question { q, .. } => q,
            Phase::Reveal { q } | Phase::Leaderboard { q } => q + 1,
            _ => 0,
        };
        for q in 0..revealed {
            // Only the last revealed question's message is ever shown
            // again; it carries the number of the reveal phase, one before
            // a leaderboard's.
            let build = q + 1 == revealed;
            if build {
                let back = u64::from(matches!(phase, Phase::Leaderboard { .. }));
                g.seq = ph.seq.saturating_sub(back);
            }
            g.score_question(q, build);
        }
        g.seq = ph.seq;
        g.phase = phase;
        if let Some(q) = g.phase.question() {
            // The count of the question shown, as the host's line had it.
            g.answered = g
                .players
                .iter()
                .filter(|p| p.active() && matches!(p.answers[q], Slot::Done(_)))
                .count() as u32;
        }
        let mut fx = Effects::default();
        match g.phase {
            Phase::Leaderboard { .. } => g.leaderboard_msg = Some(g.leaderboard_text()),
            Phase::Question { q, deadline, .. } => {
                fx.timer = deadline.map(|at| Timer { q, seq: g.seq, at });
            }
            _ => {}
        }
        if let Some(now_timer) = g.auto_close(now) {
            fx.timer = Some(now_timer);
        }
        (g, fx)
    }
}
