//! Restoring a game from what was stored, after a restart.

use super::*;

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
