//! Numeric questions: the year of an event (any year of a range counts when
//! the question asks when it took place), and casualty figures, with a bound
//! asked as a bound.

use crate::dataset::{Casualty, Event, Qualifier, Quantity};
use crate::date::Date;
use crate::question::{Body, Difficulty, Kind};

use super::index::datable;
use super::text::{amount, casualty_verb, figure, quoted};
use super::{Draft, Focus, Key};

pub(super) fn build(f: &Focus, out: &mut Vec<Draft>) {
    let ev = f.ev;
    match &ev.date {
        _ if !datable(ev) => {}
        Date::Range { start, end } => {
            let (a, b) = (start.start_year(), end.end_year());
            out.push(year(f, "year-any", "take place", a, b, Difficulty::Easy));
            if a < b {
                out.push(year(
                    f,
                    "year-end",
                    "end",
                    end.start_year(),
                    b,
                    Difficulty::Medium,
                ));
            }
        }
        date if super::asks_year(ev) => {
            let y = date.start_year();
            out.push(year(f, "year", "happen", y, y, Difficulty::Medium));
        }
        _ => {}
    }
    for (i, c) in ev.casualties.iter().enumerate() {
        out.extend(casualty(f, i, c));
    }
}

fn year(f: &Focus, aspect: &str, verb: &str, low: i32, high: i32, difficulty: Difficulty) -> Draft {
    let ev = f.ev;
    let range_note = if low < high {
        format!(" Any year from {low} to {high} counts.")
    } else {
        String::new()
    };
    Draft {
        key: Key::new(Kind::Numeric, &[&ev.id], aspect),
        prompt: cat!("In which year did this ", verb, ": “", ev.title, "”?"),
        body: Body::Numeric {
            low: i64::from(low),
            high: i64::from(high),
            unit: None,
        },
        difficulty,
        explanation: [f.dated.as_str(), &range_note].concat(),
        events: vec![f.id.clone()],
        source: Some(f.quote.clone()),
        checked: false,
    }
}

/// The counts a casualty question accepts: the bound itself for "up to" and
/// "at least" (the question asks for the bound), the stated range otherwise.
pub(super) fn accepted(q: &Quantity) -> Option<(u64, u64)> {
    match q.qualifier {
        Qualifier::UpTo => q.high.map(|h| (h, h)),
        Qualifier::AtLeast => q.low.map(|l| (l, l)),
        Qualifier::Exact => q.headline().map(|v| (v, v)),
        Qualifier::Approximately => {
            let best = q.best?;
            Some((q.low.unwrap_or(best), q.high.unwrap_or(best)))
        }
        Qualifier::Between => Some((q.low?, q.high?)),
    }
}

/// "Up to how many people died in …?", worded after the qualifier.
pub(super) fn casualty_prompt(ev: &Event, c: &Casualty) -> String {
    let lead = match c.count.qualifier {
        Qualifier::UpTo => "Up to how many",
        Qualifier::AtLeast => "At least how many",
        Qualifier::Approximately => "About how many",
        Qualifier::Exact | Qualifier::Between => "How many",
    };
    let who = c.who.as_deref().unwrap_or("people");
    cat!(
        lead,
        " ",
        who,
        " ",
        casualty_verb(c.kind),
        " in “",
        ev.title,
        "”, according to the source?"
    )
}

/// "According to the source, up to 30,000 people died in …", then the date.
pub(super) fn casualty_explanation(f: &Focus, c: &Casualty) -> Option<String> {
    let ev = f.ev;
    let who = c.who.as_deref().unwrap_or("people");
    Some(format!(
        "According to the source, {} {who} {} in {}. {}",
        amount(&c.count)?,
        casualty_verb(c.kind),
        quoted(&ev.title),
        f.dated
    ))
}

fn casualty(f: &Focus, i: usize, c: &Casualty) -> Option<Draft> {
    let ev = f.ev;
    let (low, high) = accepted(&c.count)?;
    let range_note = if low < high {
        format!(
            " Any figure from {} to {} counts.",
            figure(low),
            figure(high)
        )
    } else {
        String::new()
    };
    Some(Draft {
        key: Key::new(Kind::Numeric, &[&ev.id], &format!("casualty-{i}")),
        prompt: casualty_prompt(ev, c),
        body: Body::Numeric {
            low: i64::try_from(low).ok()?,
            high: i64::try_from(high).ok()?,
            unit: Some(c.who.clone().unwrap_or_else(|| "people".into())),
        },
        difficulty: Difficulty::Hard,
        explanation: [casualty_explanation(f, c)?, range_note].concat(),
        events: vec![f.id.clone()],
        source: Some(f.quote.clone()),
        checked: false,
    })
}
