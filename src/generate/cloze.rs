//! Cloze questions: the event's source sentence with one fact blanked out —
//! a casualty figure, a year of its date, or the name of an actor or place
//! taking part — accepting the other forms the dataset gives for it.

use crate::date::Date;
use crate::question::{Body, Difficulty, Kind};

use super::index::{Index, datable};
use super::leak::Sentence;
use super::text::{figure, find_once, find_word};
use super::{Draft, Focus, Key};

/// Blanks asked per event.
const PER_EVENT: usize = 1;

/// What fills a blank.
#[derive(Clone, Copy)]
enum Fill {
    Figure(u64),
    Year,
    Actor(usize),
    Place(usize),
}

/// A stretch of the quote to blank.
#[derive(Clone, Copy)]
struct Blank {
    start: usize,
    end: usize,
    fill: Fill,
}

/// Blanks in order of preference — a figure, a year, then names in the
/// order the quote gives them — the first that gives nothing away is asked.
pub(super) fn build(f: &Focus, out: &mut Vec<Draft>) {
    // Later kinds of blank are looked for only when no earlier one is asked.
    let mut blanks = figures(f)
        .into_iter()
        .chain(std::iter::once_with(|| years(f)).flatten())
        .chain(std::iter::once_with(|| names(f)).flatten())
        .peekable();
    if blanks.peek().is_none() {
        return;
    }
    let prompt = cat!(
        "Fill in the blank in this sentence about “",
        f.ev.title,
        "”."
    );
    let sentence = Sentence::new(&prompt, &f.ev.source.text);
    let asked = blanks.filter_map(|b| cloze(f, &sentence, b));
    out.extend(asked.take(PER_EVENT));
}

/// The cloze for `blank`, unless what is left of the sentence gives it away.
fn cloze(f: &Focus, sentence: &Sentence, blank: Blank) -> Option<Draft> {
    let (ev, quote) = (f.ev, f.ev.source.text.as_str());
    let written = &quote[blank.start..blank.end];
    let accept = accepted(&f.cx.ix, written, blank.fill);
    if sentence.blank_leaks(blank.start, blank.end, &accept) {
        return None;
    }
    let prompt = sentence.prompt().to_string();
    let body = Body::Cloze {
        text: cat!(&quote[..blank.start], "___", &quote[blank.end..]),
        accept,
    };
    let difficulty = match blank.fill {
        Fill::Figure(_) => Difficulty::Hard,
        Fill::Year | Fill::Actor(_) | Fill::Place(_) => Difficulty::Medium,
    };
    Some(Draft {
        key: Key::new(Kind::Cloze, &[&ev.id], written),
        prompt,
        body,
        difficulty,
        explanation: cat!("The blank is “", written, "”. ", f.dated),
        events: vec![f.id.clone()],
        source: Some(f.quote.clone()),
        checked: true,
    })
}

/// The accepted answers: the text as written first (it is what the engine
/// shows as the answer), then the other forms the dataset gives, each once.
fn accepted(ix: &Index, written: &str, fill: Fill) -> Vec<String> {
    let mut out = vec![written.to_string()];
    let mut add = |form: String| {
        if !out.contains(&form) {
            out.push(form);
        }
    };
    match fill {
        Fill::Figure(n) => {
            add(n.to_string());
            add(figure(n));
        }
        Fill::Year => {}
        Fill::Actor(a) => ix.actor_names(a).for_each(|n| add(n.to_string())),
        Fill::Place(p) => ix.place_names(p).for_each(|n| add(n.to_string())),
    }
    out
}

/// A casualty figure where the quote writes it once, as "30,000" or "30000".
fn figures(f: &Focus) -> Vec<Blank> {
    let quote = &f.ev.source.text;
    let counts =
        f.ev.casualties
            .iter()
            .flat_map(|c| [c.count.low, c.count.best, c.count.high]);
    counts
        .flatten()
        .filter_map(|n| {
            [figure(n), n.to_string()].iter().find_map(|written| {
                let at = find_once(quote, written)?;
                Some(Blank {
                    start: at,
                    end: at + written.len(),
                    fill: Fill::Figure(n),
                })
            })
        })
        .collect()
}

/// A year of the event's date where the quote writes it once; never a year
/// the source does not state.
fn years(f: &Focus) -> Vec<Blank> {
    let ev = f.ev;
    if !datable(ev) {
        return Vec::new();
    }
    let mut years = vec![ev.date.start_year()];
    if let Date::Range { .. } = ev.date {
        years.push(ev.date.end_year());
    }
    years.dedup();
    years
        .into_iter()
        .filter_map(|y| {
            let written = y.to_string();
            let at = find_once(&ev.source.text, &written)?;
            Some(Blank {
                start: at,
                end: at + written.len(),
                fill: Fill::Year,
            })
        })
        .collect()
}

/// The names of the event's actors and places where the quote writes them,
/// in the order it does. A name inside a longer name found there ("X" in
/// "X Republic") is not blanked on its own.
fn names(f: &Focus) -> Vec<Blank> {
    let (ix, quote) = (&f.cx.ix, f.ev.source.text.as_str());
    let mut hits: Vec<Blank> = Vec::new();
    let mut find = |names: &mut dyn Iterator<Item = &str>, fill: Fill| {
        for n in names {
            hits.extend(find_word(quote, n).map(|at| Blank {
                start: at,
                end: at + n.len(),
                fill,
            }));
        }
    };
    for &a in ix.involved(f.e) {
        find(&mut ix.actor_names(a), Fill::Actor(a));
    }
    for p in f.ev.places.iter().filter_map(|id| ix.place_at(id)) {
        find(&mut ix.place_names(p), Fill::Place(p));
    }
    let inside = |b: &Blank| {
        hits.iter()
            .any(|o| o.start <= b.start && b.end <= o.end && (o.start, o.end) != (b.start, b.end))
    };
    let mut whole: Vec<Blank> = hits.iter().copied().filter(|b| !inside(b)).collect();
    whole.sort_by_key(|b| (b.start, b.end));
    whole
}
