//! Ordering questions: three to five events to put in date order, taken from
//! the date-sorted index so that each follows the one before it for certain.

use crate::dataset::Event;
use crate::question::{Body, Difficulty, Kind};

use super::text::{join_quotes, listed_date, note_mark, quoted};
use super::{Ctx, Draft, Key};

/// Passes over the date order, as (lanes, events skipped at the start).
/// Groups grow side by side, so neighbouring events land in different groups
/// and each group spans a stretch of time rather than a moment; each pass
/// groups the events differently, and an event may be asked in each.
const PASSES: [(usize, usize); 3] = [(2, 0), (3, 1), (4, 2)];
const LENGTHS: [usize; 3] = [4, 3, 5];

pub(super) fn build_all(cx: &Ctx, out: &mut Vec<Draft>) {
    for (lanes, skip) in PASSES {
        for chain in cx.ix.chains(lanes, &LENGTHS, skip) {
            out.push(ordering(cx, &chain));
        }
    }
}

fn ordering(cx: &Ctx, chain: &[usize]) -> Draft {
    let events: Vec<&Event> = chain.iter().map(|&e| cx.ix.event(e)).collect();
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let k = Key::new(Kind::Ordering, &ids, "order");
    let mut rng = cx.rng(k);
    // `shown[p]` is the chain position shown at p; the answer lists shown
    // positions from first to last.
    let mut shown = rng.permutation(chain.len());
    // Shown in date order, the question would answer itself.
    if shown.windows(2).all(|w| w[0] < w[1]) {
        shown.swap(0, 1);
    }
    let items = shown.iter().map(|&c| events[c].title.clone()).collect();
    let mut answer = vec![0; chain.len()];
    for (p, &c) in shown.iter().enumerate() {
        answer[c] = p;
    }
    let close = chain.windows(2).any(|w| cx.ix.gap(w[0], w[1]) < 366);
    let listed: Vec<String> = events
        .iter()
        .map(|e| format!("{} ({})", quoted(&e.title), listed_date(e)))
        .collect();
    Draft {
        key: k,
        prompt: "Put these events in order, earliest first.".into(),
        body: Body::Ordering { items, answer },
        difficulty: if close {
            Difficulty::Hard
        } else {
            Difficulty::Medium
        },
        explanation: format!(
            "Earliest first: {}.{}",
            listed.join("; "),
            note_mark(&events)
        ),
        events: ids.iter().map(|&s| s.into()).collect(),
        source: join_quotes(&events),
        checked: false,
    }
}
