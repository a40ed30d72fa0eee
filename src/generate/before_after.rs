//! Before/after questions: which of two events came first, asked only when
//! the order is certain at the precision of both dates. Every event is paired
//! once, alternately with the next event that certainly follows it (hard)
//! and with one far away in the date order (easy).

use crate::dataset::Event;
use crate::question::{Body, Kind};

use super::index::{Index, NOT_SORTED, WINDOW};
use super::text::{join_quotes, note_mark, push_listed_date};
use super::{Draft, Focus, Key, by_days};

pub(super) fn build(f: &Focus, out: &mut Vec<Draft>) {
    let (cx, e) = (f.cx, f.e);
    let ix = &cx.ix;
    if ix.rank[e] == NOT_SORTED {
        return;
    }
    let partner = if e % 2 == 0 {
        next_after(ix, e)
    } else {
        far_from(ix, e)
    };
    let Some(p) = partner else { return };
    let (first, second) = if ix.before(e, p) { (e, p) } else { (p, e) };
    let (a, b) = (ix.event(first), ix.event(second));
    let mut ids = [a.id.as_str(), b.id.as_str()];
    ids.sort_unstable();
    let k = Key::new(Kind::BeforeAfter, &ids, "first");
    let mut rng = cx.rng(k);
    let answer = rng.below(2);
    let options = if answer == 0 {
        vec![a.title.clone(), b.title.clone()]
    } else {
        vec![b.title.clone(), a.title.clone()]
    };
    out.push(Draft {
        key: k,
        prompt: "Which of these happened first?".into(),
        body: Body::BeforeAfter { options, answer },
        difficulty: by_days(ix.gap(first, second)),
        explanation: explain(a, b),
        events: vec![a.id.as_str().into(), b.id.as_str().into()],
        source: join_quotes(&[a, b]),
        checked: false,
    });
}

/// "“A” (1991) came before “B” (1994).", written into one buffer: a set
/// has one of these for every dated event.
fn explain(a: &Event, b: &Event) -> String {
    let mark = note_mark(&[a, b]);
    let mut out = String::with_capacity(a.title.len() + b.title.len() + mark.len() + 80);
    for (ev, then) in [(a, ") came before "), (b, ").")] {
        out.push('“');
        out.push_str(&ev.title);
        out.push_str("” (");
        push_listed_date(&mut out, ev);
        out.push_str(then);
    }
    out.push_str(mark);
    out
}

/// The first event after `e` in date order that certainly follows it.
fn next_after(ix: &Index, e: usize) -> Option<usize> {
    let r = ix.rank[e];
    ix.sorted[r + 1..]
        .iter()
        .take(WINDOW)
        .copied()
        .find(|&o| ix.before(e, o) && distinct(ix, e, o))
}

/// An event half the date order away whose order relative to `e` is certain.
fn far_from(ix: &Index, e: usize) -> Option<usize> {
    let n = ix.sorted.len();
    let start = (ix.rank[e] + n / 2) % n.max(1);
    ix.sorted[start..]
        .iter()
        .take(WINDOW)
        .copied()
        .find(|&o| ix.apart(e, o) && distinct(ix, e, o))
}

fn distinct(ix: &Index, a: usize, b: usize) -> bool {
    ix.title_key[a] != ix.title_key[b]
}
