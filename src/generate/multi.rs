//! Multi-select questions: the parties or mediators of an agreement, the
//! actors sharing a role in an event, and which events took place in a year.

use crate::dataset::{ActorKind, Event, Role};
use crate::date::Date;
use crate::question::{Body, Difficulty, Kind};
use crate::seeded::Seeded;

use super::distract;
use super::index::{NOT_SORTED, WINDOW};
use super::leak::names_any;
use super::single::{ROLES, askable, described};
use super::text::{join_names, join_quotes, listed_date, note_mark, quoted, role_phrase};
use super::{Ctx, Draft, Focus, Key};

/// Options shown: the answers plus two or three that are not.
const OPTIONS: usize = 5;
const AT_LEAST_WRONG: usize = 2;

pub(super) fn build(f: &Focus, out: &mut Vec<Draft>) {
    out.extend(agreement_list(f, List::Parties));
    out.extend(agreement_list(f, List::Mediators));
    out.extend(shared_role(f));
    out.extend(in_year(f.cx, f.e));
}

#[derive(Clone, Copy, PartialEq)]
enum List {
    Parties,
    Mediators,
}

/// Right answers and wrong ones, shuffled together; the answers' positions, sorted.
fn mix(rng: &mut Seeded, right: Vec<String>, wrong: Vec<String>) -> (Vec<String>, Vec<usize>) {
    let n_right = right.len();
    let mut all = right;
    all.extend(wrong);
    let order = rng.permutation(all.len());
    let answers: Vec<usize> = (0..order.len()).filter(|&p| order[p] < n_right).collect();
    let options = order.iter().map(|&i| std::mem::take(&mut all[i])).collect();
    (options, answers)
}

fn wrong_count(right: usize) -> usize {
    OPTIONS.saturating_sub(right).clamp(AT_LEAST_WRONG, 3)
}

/// Actors of the answers' kinds that are not among the answers, as wrong options.
fn actor_question(f: &Focus, aspect: &str, right: &[usize], exclude: &[usize]) -> Option<Draft> {
    let (cx, ev) = (f.cx, f.ev);
    let k = Key::new(Kind::MultiSelect, &[&ev.id], aspect);
    let mut rng = cx.rng(k);
    let kinds: Vec<ActorKind> = right.iter().map(|&a| cx.ix.actor(a).kind).collect();
    if right
        .iter()
        .any(|&a| names_any(&ev.title, cx.ix.actor_names(a)))
    {
        return None;
    }
    let wrong = distract::actors(
        &cx.ix,
        &kinds,
        exclude,
        right,
        wrong_count(right.len()),
        &mut rng,
    );
    if wrong.len() < AT_LEAST_WRONG {
        return None;
    }
    let name = |a: &usize| cx.ix.actor(*a).name.clone();
    let (options, answers) = mix(
        &mut rng,
        right.iter().map(name).collect(),
        wrong.iter().map(name).collect(),
    );
    let draft = Draft {
        key: k,
        prompt: String::new(),
        body: Body::MultiSelect { options, answers },
        difficulty: if right.len() >= 3 {
            Difficulty::Hard
        } else {
            Difficulty::Medium
        },
        explanation: String::new(),
        events: vec![f.id.clone()],
        source: Some(f.quote.clone()),
        checked: false,
    };
    Some(draft)
}

/// "Which of these were parties to …?": the agreement's own lists say who,
/// so actors in the event's other roles make fair wrong options.
fn agreement_list(f: &Focus, list: List) -> Option<Draft> {
    let (cx, e, ev) = (f.cx, f.e, f.ev);
    let agreement = ev.agreement.as_ref()?;
    let (ids, roles, aspect) = match list {
        List::Parties => (
            &agreement.parties,
            &[Role::Party, Role::Signatory][..],
            "agreement-parties",
        ),
        List::Mediators => (
            &agreement.mediators,
            &[Role::Mediator][..],
            "agreement-mediators",
        ),
    };
    let mut right: Vec<usize> = Vec::new();
    for a in ids.iter().filter_map(|id| cx.ix.actor_at(id)) {
        if !right.contains(&a) {
            right.push(a);
        }
    }
    if right.is_empty() {
        return None;
    }
    let mut exclude = right.clone();
    for &role in roles {
        exclude.extend(cx.ix.holders(e, role));
    }
    let draft = actor_question(f, aspect, &right, &exclude)?;
    let names: Vec<&str> = right
        .iter()
        .map(|&a| cx.ix.actor(a).name.as_str())
        .collect();
    let (prompt, fact) = match list {
        List::Parties => (
            format!(
                "According to the source, which of these were parties to {}? Select all that apply.",
                quoted(&ev.title)
            ),
            format!(
                "The parties to {} were {}.",
                quoted(&ev.title),
                join_names(&names)
            ),
        ),
        List::Mediators => (
            format!(
                "According to the source, which of these mediated {}? Select all that apply.",
                quoted(&ev.title)
            ),
            format!("{} mediated {}.", join_names(&names), quoted(&ev.title)),
        ),
    };
    Some(Draft {
        prompt,
        explanation: cat!(fact, " ", f.dated),
        ..draft
    })
}

/// Several actors in one role, where no agreement list already asks it.
fn shared_role(f: &Focus) -> Option<Draft> {
    let (cx, e, ev) = (f.cx, f.e, f.ev);
    let covered = |role: Role| {
        ev.agreement.as_ref().is_some_and(|a| match role {
            Role::Party | Role::Signatory => !a.parties.is_empty(),
            Role::Mediator => !a.mediators.is_empty(),
            _ => false,
        })
    };
    let involved = cx.ix.involved(e);
    ROLES
        .iter()
        .filter(|&&r| askable(ev, r) && !covered(r))
        .find_map(|&role| {
            cx.ix.holders(e, role).nth(1)?;
            let mut right: Vec<usize> = cx.ix.holders(e, role).collect();
            right.dedup();
            let draft = actor_question(f, &format!("role-{}", role.label()), &right, involved)?;
            let (_, phrase) = role_phrase(role);
            let names: Vec<String> = right.iter().map(|&a| described(cx.ix.actor(a))).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let prompt = format!(
                "According to the source, which of these {phrase} {}? Select all that apply.",
                quoted(&ev.title)
            );
            let explanation = format!(
                "{} {phrase} {}. {}",
                join_names(&names),
                quoted(&ev.title),
                f.dated
            );
            Some(Draft {
                prompt,
                explanation,
                ..draft
            })
            .and_then(Draft::sound)
        })
}

/// Which events took place in a year, asked once per year, at the first
/// event in date order that lies wholly in it. Wrong options are events
/// nearby in time that certainly lie outside the year.
fn in_year(cx: &Ctx, e: usize) -> Option<Draft> {
    let ix = &cx.ix;
    let y = ix.event(e).date.single_year()?;
    let inside = |o: usize| ix.event(o).date.single_year() == Some(y);
    let r = ix.rank[e];
    if r == NOT_SORTED || (r > 0 && inside(ix.sorted[r - 1])) {
        return None;
    }
    let (first_day, last_day) = Date::year(y).interval();
    let mut right: Vec<usize> = Vec::new();
    let mut after = Vec::new();
    for &o in ix.sorted[r..].iter().take(WINDOW) {
        if inside(o) && right.len() < 3 && fresh(ix, &right, o) {
            right.push(o);
        } else if ix.span[o].0 > last_day {
            after.push(o);
        }
    }
    let before = ix.sorted[r.saturating_sub(WINDOW)..r]
        .iter()
        .rev()
        .copied()
        .filter(|&o| ix.span[o].1 < first_day);
    let mut candidates: Vec<usize> = before.take(4).collect();
    candidates.extend(after.into_iter().take(4));
    let k = Key::new(
        Kind::MultiSelect,
        &[&ix.event(e).id],
        &format!("in-year-{y}"),
    );
    let mut rng = cx.rng(k);
    rng.shuffle(&mut candidates);
    let mut wrong: Vec<usize> = Vec::new();
    for o in candidates {
        if wrong.len() < wrong_count(right.len()) && fresh(ix, &right, o) && fresh(ix, &wrong, o) {
            wrong.push(o);
        }
    }
    if wrong.len() < AT_LEAST_WRONG {
        return None;
    }
    let title = |o: &usize| ix.event(*o).title.clone();
    let (options, answers) = mix(
        &mut rng,
        right.iter().map(title).collect(),
        wrong.iter().map(title).collect(),
    );
    let near = wrong
        .iter()
        .any(|&o| super::days_apart(ix.span[o], (first_day, last_day)) < 366);
    let listed = |events: &[usize]| {
        let items: Vec<String> = events
            .iter()
            .map(|&o| {
                format!(
                    "{} ({})",
                    quoted(&ix.event(o).title),
                    listed_date(ix.event(o))
                )
            })
            .collect();
        join_names(&items.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let all: Vec<&Event> = right.iter().chain(&wrong).map(|&o| ix.event(o)).collect();
    let explanation = format!(
        "In {y}: {}. Not in {y}: {}.{}",
        listed(&right),
        listed(&wrong),
        note_mark(&all)
    );
    Some(Draft {
        key: k,
        prompt: format!("Which of these took place in {y}? Select all that apply."),
        body: Body::MultiSelect { options, answers },
        difficulty: if near {
            Difficulty::Hard
        } else {
            Difficulty::Medium
        },
        explanation,
        events: all.iter().map(|ev| ev.id.as_str().into()).collect(),
        source: join_quotes(&all),
        checked: false,
    })
}

/// Whether event `o`'s title differs from the titles of `taken`.
fn fresh(ix: &super::index::Index, taken: &[usize], o: usize) -> bool {
    taken.iter().all(|&t| ix.title_key[t] != ix.title_key[o])
}
