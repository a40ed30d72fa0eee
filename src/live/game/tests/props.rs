//! Random games: joins, answers right, wrong, empty and unreadable, the
//! host's button, timers, kicks and waits, in any order. After every step
//! the counts, scores and ranks hold, and a game restored from what was
//! stored agrees with the one that kept running.

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
enum Act {
    Join(u8),
    /// Player, which question relative to the current one, what to send.
    Answer(u8, i8, u8),
    Next,
    /// The question's timer fires.
    Timer,
    Kick(u8),
    Wait(u16),
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        3 => (0u8..8).prop_map(Act::Join),
        6 => (0u8..8, -1i8..=1, 0u8..4).prop_map(|(p, dq, c)| Act::Answer(p, dq, c)),
        3 => Just(Act::Next),
        1 => Just(Act::Timer),
        1 => (0u8..8).prop_map(Act::Kick),
        2 => (0u16..3_000).prop_map(Act::Wait),
    ]
}

const NAMES: [&str; 8] = ["Ann", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal"];

/// Runs the close that a timer (or the last answer) asks for, as the room
/// would: close, then reveal.
fn fire(p: &mut Play, t: Timer) {
    if p.g.close(t.q, t.seq).is_ok() {
        p.change(Change::Reveal(t.q));
    }
}

fn step(p: &mut Play, a: &Act) -> Option<Change> {
    match *a {
        Act::Join(i) => {
            let _ = p.join(NAMES[i as usize]);
        }
        Act::Answer(i, dq, c) => {
            let id = i as u32;
            if (id as usize) < p.g.players.len() {
                let q =
                    (p.g.current_question().unwrap_or(0) as i64 + i64::from(dq)).max(0) as usize;
                let input = match (c, q) {
                    (0, q) if q < 4 => RIGHT[q],
                    (1, q) if q < 4 => WRONG[q],
                    (2, _) => "",
                    _ => "zz",
                };
                if let (_, Some(t)) = p.answer_timed(id, q, input) {
                    fire(p, t);
                    return Some(Change::Reveal(t.q));
                }
            }
        }
        Act::Next => {
            let change = p.g.next(p.g.seq()).ok();
            if p.next().is_ok() {
                return change;
            }
        }
        Act::Timer => {
            if let Phase::Question { q, open: true, .. } = p.g.phase {
                fire(
                    p,
                    Timer {
                        q,
                        seq: p.g.seq(),
                        at: p.now,
                    },
                );
                return Some(Change::Reveal(q));
            }
        }
        Act::Kick(i) => {
            // Only where restore can rebuild every message: a reveal or
            // leaderboard already sent keeps the roster it was built with.
            if matches!(p.g.phase, Phase::Lobby | Phase::Question { .. })
                && let Ok(fx) = p.kick(i as u32)
                && let Some(t) = fx.timer
            {
                fire(p, t);
                return Some(Change::Reveal(t.q));
            }
        }
        Act::Wait(ms) => p.now += i64::from(ms),
    }
    None
}

fn check(p: &Play, changed: Option<Change>) -> Result<(), TestCaseError> {
    let g = &p.g;
    let active: Vec<(u32, &Player)> = g
        .players
        .iter()
        .enumerate()
        .filter(|(_, pl)| pl.active())
        .map(|(id, pl)| (id as u32, pl))
        .collect();
    prop_assert_eq!(g.player_count() as usize, active.len());
    let host = g.host_snapshot(p.now);
    let list = json(&host.msgs[1]);
    prop_assert_eq!(
        list["added"].as_array().unwrap().len(),
        active.len(),
        "a reset lists them all"
    );
    prop_assert_eq!(
        json(&host.progress)["players"].as_u64().unwrap() as usize,
        active.len()
    );
    for (_, pl) in &active {
        let sum: i64 = pl
            .answers
            .iter()
            .map(|s| match s {
                Slot::Done(d) => i64::from(d.points),
                _ => 0,
            })
            .sum();
        prop_assert_eq!(pl.score, sum);
        prop_assert!(!pl.answers.contains(&Slot::Pending));
    }
    if let Phase::Question { q, .. } = g.phase {
        let done = active
            .iter()
            .filter(|(_, pl)| matches!(pl.answers[q], Slot::Done(_)))
            .count();
        prop_assert_eq!(g.answered as usize, done);
    }
    if matches!(changed, Some(Change::Reveal(_) | Change::End)) {
        for (_, pl) in &active {
            let higher = active.iter().filter(|(_, o)| o.score > pl.score).count() as u32;
            prop_assert_eq!(pl.rank, Some(higher + 1), "ranks shared on ties");
        }
        prop_assert_eq!(g.top.len(), active.len().min(TOP));
        prop_assert!(g.top.windows(2).all(|w| w[0].score >= w[1].score));
    }
    if !g.is_ended() {
        let (r, fx) = Game::restore(g.quiz().clone(), &p.log.stored(), p.now);
        prop_assert_eq!(r.phase_name(), g.phase_name());
        prop_assert_eq!(r.seq(), g.seq());
        prop_assert_eq!(r.player_count(), g.player_count());
        prop_assert_eq!(r.answered, g.answered);
        prop_assert_eq!(
            fx.timer.filter(|t| t.at == p.now),
            None,
            "nothing left to close"
        );
        for (id, pl) in &active {
            let back = &r.players[*id as usize];
            prop_assert_eq!(back.score, pl.score);
            prop_assert_eq!(back.streak, pl.streak);
            prop_assert_eq!(&back.answers, &pl.answers);
            if matches!(g.phase, Phase::Question { .. } | Phase::Lobby) {
                prop_assert_eq!(r.player_snapshot(*id, p.now), g.player_snapshot(*id, p.now));
            }
        }
    }
    Ok(())
}

fn untimed() -> RoomOptions {
    RoomOptions {
        time_limit_s: None,
        scoring: SpeedRule::Speed,
        ..options()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_games_keep_their_counts_ranks_and_survive_a_restart(
        acts in prop::collection::vec(act(), 1..80),
        each in any::<bool>(),
    ) {
        let mut p = Play::new(RoomOptions {
            leaderboard: if each { LeaderboardMode::Each } else { LeaderboardMode::End },
            ..untimed()
        });
        let mut seq = 0;
        for a in &acts {
            let changed = step(&mut p, a);
            prop_assert!(p.g.seq() >= seq && p.g.seq() <= seq + 2, "one number per phase");
            seq = p.g.seq();
            check(&p, changed)?;
        }
    }

    #[test]
    fn the_time_counted_is_the_time_since_opening(
        waits in prop::collection::vec(0u16..5_000, 1..4),
    ) {
        let mut p = Play::new(untimed());
        let ann = p.join("Ann").unwrap();
        p.join("Bob").unwrap();
        p.next().unwrap();
        let total: i64 = waits.iter().map(|w| i64::from(*w)).sum();
        p.now += total;
        prop_assert_eq!(p.answer(ann, 0, "a"), Ok(total as u64));
    }
}
