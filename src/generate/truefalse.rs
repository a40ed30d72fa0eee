//! True-or-false questions from an event's claims. A false statement is a
//! claim with one checkable detail swapped for a distractor — the date, an
//! actor or a figure — never a negated sentence. The swap is made for true
//! statements too, so that difficulty does not give the answer away.

use crate::dataset::Qualifier;
use crate::date::Date;
use crate::question::{Body, Difficulty, Kind};
use crate::seeded::Seeded;

use super::distract::{self, other_date};
use super::index::datable;
use super::numeric::accepted;
use super::text::{capitalize, figure, find_once, find_word, splice, when};
use super::{Draft, Focus, by_days, by_ratio, days_apart, id_hash, key};

/// Claims asked per event. Which claims is decided by the event's id, not
/// the seed, so a claim keeps its question across seeds.
const CLAIMS_PER_EVENT: usize = 2;

/// One claim told true and told false.
struct Telling {
    truth: String,
    lie: String,
    difficulty: Difficulty,
}

/// The detail a statement swaps.
#[derive(Clone, Copy)]
enum Swap {
    Figure,
    Actor,
    Date,
}

pub(super) fn build(f: &Focus, out: &mut Vec<Draft>) {
    let claims = &f.ev.claims;
    if claims.is_empty() {
        return;
    }
    let first = (id_hash(&f.ev.id) % claims.len() as u64) as usize;
    for claim in claims
        .iter()
        .cycle()
        .skip(first)
        .take(CLAIMS_PER_EVENT.min(claims.len()))
    {
        out.extend(statement(f, claim));
    }
}

/// One of the swaps the claim allows, chosen at random; should it find no
/// distractor, the others are tried in turn.
fn statement(f: &Focus, claim: &str) -> Option<Draft> {
    let k = key(Kind::TrueFalse, &[&f.ev.id], claim);
    let mut rng = f.cx.rng(&k);
    let figure = figure_mention(f, claim);
    let actors = actor_mentions(f, claim);
    let mut swaps: Vec<Swap> = Vec::with_capacity(3);
    if figure.is_some() {
        swaps.push(Swap::Figure);
    }
    if !actors.is_empty() {
        swaps.push(Swap::Actor);
    }
    if datable(f.ev) && dateable(&f.ev.date) {
        swaps.push(Swap::Date);
    }
    if swaps.is_empty() {
        return None;
    }
    let first = rng.below(swaps.len());
    swaps.rotate_left(first);
    let Telling {
        truth,
        lie,
        difficulty,
    } = swaps.iter().find_map(|swap| match swap {
        Swap::Figure => figure
            .as_ref()
            .and_then(|m| figure_swap(claim, m, &mut rng)),
        Swap::Actor => actor_swap(f, claim, &actors, &mut rng),
        Swap::Date => date_swap(f, claim, &mut rng),
    })?;
    let answer = rng.chance(1, 2);
    let verdict = if answer { "True" } else { "False" };
    Some(Draft {
        key: k,
        prompt: if answer { truth } else { lie },
        body: Body::TrueFalse { answer },
        difficulty,
        explanation: cat!(verdict, ". The source says: ", claim, " ", f.dated),
        events: vec![f.ev.id.clone()],
        source: Some(f.ev.source.text.clone()),
    })
}

/// Where the claim writes one of the event's figures.
struct FigureMention {
    at: usize,
    written: String,
    value: u64,
    accepted: (u64, u64),
}

/// A single stated figure: a range ("between …") has two, and moving one
/// could leave it upside down.
fn figure_mention(f: &Focus, claim: &str) -> Option<FigureMention> {
    f.ev.casualties
        .iter()
        .filter(|c| c.count.qualifier != Qualifier::Between)
        .find_map(|c| {
            let value = c.count.headline()?;
            [figure(value), value.to_string()]
                .into_iter()
                .find_map(|written| {
                    let at = find_once(claim, &written)?;
                    Some(FigureMention {
                        at,
                        written,
                        value,
                        accepted: accepted(&c.count)?,
                    })
                })
        })
}

/// The figure moved along the ladder, written as the claim writes it.
fn figure_swap(claim: &str, m: &FigureMention, rng: &mut Seeded) -> Option<Telling> {
    let other = *distract::figures(m.value, m.accepted.0, m.accepted.1, 1, rng).first()?; // Digits grouped as the claim groups them; a figure too short to show
    // its style ("400") gets the usual grouping ("1,200").
    let shown = if m.written.contains(',') || m.written.len() <= 3 {
        figure(other)
    } else {
        other.to_string()
    };
    Some(Telling {
        truth: claim.to_string(),
        lie: splice(claim, m.at, m.at + m.written.len(), &shown),
        difficulty: by_ratio(m.value, other),
    })
}

/// Actors of the event named once in the claim, as (actor, start, end).
/// A name inside a longer name ("X" in "X Republic") is not a mention of its own.
fn actor_mentions(f: &Focus, claim: &str) -> Vec<(usize, usize, usize)> {
    let ix = &f.cx.ix;
    let mut mentions: Vec<(usize, usize, usize)> = Vec::new();
    for &a in ix.involved(f.e) {
        let actor = ix.actor(a);
        let mut hits = std::iter::once(&actor.name)
            .chain(&actor.aliases)
            .flat_map(|n| {
                find_word(claim, n)
                    .map(move |at| (at, at + n.len()))
                    .filter(|&(_, end)| !starts_name(&claim[end..]))
            });
        if let (Some((start, end)), None) = (hits.next(), hits.next()) {
            mentions.push((a, start, end));
        }
    }
    let inside = |&(_, s, t): &(usize, usize, usize)| {
        mentions
            .iter()
            .any(|&(_, s2, t2)| s2 <= s && t <= t2 && (s2, t2) != (s, t))
    };
    mentions.iter().copied().filter(|m| !inside(m)).collect()
}

/// An actor replaced by one of the same kind who took no part in the event
/// nor in anything overlapping it in time, so the swapped statement is false
/// by the dataset.
fn actor_swap(
    f: &Focus,
    claim: &str,
    mentions: &[(usize, usize, usize)],
    rng: &mut Seeded,
) -> Option<Telling> {
    let ix = &f.cx.ix;
    let &(a, start, end) = rng.pick(mentions)?;
    let mut busy = ix.busy_around(f.e);
    busy.extend(ix.involved(f.e));
    let other = *distract::actors(ix, &[ix.actor(a).kind], &busy, &[a], 1, rng).first()?;
    let name = &ix.actor(other).name;
    if find_word(claim, name).next().is_some() {
        return None;
    }
    Some(Telling {
        truth: claim.to_string(),
        lie: splice(claim, start, end, name),
        difficulty: Difficulty::Medium,
    })
}

/// Whether a date of the same form can be put in the claim's place:
/// anything but a range of days or months.
fn dateable(date: &Date) -> bool {
    match date {
        Date::Range { start, end } => {
            matches!(
                (&**start, &**end),
                (Date::Year { part: None, .. }, Date::Year { part: None, .. })
            )
        }
        _ => true,
    }
}

/// The claim dated: with the event's date when true, with a date that
/// certainly differs from it at the same precision when false.
fn date_swap(f: &Focus, claim: &str, rng: &mut Seeded) -> Option<Telling> {
    let wrong = other_date(&f.cx.ix, f.e, rng)?;
    let first = claim
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let rest = if f.cx.ix.is_name_word(first) {
        claim.to_string()
    } else {
        lower_first(claim)
    };
    let dated = |d: &Date| cat!(capitalize(&when(d)), ", ", rest);
    Some(Telling {
        truth: dated(&f.ev.date),
        lie: dated(&wrong),
        difficulty: by_days(days_apart(wrong.interval(), f.ev.date.interval())),
    })
}

/// Whether a capitalised word follows, making the match part of a longer
/// name ("X Soviet Republic") rather than a name of its own.
fn starts_name(rest: &str) -> bool {
    rest.strip_prefix(' ')
        .is_some_and(|r| r.starts_with(char::is_uppercase))
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
