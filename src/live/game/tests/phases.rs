//! Phase changes, answers, scores, streaks and ranks.

use super::*;

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
