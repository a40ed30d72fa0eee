//! Single-choice questions: a date at the precision the source gives it, the
//! year a range began, who acted in a role, a casualty figure, and the stage
//! of an agreement.

use crate::dataset::{Actor, ActorKind, Casualty, Event, Qualifier, Role};
use crate::date::{Date, Precision};
use crate::question::{Body, Difficulty, Kind};

use super::distract::{self, at_precision, distinct};
use super::index::datable;
use super::leak::names_any;
use super::numeric::{accepted, casualty_explanation};
use super::text::{casualty_verb, figure, quoted, role_phrase};
use super::{Draft, Focus, Key, by_days, by_ratio, by_years, days_apart, place_answer};

/// Three distractors when the data has them; two at the least.
const WANT: usize = 3;
const AT_LEAST: usize = 2;

/// No question asks an agreement's stage: the stage is the dataset's
/// classification (after PA-X), not something the source says.
pub(super) fn build(f: &Focus, out: &mut Vec<Draft>) {
    out.extend(date(f));
    out.extend(range_start(f));
    out.extend(who(f));
    for (i, c) in f.ev.casualties.iter().enumerate() {
        out.extend(casualty(f, i, c));
    }
}

fn draft(f: &Focus, aspect: &str, prompt: String, options: Vec<String>, answer: usize) -> Draft {
    let ev = f.ev;
    Draft {
        key: Key::new(Kind::SingleChoice, &[&ev.id], aspect),
        prompt,
        body: Body::SingleChoice { options, answer },
        difficulty: Difficulty::Medium,
        explanation: f.dated.clone(),
        events: vec![f.id.clone()],
        source: Some(f.quote.clone()),
        checked: false,
    }
}

/// "On which date …" for a day, "In which month and year …" for a month;
/// the options are dates at that precision that cannot be confused with it.
fn date(f: &Focus) -> Option<Draft> {
    let (cx, e, ev) = (f.cx, f.e, f.ev);
    if !datable(ev) || super::asks_year(ev) {
        return None;
    }
    let (precision, aspect, lead) = match ev.date {
        Date::Day { .. } => (Precision::Day, "date-day", "On which date"),
        Date::Month { .. } => (Precision::Month, "date-month", "In which month and year"),
        _ => return None,
    };
    let answer = at_precision(&ev.date, precision)?;
    let k = Key::new(Kind::SingleChoice, &[&ev.id], aspect);
    let mut rng = cx.rng(k);
    let wrong = distract::dates(&cx.ix, e, precision, WANT, &mut rng);
    let closest = wrong
        .iter()
        .map(|d| days_apart(d.interval(), answer.interval()))
        .min()?;
    let answer = answer.display();
    let others = distinct(&answer, wrong.iter().map(Date::display).collect());
    if others.len() < AT_LEAST {
        return None;
    }
    let (options, at) = place_answer(&mut rng, others, answer);
    let prompt = cat!(lead, " did this happen: “", ev.title, "”?");
    Some(Draft {
        difficulty: by_days(closest),
        ..draft(f, aspect, prompt, options, at)
    })
}

/// For a range of years: the year it began, with years outside the whole range as distractors.
fn range_start(f: &Focus) -> Option<Draft> {
    let (cx, ev) = (f.cx, f.ev);
    let Date::Range { start, end } = &ev.date else {
        return None;
    };
    if !datable(ev) {
        return None;
    }
    let (a, b) = (start.start_year(), end.end_year());
    if a == b {
        return None;
    }
    let k = Key::new(Kind::SingleChoice, &[&ev.id], "year-start");
    let mut rng = cx.rng(k);
    let wrong = distract::years(&cx.ix, a, b, WANT, &mut rng);
    let closest = wrong.iter().map(|&y| i64::from((y - a).abs())).min()?;
    if wrong.len() < AT_LEAST {
        return None;
    }
    let (options, at) = place_answer(
        &mut rng,
        wrong.iter().map(i32::to_string).collect(),
        a.to_string(),
    );
    let prompt = cat!("In which year did this begin: “", ev.title, "”?");
    Some(Draft {
        difficulty: by_years(closest),
        ..draft(f, "year-start", prompt, options, at)
    })
}

/// Roles asked about, most telling first; one who-question per event.
pub(super) const ROLES: [Role; 5] = [
    Role::Speaker,
    Role::Spokesperson,
    Role::Mediator,
    Role::Signatory,
    Role::Party,
];

/// Whether "who was X in this event" has an answer a teacher can stand
/// behind. Who spoke, mediated or signed is what the source states. Who was
/// a party is asked only of an agreement, whose parties the source names:
/// the parties to a war or an operation are rarely all named, and an actor
/// left out would become a wrong option that is right in history.
/// Supporters, peacekeepers and subjects are the dataset's own taxonomy,
/// not facts a student could be asked to recall.
pub(super) fn askable(ev: &Event, role: Role) -> bool {
    match role {
        Role::Speaker | Role::Spokesperson | Role::Mediator | Role::Signatory => true,
        Role::Party => ev.agreement.is_some(),
        Role::Supporter | Role::Peacekeeper | Role::Subject => false,
    }
}

/// The one actor in a role, among actors of the same kind that had no part in the event.
fn who(f: &Focus) -> Option<Draft> {
    let involved = f.cx.ix.involved(f.e);
    ROLES
        .iter()
        .filter(|&&role| askable(f.ev, role))
        .find_map(|&role| {
            let mut holders = f.cx.ix.holders(f.e, role);
            match (holders.next(), holders.next()) {
                (Some(a), None) => who_in(f, role, a, involved).and_then(Draft::sound),
                _ => None,
            }
        })
}

fn who_in(f: &Focus, role: Role, a: usize, involved: &[usize]) -> Option<Draft> {
    let (cx, ev) = (f.cx, f.ev);
    let actor = cx.ix.actor(a);
    // An alias in the title names the answer as surely as its name.
    if names_any(&ev.title, cx.ix.actor_names(a)) {
        return None;
    }
    let aspect = cat!("who-", role.label());
    let mut rng = cx.rng(Key::new(Kind::SingleChoice, &[&ev.id], &aspect));
    let wrong = distract::actors(&cx.ix, &[actor.kind], involved, &[a], WANT, &mut rng);
    if wrong.len() < AT_LEAST {
        return None;
    }
    let names = wrong.iter().map(|&w| cx.ix.actor(w).name.clone()).collect();
    let (options, at) = place_answer(&mut rng, names, actor.name.clone());
    let (phrase, _) = role_phrase(role);
    let asker = if actor.kind == ActorKind::Person {
        "Who"
    } else {
        "Which of these"
    };
    let prompt = cat!(
        asker,
        " ",
        phrase,
        " “",
        ev.title,
        "”, according to the source?"
    );
    if names_any(&prompt, cx.ix.actor_names(a)) {
        return None;
    }
    let explanation = cat!(
        described(actor),
        " ",
        phrase,
        " “",
        ev.title,
        "”. ",
        f.dated
    );
    Some(Draft {
        explanation,
        ..draft(f, &aspect, prompt, options, at)
    })
}

/// A name with the office the source gives it: "Ann Smith (Mayor of X)".
pub(super) fn described(actor: &Actor) -> String {
    match &actor.title {
        Some(t) => format!("{} ({t})", actor.name),
        None => actor.name.clone(),
    }
}

/// The stated figure among figures on a ladder away from it. A range
/// ("between …") is asked only as a number, where any figure in it counts.
fn casualty(f: &Focus, i: usize, c: &Casualty) -> Option<Draft> {
    let (cx, ev) = (f.cx, f.ev);
    if c.count.qualifier == Qualifier::Between {
        return None;
    }
    let (lo, hi) = accepted(&c.count)?;
    let answer = c.count.headline()?;
    let aspect = format!("figure-{i}");
    let mut rng = cx.rng(Key::new(Kind::SingleChoice, &[&ev.id], &aspect));
    let wrong = distract::figures(answer, lo, hi, WANT, &mut rng);
    let closest = wrong.iter().map(|&w| by_ratio(answer, w)).max()?;
    if wrong.len() < AT_LEAST {
        return None;
    }
    let (options, at) = place_answer(
        &mut rng,
        wrong.into_iter().map(figure).collect(),
        figure(answer),
    );
    let bound = match c.count.qualifier {
        Qualifier::UpTo => "upper bound",
        Qualifier::AtLeast => "lower bound",
        _ => "figure",
    };
    let who = c.who.as_deref().unwrap_or("people");
    let prompt = format!(
        "What {bound} does the source give for the number of {who} who {} in {}?",
        casualty_verb(c.kind),
        quoted(&ev.title)
    );
    let explanation = casualty_explanation(f, c)?;
    Some(Draft {
        difficulty: closest,
        explanation,
        ..draft(f, &aspect, prompt, options, at)
    })
}
