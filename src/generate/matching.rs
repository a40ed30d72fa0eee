//! Matching questions: events with their dates, people with the titles the
//! source gives them, agreements with their parties or mediators, and the
//! part each actor played in one agreement (party, mediator, supporter).

use std::collections::HashMap;

use crate::dataset::{ActorKind, Event, Role};
use crate::question::{Body, Difficulty, Kind};

use super::index::{datable, text_key};
use super::text::{join_names, join_quotes, listed_date, note_mark, quoted};
use super::{Ctx, Draft, Focus, Key};

/// Pairs per question: at least three, so that the last is never a given.
const MIN_PAIRS: usize = 3;
const MAX_PAIRS: usize = 4;

/// Date groups grow three at a time and start one event later than the
/// ordering groups, so the two kinds rarely ask about the same events.
const DATE_LANES: usize = 3;
const DATE_LENGTHS: [usize; 2] = [4, 3];

/// One question's pairs, shuffled on both sides.
struct Pairs {
    left: Vec<String>,
    right: Vec<String>,
}

impl Pairs {
    fn new() -> Pairs {
        Pairs {
            left: Vec::new(),
            right: Vec::new(),
        }
    }

    /// Adds a pair unless either side repeats one already in.
    fn add(&mut self, left: String, right: String) -> bool {
        let (l, r) = (text_key(&left), text_key(&right));
        if self.left.iter().any(|o| text_key(o) == l) || self.right.iter().any(|o| text_key(o) == r)
        {
            return false;
        }
        self.left.push(left);
        self.right.push(right);
        true
    }

    fn len(&self) -> usize {
        self.left.len()
    }
}

fn draft(
    cx: &Ctx,
    k: Key,
    prompt: String,
    pairs: Pairs,
    explanation: String,
    events: &[&Event],
) -> Draft {
    let mut rng = cx.rng(k);
    let n = pairs.len();
    let left_order = rng.permutation(n);
    let mut right_order = rng.permutation(n);
    // Each item across from its match would answer the question.
    if left_order == right_order {
        right_order.rotate_left(1);
    }
    // right_order[p] is the pair shown at right position p.
    let mut right_at = vec![0; n];
    for (p, &pair) in right_order.iter().enumerate() {
        right_at[pair] = p;
    }
    Draft {
        key: k,
        prompt,
        body: Body::Matching {
            left: left_order.iter().map(|&i| pairs.left[i].clone()).collect(),
            right: right_order
                .iter()
                .map(|&i| pairs.right[i].clone())
                .collect(),
            answer: left_order.iter().map(|&i| right_at[i]).collect(),
        },
        difficulty: if n > MIN_PAIRS {
            Difficulty::Hard
        } else {
            Difficulty::Medium
        },
        explanation,
        events: events.iter().map(|e| e.id.as_str().into()).collect(),
        source: join_quotes(events),
        checked: false,
    }
}

/// The part each actor played in one agreement, in words the source uses:
/// a party to it, a mediator, a supporter, a signatory. Several actors can
/// share a part, so the right column is shorter than the left.
pub(super) fn build(f: &Focus, out: &mut Vec<Draft>) {
    // What the question shows, and how the explanation says it.
    const PARTS: [(&str, &str); 4] = [
        ("a party to it", "was a party to it"),
        ("a mediator", "mediated it"),
        ("supported it", "supported it"),
        ("signed it", "signed it"),
    ];
    let (cx, ev) = (f.cx, f.ev);
    let Some(agreement) = &ev.agreement else {
        return;
    };
    let mut cast: Vec<(usize, usize)> = Vec::new();
    let mut add = |a: Option<usize>, part: usize| {
        if let Some(a) = a
            && !cast.iter().any(|&(b, _)| b == a)
        {
            cast.push((a, part));
        }
    };
    for id in &agreement.parties {
        add(cx.ix.actor_at(id), 0);
    }
    for id in &agreement.mediators {
        add(cx.ix.actor_at(id), 1);
    }
    for p in &ev.actors {
        match p.role {
            Role::Supporter => add(cx.ix.actor_at(&p.actor), 2),
            Role::Signatory => add(cx.ix.actor_at(&p.actor), 3),
            _ => {}
        }
    }
    let mut parts: Vec<usize> = cast.iter().map(|&(_, p)| p).collect();
    parts.sort_unstable();
    parts.dedup();
    if cast.len() < MIN_PAIRS || parts.len() < 2 {
        return;
    }
    let k = Key::new(Kind::Matching, &[&ev.id], "agreement-parts");
    let mut rng = cx.rng(k);
    rng.shuffle(&mut cast);
    let mut right_order = parts.clone();
    rng.shuffle(&mut right_order);
    let name = |a: usize| cx.ix.actor(a).name.clone();
    let said: Vec<String> = cast
        .iter()
        .map(|&(a, p)| format!("{} {}", name(a), PARTS[p].1))
        .collect();
    out.push(Draft {
        key: k,
        prompt: format!(
            "In {}, what part did each of these play, according to the source?",
            quoted(&ev.title)
        ),
        body: Body::Matching {
            left: cast.iter().map(|&(a, _)| name(a)).collect(),
            right: right_order
                .iter()
                .map(|&p| PARTS[p].0.to_string())
                .collect(),
            answer: cast
                .iter()
                .map(|&(_, p)| {
                    right_order
                        .iter()
                        .position(|&q| q == p)
                        .expect("every part is listed")
                })
                .collect(),
        },
        difficulty: Difficulty::Medium,
        explanation: format!(
            "According to the source, in {}: {}. {}",
            quoted(&ev.title),
            join_names(&said.iter().map(String::as_str).collect::<Vec<_>>()),
            f.dated
        ),
        events: vec![f.id.clone()],
        source: Some(f.quote.clone()),
        checked: false,
    });
}

pub(super) fn build_all(cx: &Ctx, out: &mut Vec<Draft>) {
    dates(cx, out);
    titles(cx, out);
    agreements(cx, out, false);
    agreements(cx, out, true);
}

/// Events with their dates; the events of a group are in certain date order,
/// so no date could belong to two of them.
fn dates(cx: &Ctx, out: &mut Vec<Draft>) {
    for chain in cx.ix.chains(DATE_LANES, &DATE_LENGTHS, 1) {
        let events: Vec<&Event> = chain.iter().map(|&e| cx.ix.event(e)).collect();
        let mut pairs = Pairs::new();
        for ev in &events {
            pairs.add(ev.title.clone(), ev.date.display());
        }
        if pairs.len() < chain.len() {
            continue;
        }
        let listed: Vec<String> = events
            .iter()
            .map(|e| format!("{} — {}", quoted(&e.title), listed_date(e)))
            .collect();
        let explanation = format!(
            "The source dates them: {}.{}",
            listed.join("; "),
            note_mark(&events)
        );
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        let k = Key::new(Kind::Matching, &ids, "dates");
        out.push(draft(
            cx,
            k,
            "Match each event with its date.".into(),
            pairs,
            explanation,
            &events,
        ));
    }
}

/// People with the titles the source gives them, each cited from the first
/// event whose quote states the title.
fn titles(cx: &Ctx, out: &mut Vec<Draft>) {
    let ix = &cx.ix;
    let mut cited: HashMap<usize, usize> = HashMap::new();
    for (e, ev) in ix.ds.events.iter().enumerate() {
        for &(a, _) in ix.cast(e) {
            let actor = ix.actor(a);
            let states_title = actor
                .title
                .as_ref()
                .is_some_and(|t| ev.source.text.contains(t.as_str()));
            if actor.kind == ActorKind::Person && states_title {
                cited.entry(a).or_insert(e);
            }
        }
    }
    let mut people: Vec<(usize, usize)> = cited.into_iter().collect();
    people.sort_unstable();
    let mut group: Vec<(usize, usize)> = Vec::new();
    let mut pairs = Pairs::new();
    for (a, e) in people {
        let actor = ix.actor(a);
        if pairs.add(actor.name.clone(), actor.title.clone().unwrap_or_default()) {
            group.push((a, e));
        }
        if pairs.len() == MAX_PAIRS {
            out.push(titles_question(
                cx,
                std::mem::take(&mut group),
                std::mem::replace(&mut pairs, Pairs::new()),
            ));
        }
    }
    if pairs.len() >= MIN_PAIRS {
        out.push(titles_question(cx, group, pairs));
    }
}

fn titles_question(cx: &Ctx, group: Vec<(usize, usize)>, pairs: Pairs) -> Draft {
    let ix = &cx.ix;
    let ids: Vec<&str> = group
        .iter()
        .map(|&(a, _)| ix.actor(a).id.as_str())
        .collect();
    let k = Key::new(Kind::Matching, &ids, "titles");
    let said: Vec<String> = group
        .iter()
        .map(|&(a, _)| {
            format!(
                "{} is {}",
                ix.actor(a).name,
                quoted(ix.actor(a).title.as_deref().unwrap_or(""))
            )
        })
        .collect();
    let mut events: Vec<&Event> = Vec::new();
    for &(_, e) in &group {
        if !events.iter().any(|o| std::ptr::eq(*o, ix.event(e))) {
            events.push(ix.event(e));
        }
    }
    let explanation = format!(
        "In the source, {}.",
        join_names(&said.iter().map(String::as_str).collect::<Vec<_>>())
    );
    let prompt = "Match each person with the title the source gives them.".to_string();
    draft(cx, k, prompt, pairs, explanation, &events)
}

/// Agreements with who was party to them (or who mediated them), in groups
/// whose lists all differ.
fn agreements(cx: &Ctx, out: &mut Vec<Draft>, mediators: bool) {
    let ix = &cx.ix;
    let mut group: Vec<usize> = Vec::new();
    let mut pairs = Pairs::new();
    for (e, ev) in ix.ds.events.iter().enumerate() {
        let Some(agreement) = &ev.agreement else {
            continue;
        };
        let ids = if mediators {
            &agreement.mediators
        } else {
            &agreement.parties
        };
        let names: Vec<&str> = ids
            .iter()
            .filter_map(|id| ix.actor_at(id))
            .map(|a| ix.actor(a).name.as_str())
            .collect();
        if names.is_empty() || names.len() != ids.len() {
            continue;
        }
        if pairs.add(ev.title.clone(), join_names(&names)) {
            group.push(e);
        }
        if pairs.len() == MAX_PAIRS {
            out.push(agreements_question(
                cx,
                std::mem::take(&mut group),
                std::mem::replace(&mut pairs, Pairs::new()),
                mediators,
            ));
        }
    }
    if pairs.len() >= MIN_PAIRS {
        out.push(agreements_question(cx, group, pairs, mediators));
    }
}

fn agreements_question(cx: &Ctx, group: Vec<usize>, pairs: Pairs, mediators: bool) -> Draft {
    let events: Vec<&Event> = group.iter().map(|&e| cx.ix.event(e)).collect();
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let (aspect, who, prompt) = if mediators {
        (
            "mediators",
            "mediated by",
            "Match each agreement with who mediated it.",
        )
    } else {
        (
            "parties",
            "between",
            "Match each agreement with its parties.",
        )
    };
    let said: Vec<String> = events
        .iter()
        .zip(&pairs.right)
        .map(|(e, r)| match datable(e) {
            true => format!("{} ({}) was {who} {r}", quoted(&e.title), listed_date(e)),
            false => format!("{} was {who} {r}", quoted(&e.title)),
        })
        .collect();
    let explanation = format!(
        "According to the source, {}.{}",
        said.join("; "),
        note_mark(&events)
    );
    draft(
        cx,
        Key::new(Kind::Matching, &ids, aspect),
        prompt.into(),
        pairs,
        explanation,
        &events,
    )
}
