//! Semantic checks of datasets and question sets, beyond what parsing
//! catches: duplicate ids, dangling references, impossible ranges, answers
//! that are not among the options. Each problem points at the line it is on.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::dataset::{Dataset, Qualifier};
use crate::engine::normalize_text;
use crate::files::{FileError, locate_literal};
use crate::question::{Body, QuestionSet, SET_FORMAT};

/// A problem found in a parsed file; `at` names a string literal in the
/// file (and which occurrence of it) to point at.
struct Problem {
    message: String,
    at: Option<(String, usize)>,
}

fn problem(message: impl Into<String>, at: Option<(&str, usize)>) -> Problem {
    Problem {
        message: message.into(),
        at: at.map(|(s, n)| (s.to_string(), n)),
    }
}

fn place(path: &Path, text: &str, problems: Vec<Problem>) -> Vec<FileError> {
    problems
        .into_iter()
        .map(|p| {
            match p
                .at
                .and_then(|(value, nth)| locate_literal(text, &value, nth))
            {
                Some((line, col)) => FileError::at(path, text, line, col, p.message),
                None => FileError::plain(path, p.message),
            }
        })
        .collect()
}

/// Counts how often each id has been seen, to point at the repeat.
#[derive(Default)]
struct Ids<'a> {
    seen: HashMap<&'a str, usize>,
}

impl<'a> Ids<'a> {
    fn add(&mut self, what: &str, id: &'a str, out: &mut Vec<Problem>) {
        let n = self.seen.entry(id).or_insert(0);
        *n += 1;
        if *n > 1 {
            out.push(problem(
                format!("duplicate {what} id `{id}`"),
                Some((id, *n - 1)),
            ));
        }
        if id.trim().is_empty() {
            out.push(problem(format!("empty {what} id"), None));
        }
    }
}

pub fn check_dataset(path: &Path, text: &str, dataset: &Dataset) -> Vec<FileError> {
    place(path, text, dataset_problems(dataset))
}

fn dataset_problems(d: &Dataset) -> Vec<Problem> {
    let mut out = Vec::new();
    if d.format != crate::dataset::DATASET_FORMAT {
        out.push(problem(
            format!(
                "unsupported dataset format {}; this quizline reads format {}",
                d.format,
                crate::dataset::DATASET_FORMAT
            ),
            None,
        ));
    }
    let mut ids = Ids::default();
    for s in &d.sources {
        ids.add("source", &s.id, &mut out);
    }
    for a in &d.actors {
        ids.add("actor", &a.id, &mut out);
    }
    for p in &d.places {
        ids.add("place", &p.id, &mut out);
    }
    let mut events = Ids::default();
    for e in &d.events {
        events.add("event", &e.id, &mut out);
    }
    let sources: HashSet<&str> = d.sources.iter().map(|s| s.id.as_str()).collect();
    let actors: HashSet<&str> = d.actors.iter().map(|a| a.id.as_str()).collect();
    let places: HashSet<&str> = d.places.iter().map(|p| p.id.as_str()).collect();
    let unknown =
        |kind: &str, id: &str, known: &HashSet<&str>, event: &str, out: &mut Vec<Problem>| {
            if !known.contains(id) {
                out.push(problem(
                    format!("event `{event}` refers to unknown {kind} `{id}`"),
                    Some((id, 0)),
                ));
            }
        };
    for e in &d.events {
        if let Some(p) = e.date.problem() {
            out.push(problem(format!("event `{}`: {p}", e.id), Some((&e.id, 0))));
        }
        for p in &e.actors {
            unknown("actor", &p.actor, &actors, &e.id, &mut out);
        }
        for p in &e.places {
            unknown("place", p, &places, &e.id, &mut out);
        }
        unknown("source", &e.source.source, &sources, &e.id, &mut out);
        if e.source.text.trim().is_empty() {
            out.push(problem(
                format!("event `{}` has an empty source quote", e.id),
                Some((&e.id, 0)),
            ));
        }
        if let Some(a) = &e.agreement {
            for id in a.parties.iter().chain(&a.mediators) {
                unknown("actor", id, &actors, &e.id, &mut out);
            }
        }
        for c in &e.casualties {
            let q = &c.count;
            if let (Some(low), Some(high)) = (q.low, q.high)
                && low > high
            {
                out.push(problem(
                    format!(
                        "event `{}`: casualty low {low} is greater than high {high}",
                        e.id
                    ),
                    Some((&e.id, 0)),
                ));
            }
            if let Some(best) = q.best
                && (q.low.is_some_and(|l| best < l) || q.high.is_some_and(|h| best > h))
            {
                out.push(problem(
                    format!(
                        "event `{}`: casualty best {best} lies outside low–high",
                        e.id
                    ),
                    Some((&e.id, 0)),
                ));
            }
            let missing = match q.qualifier {
                Qualifier::UpTo => q.high.is_none().then_some("UpTo needs `high`"),
                Qualifier::AtLeast => q.low.is_none().then_some("AtLeast needs `low`"),
                Qualifier::Between => (q.low.is_none() || q.high.is_none())
                    .then_some("Between needs `low` and `high`"),
                Qualifier::Exact | Qualifier::Approximately => {
                    q.best.is_none().then_some("needs `best`")
                }
            };
            if let Some(m) = missing {
                out.push(problem(
                    format!("event `{}`: casualty figure {m}", e.id),
                    Some((&e.id, 0)),
                ));
            }
        }
    }
    out
}

pub fn check_set(
    path: &Path,
    text: &str,
    set: &QuestionSet,
    dataset: Option<&Dataset>,
) -> Vec<FileError> {
    place(path, text, set_problems(set, dataset))
}

/// Problems in a set as parsed; used by `check` and by the server, which
/// serves only sets without any.
pub fn set_problem_messages(set: &QuestionSet) -> Vec<String> {
    set_problems(set, None)
        .into_iter()
        .map(|p| p.message)
        .collect()
}

fn set_problems(set: &QuestionSet, dataset: Option<&Dataset>) -> Vec<Problem> {
    let mut out = Vec::new();
    if set.format != SET_FORMAT {
        out.push(problem(
            format!(
                "unsupported question-set format {}; this quizline reads format {SET_FORMAT}",
                set.format
            ),
            None,
        ));
    }
    if set.questions.is_empty() {
        out.push(problem("the set has no questions", None));
    }
    if set.scoring.penalty < 0.0 || set.scoring.penalty > 1.0 || set.scoring.penalty.is_nan() {
        out.push(problem("scoring penalty must be between 0 and 1", None));
    }
    let mut ids = Ids::default();
    let events: Option<HashSet<&str>> =
        dataset.map(|d| d.events.iter().map(|e| e.id.as_str()).collect());
    for q in &set.questions {
        ids.add("question", &q.id, &mut out);
        let at = Some((q.id.as_str(), 0));
        let mut say = |m: String| out.push(problem(format!("question `{}`: {m}", q.id), at));
        if q.prompt.trim().is_empty() {
            say("empty prompt".into());
        }
        if q.points == 0 {
            say("points must be at least 1".into());
        }
        let options_ok = |options: &[String], say: &mut dyn FnMut(String)| {
            let mut seen = HashSet::new();
            for o in options {
                if o.trim().is_empty() {
                    say("an option is empty".into());
                }
                if !seen.insert(normalize_text(o)) {
                    say(format!("duplicate option \"{o}\""));
                }
            }
        };
        match &q.body {
            Body::SingleChoice { options, answer } | Body::BeforeAfter { options, answer } => {
                options_ok(options, &mut say);
                if options.len() < 2 {
                    say("needs at least two options".into());
                }
                if *answer >= options.len() {
                    say(format!(
                        "answer {answer} is not among the {} options",
                        options.len()
                    ));
                }
                if matches!(q.body, Body::BeforeAfter { .. }) && options.len() != 2 {
                    say("a before/after question has exactly two options".into());
                }
            }
            Body::MultiSelect { options, answers } => {
                options_ok(options, &mut say);
                if answers.is_empty() {
                    say("needs at least one correct answer".into());
                }
                let mut seen = HashSet::new();
                for a in answers {
                    if *a >= options.len() {
                        say(format!(
                            "answer {a} is not among the {} options",
                            options.len()
                        ));
                    }
                    if !seen.insert(a) {
                        say(format!("answer {a} is listed twice"));
                    }
                }
            }
            Body::TrueFalse { .. } => {}
            Body::Numeric { low, high, .. } => {
                if low > high {
                    say(format!("low {low} is greater than high {high}"));
                }
            }
            Body::Ordering { items, answer } => {
                options_ok(items, &mut say);
                if items.len() < 2 {
                    say("needs at least two items".into());
                }
                if !crate::engine::is_permutation(answer, items.len()) {
                    say("answer must list every item position exactly once".into());
                }
            }
            Body::Matching {
                left,
                right,
                answer,
            } => {
                options_ok(left, &mut say);
                options_ok(right, &mut say);
                if answer.len() != left.len() {
                    say(format!(
                        "answer has {} pairs for {} items",
                        answer.len(),
                        left.len()
                    ));
                }
                if let Some(a) = answer.iter().find(|a| **a >= right.len()) {
                    say(format!(
                        "answer {a} is not among the {} right-hand items",
                        right.len()
                    ));
                }
            }
            Body::Cloze { text, accept } => {
                if text.matches("___").count() != 1 {
                    say("cloze text needs exactly one blank written ___".into());
                }
                if accept.iter().all(|a| normalize_text(a).is_empty()) {
                    say("cloze needs at least one accepted answer".into());
                }
            }
        }
        if let Some(events) = &events {
            for e in &q.events {
                if !events.contains(&**e) {
                    out.push(problem(
                        format!("question `{}` refers to unknown event `{e}`", q.id),
                        Some((&**e, 0)),
                    ));
                }
            }
        }
    }
    out
}
