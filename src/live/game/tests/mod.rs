//! The game's rules, tested on the pure [`Game`] with the time passed in:
//! every phase change, ranks and ties, streaks, kicks, late joins, the
//! automatic close and restoring after a restart. `props` checks the same
//! invariants over random games.

use std::sync::Arc;

use serde_json::Value;

use super::*;
use crate::engine::{AttemptOptions, SpeedRule, live_points};
use crate::store::live::{AnswerRow, StoredPlayer, StoredRoom};

mod props;

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

#[test]
fn every_phase_change_with_a_leaderboard_after_each_question() {
    let mut p = Play::new(options());
    assert_eq!(
        p.next().unwrap_err(),
        RoomError::NoPlayers,
        "no one to play"
    );
    p.join("Ann").unwrap();
    assert_eq!(
        p.g.next(7).unwrap_err(),
        RoomError::Stale,
        "a stale screen moves nothing"
    );
    let mut seen = Vec::new();
    for q in 0..4 {
        let fx = p.next().unwrap();
        assert_eq!(kinds(&fx), ["question"]);
        assert_eq!(
            fx.timer,
            Some(Timer {
                q,
                seq: p.g.seq(),
                at: p.now + 20_000
            })
        );
        seen.push(p.phase());
        let fx = p.next().unwrap();
        assert_eq!(
            kinds(&fx),
            ["closed", "reveal"],
            "the host reveals before the time is up"
        );
        seen.push(p.phase());
        if q < 3 {
            assert_eq!(kinds(&p.next().unwrap()), ["leaderboard"]);
            seen.push(p.phase());
        }
    }
    assert_eq!(kinds(&p.next().unwrap()), ["ended"]);
    assert_eq!(p.next().unwrap_err(), RoomError::Ended);
    assert_eq!(p.g.end_plan(p.g.seq()).unwrap_err(), RoomError::Ended);
    assert_eq!(
        seen,
        [
            "question",
            "reveal",
            "leaderboard",
            "question",
            "reveal",
            "leaderboard",
            "question",
            "reveal",
            "leaderboard",
            "question",
            "reveal"
        ]
    );
    assert_eq!(p.g.seq(), 12, "one number per phase");
}

#[test]
fn leaderboard_at_the_end_goes_from_reveal_to_the_next_question() {
    let mut p = Play::new(RoomOptions {
        leaderboard: LeaderboardMode::End,
        ..options()
    });
    p.join("Ann").unwrap();
    let mut phases = Vec::new();
    while !p.g.is_ended() {
        p.next().unwrap();
        phases.push(p.phase());
    }
    assert_eq!(
        phases,
        [
            "question", "reveal", "question", "reveal", "question", "reveal", "question", "reveal",
            "ended"
        ]
    );
    // Results carry no rank while the leaderboard waits for the end.
    assert_eq!(p.result(0, 3)["rank"], Value::Null);
    assert_eq!(json(&p.g.final_for(0))["rank"], 1);
}

#[test]
fn ending_mid_question_reveals_it_first() {
    let mut p = Play::new(options());
    p.join("Ann").unwrap();
    p.next().unwrap();
    assert_eq!(p.g.end_plan(p.g.seq() + 1).unwrap_err(), RoomError::Stale);
    assert_eq!(p.g.end_plan(p.g.seq()).unwrap(), Some(0));
    assert_eq!(p.g.end_plan(0).unwrap_err(), RoomError::Stale);
}

#[test]
fn ranks_are_shared_on_ties_and_the_top_is_ordered() {
    let mut p = Play::new(RoomOptions {
        streak_bonus: false,
        ..options()
    });
    for name in ["Ann", "Bob", "Cy", "Dee"] {
        p.join(name).unwrap();
    }
    // q0: Ann, Bob, Cy right; q1: only Ann. Scores 2000, 1000, 1000, 0.
    p.next().unwrap();
    for (id, a) in [(0, "a"), (1, "a"), (2, "a"), (3, "b")] {
        p.answer(id, 0, a).unwrap();
    }
    p.change(Change::Reveal(0));
    p.next().unwrap();
    p.next().unwrap();
    for (id, a) in [(0, "b"), (1, "a"), (2, "a"), (3, "a")] {
        p.answer(id, 1, a).unwrap();
    }
    p.change(Change::Reveal(1));
    let ranks: Vec<Value> = (0..4).map(|id| p.result(id, 1)["rank"].clone()).collect();
    assert_eq!(ranks, [1, 2, 2, 4]);
    let lb = p.next().unwrap();
    let Event::Public(lb) = &lb.events[0] else {
        panic!("{lb:?}")
    };
    let top: Vec<(String, i64, u32)> = json(lb)["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["nickname"].as_str().unwrap().into(),
                e["score"].as_i64().unwrap(),
                e["rank"].as_u64().unwrap() as u32,
            )
        })
        .collect();
    assert_eq!(
        top,
        [
            ("Ann".into(), 2000, 1),
            ("Bob".into(), 1000, 2),
            ("Cy".into(), 1000, 2),
            ("Dee".into(), 0, 4)
        ]
    );
}

#[test]
fn streaks_grow_with_each_right_answer_and_break_on_a_miss() {
    let mut p = Play::new(options());
    p.join("Ann").unwrap();
    let policy = p.g.quiz().policy;
    let mut streak = 0;
    let mut score = 0i64;
    for (q, right) in [true, true, false, true].into_iter().enumerate() {
        p.next().unwrap();
        p.now += 1_500;
        let (ack, close) = p.answer_timed(0, q, if right { RIGHT[q] } else { WRONG[q] });
        assert_eq!(ack, Ok(1_500), "the time counted is the server's");
        assert!(
            close.is_some(),
            "the only player answered: the question closes now"
        );
        p.change(Change::Reveal(q));
        let base = p.g.quiz().view(q).question.points;
        let points = live_points(
            &policy,
            base,
            if right { 1.0 } else { 0.0 },
            1_500,
            Some(20_000),
            streak,
        );
        score += i64::from(points);
        streak = if right { streak + 1 } else { 0 };
        let r = p.result(0, q);
        assert_eq!(r["points"], points, "question {q}");
        assert_eq!(r["streak"], streak);
        assert_eq!(r["score"], score);
        if q < 3 {
            p.next().unwrap();
        }
    }
    assert_eq!(
        p.result(0, 1)["points"],
        1_100,
        "a tenth more for the second in a row"
    );
    assert_eq!(p.result(0, 3)["points"], 2_000, "no bonus after a miss");
}

#[test]
fn answers_are_refused_in_order_not_open_repeat_closed_invalid() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    let bob = p.join("Bob").unwrap();
    assert_eq!(
        p.answer(ann, 0, "a"),
        Err(RoomError::NotOpen(0)),
        "in the lobby"
    );
    p.next().unwrap();
    assert_eq!(
        p.answer(ann, 1, "b"),
        Err(RoomError::NotOpen(1)),
        "a later question"
    );
    assert_eq!(
        p.answer(ann, 9, "b"),
        Err(RoomError::NotOpen(9)),
        "no such question"
    );
    for empty in ["", "  "] {
        assert!(
            matches!(p.answer(ann, 0, empty), Err(RoomError::Invalid(_))),
            "an empty answer is no answer"
        );
    }
    assert!(matches!(p.answer(ann, 0, "zz"), Err(RoomError::Invalid(_))));
    assert_eq!(p.g.progress(), p.g.progress());
    assert_eq!(
        json(&p.g.progress())["answered"],
        0,
        "refused answers are not counted"
    );
    assert!(p.answer(ann, 0, "a").is_ok());
    assert_eq!(p.answer(ann, 0, "b"), Err(RoomError::AlreadyAnswered));
    // The timer closes it: Bob is late, Ann's repeat is still a repeat.
    let seq = p.g.seq();
    assert_eq!(kinds(&p.g.close(0, seq).unwrap()), ["closed"]);
    assert_eq!(
        p.g.close(0, seq).unwrap(),
        Effects::default(),
        "closing twice sends nothing"
    );
    assert_eq!(p.answer(bob, 0, "a"), Err(RoomError::Closed));
    assert_eq!(p.answer(ann, 0, "a"), Err(RoomError::AlreadyAnswered));
    assert_eq!(
        p.answer(bob, 0, "zz"),
        Err(RoomError::Closed),
        "late before unreadable"
    );
    p.change(Change::Reveal(0));
    assert_eq!(p.answer(bob, 0, "a"), Err(RoomError::Closed));
    assert_eq!(p.answer(ann, 0, "a"), Err(RoomError::AlreadyAnswered));
    assert_eq!(p.result(bob, 0)["verdict"], "none");
}

#[test]
fn the_last_answer_closes_the_question_once() {
    let mut p = Play::new(options());
    let ids: Vec<u32> = ["Ann", "Bob"].iter().map(|n| p.join(n).unwrap()).collect();
    p.next().unwrap();
    let seq = p.g.seq();
    assert_eq!(p.answer_timed(ids[0], 0, "a").1, None);
    let (_, close) = p.answer_timed(ids[1], 0, "b");
    assert_eq!(
        close,
        Some(Timer {
            q: 0,
            seq,
            at: p.now
        })
    );
    // A late joiner makes it not everyone, but the close is already on its way.
    let cy = p.join("Cy").unwrap();
    assert_eq!(p.answer_timed(cy, 0, "a").1, None, "never armed twice");
}

#[test]
fn kicks_leave_the_count_and_may_close_the_question() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    let bob = p.join("Bob").unwrap();
    let cy = p.join("Cy").unwrap();
    p.next().unwrap();
    p.answer(ann, 0, "a").unwrap();
    p.answer(bob, 0, "a").unwrap();
    // Removing someone who answered takes their answer out of the count.
    let fx = p.kick(bob).unwrap();
    assert_eq!(fx.events, [Event::Kick(bob)]);
    assert_eq!(fx.timer, None, "Cy has not answered");
    let progress = json(&p.g.progress());
    assert_eq!(
        (progress["answered"].clone(), progress["players"].clone()),
        (1.into(), 2.into())
    );
    assert_eq!(p.kick(bob).unwrap_err(), RoomError::NoSuchPlayer(bob));
    assert_eq!(p.kick(42).unwrap_err(), RoomError::NoSuchPlayer(42));
    // Removing the only one who had not answered closes it now.
    let fx = p.kick(cy).unwrap();
    assert_eq!(fx.timer.map(|t| t.at), Some(p.now));
    // A removed player cannot come back, and is not ranked.
    assert_eq!(
        p.g.authenticate(&format!("{bob}.Bob")).unwrap_err(),
        RoomError::Kicked
    );
    assert_eq!(p.g.attach(bob).unwrap_err(), RoomError::Kicked);
    p.change(Change::Reveal(0));
    let reveal = json(&p.g.player_snapshot(ann, p.now)[1]);
    assert_eq!(reveal["players"], 1);
    assert_eq!(reveal["answered"], 1);
    assert_eq!(json(&p.g.final_for(bob))["rank"], Value::Null);
    // Their nickname stays taken.
    assert_eq!(
        p.join("BOB").unwrap_err(),
        RoomError::NicknameTaken("BOB".into())
    );
}

#[test]
fn late_joins_follow_the_option_and_the_size_counts_joins_in_flight() {
    let mut open = Play::new(RoomOptions {
        max_players: 2,
        ..options()
    });
    open.join("Ann").unwrap();
    open.next().unwrap();
    // A join being written is not a player yet, but takes a place.
    let reserved = open.g.reserve("Bob", "bob", [1; 32]).unwrap();
    assert_eq!(open.g.player_count(), 1);
    let host = open.g.host_snapshot(open.now);
    let list = json(&host.msgs[1]);
    assert_eq!(list["count"], 1);
    assert_eq!(
        list["added"].as_array().unwrap().len(),
        1,
        "a reset lists whom it counts"
    );
    assert_eq!(open.join("Cy").unwrap_err(), RoomError::Full(2));
    open.g.joined(reserved);
    assert_eq!(open.g.player_count(), 2);
    // The late joiner lands on the open question and may answer it.
    let snap = open.g.player_snapshot(reserved, open.now);
    assert_eq!(json(&snap[1])["answered"], false);
    assert!(open.answer(reserved, 0, "a").is_ok());

    let mut locked = Play::new(RoomOptions {
        late_join: false,
        ..options()
    });
    locked.join("Ann").unwrap();
    locked.next().unwrap();
    assert_eq!(locked.join("Bob").unwrap_err(), RoomError::Locked);
    while !locked.g.is_ended() {
        locked.next().unwrap();
    }
    assert_eq!(locked.join("Bob").unwrap_err(), RoomError::Ended);
}

#[test]
fn a_failed_join_frees_the_name_but_not_the_id() {
    let mut p = Play::new(options());
    let id = p.g.reserve("Ann", "ann", [1; 32]).unwrap();
    assert_eq!(
        p.g.reserve("ANN", "ann", [2; 32]).unwrap_err(),
        RoomError::NicknameTaken("ANN".into())
    );
    p.g.join_failed(id, "ann");
    assert_eq!(p.g.player_count(), 0);
    assert_eq!(p.g.reserve("Ann", "ann", [3; 32]).unwrap(), id + 1);
}

#[test]
fn a_second_socket_replaces_the_first() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    let (first, none) = p.g.attach(ann).unwrap();
    assert_eq!(none, None);
    let (second, replaced) = p.g.attach(ann).unwrap();
    assert_eq!(replaced, Some(first));
    assert_eq!(p.g.connected(), 1, "players, not sockets");
    assert!(
        !p.g.detach(ann, first),
        "the replaced socket changes nothing"
    );
    assert_eq!(p.g.connected(), 1);
    assert!(p.g.detach(ann, second));
    assert_eq!(p.g.connected(), 0);
}

#[test]
fn those_connected_at_the_end_finished() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    let bob = p.join("Bob").unwrap();
    let cy = p.join("Cy").unwrap();
    p.g.attach(ann).unwrap();
    p.g.attach(cy).unwrap();
    p.kick(cy).unwrap();
    p.next().unwrap();
    let stored = p.g.row(Change::End, p.now);
    assert_eq!(
        stored.finished,
        Some(vec![ann]),
        "not Bob, who left, nor Cy, removed"
    );
    assert_eq!(stored.row.phase, "ended");
    assert_eq!(stored.row.ended_at_ms, Some(p.now));
    let _ = bob;
}

#[test]
fn tokens_are_checked_against_the_stored_hash() {
    let mut p = Play::new(options());
    let id = p.g.reserve("Ann", "ann", sha256("secret")).unwrap();
    assert_eq!(
        p.g.authenticate(&format!("{id}.secret")).unwrap_err(),
        RoomError::BadToken,
        "not stored yet"
    );
    p.g.joined(id);
    assert_eq!(p.g.authenticate(&format!("{id}.secret")), Ok(id));
    for bad in ["", "x", "0", "0.", "1.secret", "0.other", "-1.secret"] {
        assert_eq!(
            p.g.authenticate(bad).unwrap_err(),
            RoomError::BadToken,
            "{bad:?}"
        );
    }
}

#[test]
fn restore_reopens_a_question_with_a_grace_and_replays_streaks() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    let bob = p.join("Bob").unwrap();
    p.next().unwrap();
    p.answer(ann, 0, "a").unwrap();
    p.answer(bob, 0, "b").unwrap();
    p.change(Change::Reveal(0));
    p.next().unwrap();
    p.next().unwrap();
    p.now += 3_000;
    p.answer(ann, 1, "b").unwrap();
    let opened = p.log.phase.as_ref().unwrap().opened_at_ms.unwrap();
    // Down for a minute: past the deadline.
    let later = p.now + 60_000;
    let (g, fx) = Game::restore(p.g.quiz().clone(), &p.log.stored(), later);
    assert_eq!(g.phase_name(), "question");
    assert_eq!(g.seq(), p.g.seq());
    assert_eq!(g.remaining_ms(later), Some(RESTART_GRACE_MS as u64));
    assert_eq!(
        fx.timer,
        Some(Timer {
            q: 1,
            seq: g.seq(),
            at: later + RESTART_GRACE_MS
        })
    );
    let q = json(&g.player_snapshot(ann, later)[1]);
    assert_eq!(q["answered"], true);
    assert_eq!(
        q["opened_at_ms"], opened,
        "times still count from the first opening"
    );
    assert_eq!(json(&g.player_snapshot(bob, later)[1])["answered"], false);
    assert_eq!(json(&g.progress())["answered"], 1);
    // Within its time, it keeps the time it had.
    let soon = p.now + 1_000;
    let (g, _) = Game::restore(p.g.quiz().clone(), &p.log.stored(), soon);
    assert_eq!(g.remaining_ms(soon), Some(20_000 - 4_000));
    // Bob answers after the restart; the close comes at once; streaks replayed.
    let mut back = Play {
        g,
        log: std::mem::take(&mut p.log),
        now: soon,
    };
    let (ack, close) = back.answer_timed(bob, 1, "b");
    assert_eq!(ack, Ok(4_000), "counted from the stored opening");
    assert!(close.is_some());
    back.change(Change::Reveal(1));
    assert_eq!(back.result(ann, 1)["streak"], 2);
    assert_eq!(back.result(bob, 1)["streak"], 1);
}

#[test]
fn restore_of_a_finished_question_closes_it_at_once() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    p.next().unwrap();
    p.answer(ann, 0, "a").unwrap();
    // Crashed after the answer, before the close was stored.
    let (_, fx) = Game::restore(p.g.quiz().clone(), &p.log.stored(), p.now + 10);
    assert_eq!(
        fx.timer,
        Some(Timer {
            q: 0,
            seq: p.g.seq(),
            at: p.now + 10
        })
    );
}

#[test]
fn restore_in_a_leaderboard_shows_the_same_reveal_and_leaderboard() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    p.join("Bob").unwrap();
    p.next().unwrap();
    p.answer(ann, 0, "a").unwrap();
    p.next().unwrap();
    p.next().unwrap();
    assert_eq!(p.phase(), "leaderboard");
    let (g, fx) = Game::restore(p.g.quiz().clone(), &p.log.stored(), p.now);
    assert_eq!(fx, Effects::default(), "nothing to arm");
    assert_eq!(
        g.player_snapshot(ann, p.now),
        p.g.player_snapshot(ann, p.now)
    );
    assert_eq!(g.host_snapshot(p.now), p.g.host_snapshot(p.now));
}
