//! The generator: a dataset and a seed become a question set.
//!
//! Which questions exist depends on the dataset only; the seed chooses the
//! distractors, the true-or-false polarity and the order of options. Each
//! question draws from its own stream, derived from the seed and from what it
//! asks, so that the output is byte-identical for the same inputs, and a
//! question that did not change keeps its id and its draws when others change.
//!
//! Every builder reads precomputed pools (`index::Index`) and a bounded
//! neighbourhood of events in date order, so time and memory are linear in
//! the number of events.

/// `format!` for pieces that are all text, allocating once: most of the
/// generator's time goes into building strings, and `format!` grows its
/// buffer as it goes.
macro_rules! cat {
    ($($part:expr),+ $(,)?) => {
        [$(::core::convert::AsRef::<str>::as_ref(&$part)),+].concat()
    };
}

mod before_after;
mod cloze;
mod distract;
mod index;
mod leak;
mod matching;
mod multi;
mod numeric;
mod ordering;
mod single;
mod text;
mod truefalse;

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use crate::dataset::{Dataset, Event};
use crate::date::Date;
use crate::question::{Body, Difficulty, Kind, Question, QuestionSet, SET_FORMAT, ScoringPolicy};
use crate::seeded::{Seeded, fnv1a, fnv1a_more};

use index::{Index, text_key};

/// Names the generator in a set's provenance; bumped whenever the output
/// for the same dataset and seed changes.
pub const GENERATOR: &str = "quizline-generate 2";

/// How often progress is reported: at most this many times per run.
const PROGRESS_STEPS: usize = 100;

/// Events per batch at the least: each batch is shared out among the
/// cores, and sharing out less would cost more than it saves.
const MIN_BATCH: usize = 1024;

/// Events a core takes at a time within a batch.
const PER_TASK: usize = 64;

/// Builds the question set for `dataset` with `seed`. `progress(done, total)`
/// counts events and is called at most about a hundred times.
///
/// Events are built in batches, each shared out among the cores (rayon's
/// pool, kept for the whole run); every question depends only on the
/// dataset, the seed and what it asks, and a batch's questions are
/// collected in event order, so the result does not depend on how many
/// threads did the work.
pub fn generate(dataset: &Dataset, seed: u64, progress: &mut dyn FnMut(u64, u64)) -> QuestionSet {
    let cx = Ctx {
        ix: Index::new(dataset),
        seed,
    };
    let total = dataset.events.len();
    let batch = total.div_ceil(PROGRESS_STEPS).max(MIN_BATCH);
    let mut out = Emitter::with_capacity(total * 7);
    // Questions across events need only the index: they are built alongside
    // the batches and come last in the set.
    let across = std::thread::scope(|s| {
        let across = s.spawn(|| build_across(&cx));
        // Each batch is emitted while the next is built, so that the
        // emitter's one-after-another part leaves no core idle.
        let mut built: Vec<Vec<Built>> = Vec::new();
        let mut done = 0;
        while done < total {
            let end = (done + batch).min(total);
            let emit = std::mem::take(&mut built);
            (built, ()) = rayon::join(|| build_batch(&cx, done..end), || out.extend(emit));
            done = end;
            progress(done as u64, total as u64);
        }
        out.extend(built);
        across.join().expect("a generator thread panicked")
    });
    out.extend(vec![across]);
    QuestionSet {
        format: SET_FORMAT,
        id: dataset.id.clone(),
        title: format!("{} — questions", dataset.title),
        description: Some(format!(
            "Questions generated from the dataset “{}”: dates, order, people, figures and agreements, each with its source.",
            dataset.title
        )),
        generated: None,
        scoring: ScoringPolicy::default(),
        questions: out.questions,
    }
}

/// The questions of the events in `range`, in event order, in parts.
fn build_batch(cx: &Ctx, range: Range<usize>) -> Vec<Vec<Built>> {
    range
        .into_par_iter()
        .with_min_len(PER_TASK)
        .fold(
            || (Vec::with_capacity(16), Vec::with_capacity(PER_TASK * 8)),
            |(mut drafts, mut built), e| {
                build_event(cx, e, &mut drafts, &mut built);
                (drafts, built)
            },
        )
        .map(|(_, built)| built)
        .collect()
}

/// The questions that span the dataset: orderings and matchings.
fn build_across(cx: &Ctx) -> Vec<Built> {
    let mut drafts = Vec::new();
    ordering::build_all(cx, &mut drafts);
    matching::build_all(cx, &mut drafts);
    drafts.into_iter().filter_map(finish).collect()
}

/// Every per-event builder, for event `e`; `drafts` is scratch space.
fn build_event(cx: &Ctx, e: usize, drafts: &mut Vec<Draft>, out: &mut Vec<Built>) {
    let f = Focus::new(cx, e);
    numeric::build(&f, drafts);
    single::build(&f, drafts);
    multi::build(&f, drafts);
    truefalse::build(&f, drafts);
    before_after::build(&f, drafts);
    cloze::build(&f, drafts);
    matching::build(&f, drafts);
    out.extend(drafts.drain(..).filter_map(finish));
}

/// What every builder reads: the dataset's index and the seed.
struct Ctx<'d> {
    ix: Index<'d>,
    seed: u64,
}

impl Ctx<'_> {
    /// The stream for the question asked under `key`.
    fn rng(&self, key: Key) -> Seeded {
        Seeded::new(self.seed ^ key.0)
    }
}

/// One event, as the per-event builders see it.
struct Focus<'a> {
    cx: &'a Ctx<'a>,
    e: usize,
    ev: &'a Event,
    /// The sentence every explanation about the event ends with, built once.
    dated: String,
    /// The event's id and source sentence, shared by its questions.
    id: Arc<str>,
    quote: Arc<str>,
}

impl<'a> Focus<'a> {
    fn new(cx: &'a Ctx<'a>, e: usize) -> Focus<'a> {
        let ev = cx.ix.event(e);
        Focus {
            cx,
            e,
            ev,
            dated: text::dated(ev),
            id: Arc::from(ev.id.as_str()),
            quote: Arc::from(ev.source.text.as_str()),
        }
    }
}

/// A question before it gets its id.
struct Draft {
    /// What is asked; the id is derived from it.
    key: Key,
    prompt: String,
    body: Body,
    difficulty: Difficulty,
    explanation: String,
    events: Vec<Arc<str>>,
    source: Option<Arc<str>>,
    /// Already through the leak guard: a builder that tries several
    /// drafts and keeps the first that gives nothing away checks each
    /// itself, and the guard in [`finish`] need not check again.
    checked: bool,
}

impl Draft {
    /// The draft, unless it gives its answer away.
    fn sound(mut self) -> Option<Draft> {
        if self.checked || !leak::body_leaks(&self.prompt, &self.body) {
            self.checked = true;
            Some(self)
        } else {
            None
        }
    }
}

/// What a question asks, as text: kind, event ids and aspect, e.g.
/// `"numeric|war|year-any"`. Only its FNV-1a hash is kept: the question's
/// id and its stream of draws derive from it, and hashing the parts in turn
/// gives the same value as hashing the joined text, without building it.
#[derive(Clone, Copy)]
struct Key(u64);

impl Key {
    fn new(kind: Kind, events: &[&str], aspect: &str) -> Key {
        let mut h = fnv1a(kind.as_str().as_bytes());
        for (i, e) in events.iter().enumerate() {
            h = fnv1a_more(h, if i == 0 { b"|" } else { b"," });
            h = fnv1a_more(h, e.as_bytes());
        }
        h = fnv1a_more(h, b"|");
        Key(fnv1a_more(h, aspect.as_bytes()))
    }

    /// The key with `text` appended.
    fn and(self, text: &str) -> Key {
        Key(fnv1a_more(self.0, text.as_bytes()))
    }

    /// 48 well-mixed bits (FNV-1a's low bits mix poorly on their own).
    fn id_hash(self) -> u64 {
        mix(self.0) >> 16
    }
}

fn points(kind: Kind) -> u32 {
    match kind {
        Kind::MultiSelect | Kind::Ordering | Kind::Matching => 2,
        _ => 1,
    }
}

/// Puts `answer` among `distractors` at a random position.
fn place_answer(
    rng: &mut Seeded,
    mut distractors: Vec<String>,
    answer: String,
) -> (Vec<String>, usize) {
    let at = rng.below(distractors.len() + 1);
    distractors.insert(at, answer);
    (distractors, at)
}

/// A question that passed the leak guard, with what the emitter needs to
/// keep the set free of repeats: its content key and its id's hash.
struct Built {
    question: Question,
    key: Key,
    content: u64,
    id: u64,
}

/// Turns a draft into a question with the id its key gives, unless it leaks.
fn finish(d: Draft) -> Option<Built> {
    let d = d.sound()?;
    let kind = d.body.kind();
    let id = d.key.id_hash();
    let question = Question {
        id: format_id(kind, id),
        prompt: d.prompt,
        body: d.body,
        points: points(kind),
        difficulty: d.difficulty,
        explanation: d.explanation,
        events: d.events,
        source: d.source,
    };
    Some(Built {
        content: content_key(&question),
        question,
        key: d.key,
        id,
    })
}

/// `q-<kind>-<12 hex digits>`.
fn format_id(kind: Kind, hash: u64) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(kind.as_str().len() + 15);
    id.push_str("q-");
    id.push_str(kind.as_str());
    id.push('-');
    id.extend(
        (0..12)
            .rev()
            .map(|i| char::from(HEX[((hash >> (4 * i)) & 0xf) as usize])),
    );
    id
}

/// Collects questions in order: drops any that repeats another's content,
/// and keeps ids unique.
struct Emitter {
    questions: Vec<Question>,
    ids: HashSet<u64, BuildHasherDefault<Prehashed>>,
    contents: HashSet<u64, BuildHasherDefault<Prehashed>>,
}

impl Emitter {
    fn with_capacity(n: usize) -> Emitter {
        Emitter {
            questions: Vec::with_capacity(n),
            ids: HashSet::with_capacity_and_hasher(n, Default::default()),
            contents: HashSet::with_capacity_and_hasher(n, Default::default()),
        }
    }

    /// Adds `parts`, in order. Which questions stay, and their ids, are
    /// settled one after another from the hashes alone; the questions
    /// themselves are then moved into place in parallel, since moving and
    /// first touching a set's worth of memory on one core costs more than
    /// everything else the emitter does.
    fn extend(&mut self, mut parts: Vec<Vec<Built>>) {
        for part in &mut parts {
            part.retain_mut(|b| self.admit(b));
        }
        let n: usize = parts.iter().map(Vec::len).sum();
        let len = self.questions.len();
        self.questions.reserve(n);
        let mut spare = &mut self.questions.spare_capacity_mut()[..n];
        let mut slots = Vec::with_capacity(parts.len());
        for part in &parts {
            let (slot, rest) = spare.split_at_mut(part.len());
            slots.push(slot);
            spare = rest;
        }
        parts.into_par_iter().zip(slots).for_each(|(part, slot)| {
            for (place, b) in slot.iter_mut().zip(part) {
                place.write(b.question);
            }
        });
        // SAFETY: the `n` slots after `len` were split into one slot per
        // part, each exactly as long as its part, and every question of
        // every part was written into its slot above.
        unsafe { self.questions.set_len(len + n) };
    }

    /// Whether `b` is kept: not a repeat of an earlier question's content.
    /// On an id clash the key is extended with a counter, so the outcome
    /// depends only on the questions before this one.
    fn admit(&mut self, b: &mut Built) -> bool {
        if !self.contents.insert(b.content) {
            return false;
        }
        let mut n = 1;
        while !self.ids.insert(b.id) {
            n += 1;
            b.id = b.key.and(&format!("#{n}")).id_hash();
            b.question.id = format_id(b.question.kind(), b.id);
        }
        true
    }
}

/// A hasher for keys that are hashes already: one multiplication spreads
/// their bits over the whole word, as the table's probing wants.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Two questions with the same content are the same question, whichever
/// events they were made from (two events can share a quote).
fn content_key(q: &Question) -> u64 {
    // Options are summed, so that their order does not matter.
    let set = |texts: &[String]| {
        texts
            .iter()
            .fold(0u64, |sum, t| sum.wrapping_add(mix(text_key(t))))
    };
    let (prompt, body) = match &q.body {
        Body::SingleChoice { options, .. }
        | Body::MultiSelect { options, .. }
        | Body::BeforeAfter { options, .. } => (text_key(&q.prompt), set(options)),
        Body::Ordering { items, .. } => (text_key(&q.prompt), set(items)),
        Body::Matching { left, right, .. } => (text_key(&q.prompt), set(left) ^ mix(set(right))),
        // A cloze is its text; the prompt only names the event it is about.
        Body::Cloze { text, .. } => (0, text_key(text)),
        Body::TrueFalse { .. } | Body::Numeric { .. } => (text_key(&q.prompt), 0),
    };
    mix(text_key(q.kind().as_str()) ^ mix(prompt ^ mix(body)))
}

/// SplitMix64's finalizer: every input bit moves every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Difficulty from how close the nearest wrong date is, in days.
fn by_days(days: i64) -> Difficulty {
    match days {
        ..62 => Difficulty::Hard,
        62..400 => Difficulty::Medium,
        _ => Difficulty::Easy,
    }
}

/// Difficulty from how close the nearest wrong year is.
fn by_years(years: i64) -> Difficulty {
    match years {
        ..=1 => Difficulty::Hard,
        2..=5 => Difficulty::Medium,
        _ => Difficulty::Easy,
    }
}

/// Difficulty from how close the nearest wrong figure is, as a ratio.
fn by_ratio(answer: u64, wrong: u64) -> Difficulty {
    let (small, big) = (answer.min(wrong).max(1), answer.max(wrong));
    match big / small {
        ..=2 => Difficulty::Hard,
        3..=5 => Difficulty::Medium,
        _ => Difficulty::Easy,
    }
}

/// Whether an event dated to a day or a month is asked its year (as a
/// number) rather than its full date (as a choice). Both are fair; asking
/// one per event keeps the set from repeating itself. Decided by the event's
/// id, so the choice does not move with the seed.
fn asks_year(ev: &Event) -> bool {
    match ev.date {
        Date::Day { .. } | Date::Month { .. } => {
            (mix(fnv1a(ev.id.as_bytes())) >> 16).is_multiple_of(2)
        }
        Date::Year { .. } | Date::Range { .. } => true,
    }
}

/// Days between two date intervals that do not overlap.
fn days_apart(a: (i64, i64), b: (i64, i64)) -> i64 {
    (b.0 - a.1).max(a.0 - b.1)
}
