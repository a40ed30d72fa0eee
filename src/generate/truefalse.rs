//! True-or-false questions. A statement is made false only where the dataset
//! proves it false: a figure moved off the source's own figure, or an event
//! put at a date it certainly did not happen on. Swapping an actor is not
//! enough (the source's silence about someone is no proof they did not do
//! the same), and free text is never negated. A claim that cannot be told
//! false is not asked at all: a statement that is always true teaches
//! students to answer "true".

use crate::dataset::Qualifier;
use crate::date::Date;
use crate::question::{Body, Difficulty, Kind};
use crate::seeded::Seeded;

use super::distract::{self, other_date};
use super::index::datable;
use super::numeric::accepted;
use super::text::{figure, find_once, splice, when};
use super::{Draft, Focus, Key, by_days, by_ratio, days_apart};

/// Claims asked per event, the first that carry a figure, in dataset order,
/// so a claim keeps its question across seeds.
const CLAIMS_PER_EVENT: usize = 2;

/// One claim told true and told false.
struct Telling {
    truth: String,
    lie: String,
    difficulty: Difficulty,
}

pub(super) fn build(f: &Focus, out: &mut Vec<Draft>) {
    if datable(f.ev) && dateable(&f.ev.date) {
        out.extend(date_statement(f));
    }
    out.extend(
        f.ev.claims
            .iter()
            .filter_map(|claim| statement(f, claim))
            .take(CLAIMS_PER_EVENT),
    );
}

/// A claim with a figure, told true or false at random (the figure moved
/// along the ladder when false).
fn statement(f: &Focus, claim: &str) -> Option<Draft> {
    let k = Key::new(Kind::TrueFalse, &[&f.ev.id], claim);
    let mut rng = f.cx.rng(k);
    let mention = figure_mention(f, claim)?;
    let Telling {
        truth,
        lie,
        difficulty,
    } = figure_swap(claim, &mention, &mut rng)?;
    let answer = rng.chance(1, 2);
    let prompt = if answer { truth } else { lie };
    let verdict = if answer { "True" } else { "False" };
    Some(Draft {
        key: k,
        prompt,
        body: Body::TrueFalse { answer },
        difficulty,
        explanation: cat!(verdict, ". The source says: ", claim, " ", f.dated),
        events: vec![f.id.clone()],
        source: Some(f.quote.clone()),
        checked: false,
    })
}

/// “Title” happened on its date, or on a date that certainly differs from it
/// at the same precision.
fn date_statement(f: &Focus) -> Option<Draft> {
    let k = Key::new(Kind::TrueFalse, &[&f.ev.id], "date");
    let mut rng = f.cx.rng(k);
    let wrong = other_date(&f.cx.ix, f.e, &mut rng)?;
    let answer = rng.chance(1, 2);
    let shown = if answer { &f.ev.date } else { &wrong };
    let verdict = if answer { "True" } else { "False" };
    Some(Draft {
        key: k,
        prompt: cat!("“", f.ev.title, "” happened ", when(shown), "."),
        body: Body::TrueFalse { answer },
        difficulty: by_days(days_apart(wrong.interval(), f.ev.date.interval())),
        explanation: cat!(verdict, ". ", f.dated),
        events: vec![f.id.clone()],
        source: Some(f.quote.clone()),
        checked: false,
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
