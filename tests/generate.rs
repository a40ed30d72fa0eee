//! The generator, from the outside: a snapshot of a small fixture, the
//! article's set checked question by question, determinism and stable ids,
//! synthetic datasets, and RON round trips.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use quizline::check;
use quizline::dataset::{Dataset, Qualifier, Quantity};
use quizline::date::{Date, month_name};
use quizline::engine::{self, Layout, View, normalize_text};
use quizline::files;
use quizline::generate::generate;
use quizline::question::{Body, Kind, Question, QuestionSet};
use quizline::synth::synthesize;

fn path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn load(rel: &str) -> Dataset {
    files::load_dataset(&path(rel))
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

fn article() -> Dataset {
    load("questions/karabakh/events.ron")
}

fn generated(dataset: &Dataset, seed: u64) -> QuestionSet {
    generate(dataset, seed, &mut |_, _| {})
}

#[test]
fn mini_fixture_snapshot() {
    let dataset = load("tests/fixtures/mini-events.ron");
    let text = std::fs::read_to_string(path("tests/fixtures/mini-events.ron")).unwrap();
    assert!(check::check_dataset(Path::new("mini-events.ron"), &text, &dataset).is_empty());
    let set = generated(&dataset, 1);
    assert_valid(&set, &dataset);
    insta::assert_snapshot!("mini-events-seed-1", files::to_ron(&set));
}

#[test]
fn article_set_is_large_varied_and_valid() {
    let dataset = article();
    let set = generated(&dataset, 1);
    assert!(
        set.questions.len() >= 60,
        "only {} questions",
        set.questions.len()
    );
    assert_eq!(set.kinds(), Kind::ALL.to_vec(), "every kind is present");
    assert_eq!(set.id, dataset.id);
    assert_eq!(set.generated, None);
    assert_valid(&set, &dataset);

    let source = std::fs::read_to_string(path("questions/karabakh/source.txt")).unwrap();
    for q in &set.questions {
        let quotes = q
            .source
            .as_deref()
            .unwrap_or_else(|| panic!("{}: no source", q.id));
        for quote in quotes.split(" … ") {
            assert!(
                source.contains(quote),
                "{}: source is not verbatim: {quote}",
                q.id
            );
        }
        distractors_are_wrong(q, &dataset);
    }
}

/// What every generated set must satisfy, whatever its dataset.
fn assert_valid(set: &QuestionSet, dataset: &Dataset) {
    let text = files::to_ron(set);
    let problems = check::check_set(Path::new("set.ron"), &text, set, Some(dataset));
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let mut ids = HashSet::new();
    for q in &set.questions {
        assert!(ids.insert(q.id.as_str()), "duplicate id {}", q.id);
        let prefix = format!("q-{}-", q.kind().name());
        let hex =
            q.id.strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{}: id without its kind", q.id));
        assert!(
            hex.len() == 12 && hex.chars().all(|c| c.is_ascii_hexdigit()),
            "{}",
            q.id
        );
        let points = match q.kind() {
            Kind::MultiSelect | Kind::Ordering | Kind::Matching => 2,
            _ => 1,
        };
        assert_eq!(q.points, points, "{}", q.id);
        assert!(
            !q.explanation.trim().is_empty() && !q.events.is_empty(),
            "{}",
            q.id
        );
        correct_input_earns_full_credit(q);
        options_are_distinct(q);
        does_not_leak(q);
    }
}

fn correct_input_earns_full_credit(q: &Question) {
    let layout = Layout::identity(&q.body);
    let view = View::new(q, &layout);
    let input = view.correct_input();
    let response = view
        .parse(&input)
        .unwrap_or_else(|e| panic!("{}: {input:?} does not parse: {e}", q.id));
    assert_eq!(
        engine::credit(&q.body, &response),
        Ok(1.0),
        "{}: {input:?}",
        q.id
    );
}

fn options_are_distinct(q: &Question) {
    let lists: Vec<&Vec<String>> = match &q.body {
        Body::SingleChoice { options, .. }
        | Body::MultiSelect { options, .. }
        | Body::BeforeAfter { options, .. } => {
            vec![options]
        }
        Body::Ordering { items, .. } => vec![items],
        Body::Matching { left, right, .. } => vec![left, right],
        _ => vec![],
    };
    for list in lists {
        let normalized: HashSet<String> = list.iter().map(|o| normalize_text(o)).collect();
        assert_eq!(
            normalized.len(),
            list.len(),
            "{}: repeated option in {list:?}",
            q.id
        );
        assert!(
            !list
                .iter()
                .any(|o| o.contains("all of the above") || o.contains("none of the above"))
        );
    }
}

fn numbers(text: &str) -> Vec<i64> {
    text.split(|c: char| !c.is_ascii_digit() && c != ',')
        .map(|t| t.trim_matches(','))
        .filter(|t| !t.is_empty())
        .filter_map(|t| engine::parse_number(t).ok())
        .collect()
}

fn does_not_leak(q: &Question) {
    let correct: Vec<&String> = match &q.body {
        Body::SingleChoice { options, answer } | Body::BeforeAfter { options, answer } => {
            vec![&options[*answer]]
        }
        Body::MultiSelect { options, answers } => answers.iter().map(|&a| &options[a]).collect(),
        _ => vec![],
    };
    for c in correct {
        assert!(
            !q.prompt.contains(c.as_str()),
            "{}: prompt shows its answer {c:?}",
            q.id
        );
    }
    match &q.body {
        Body::Numeric { low, high, .. } => {
            assert!(
                !numbers(&q.prompt).iter().any(|n| (low..=high).contains(&n)),
                "{}: prompt shows its answer",
                q.id
            )
        }
        Body::Cloze { text, accept } => {
            let shown = normalize_text(&format!("{} {}", q.prompt, text.replace("___", " ")));
            for a in accept {
                assert!(
                    !shown.contains(&normalize_text(a)),
                    "{}: cloze shows {a:?}",
                    q.id
                );
            }
        }
        _ => {}
    }
}

/// A date option as the generator writes it: "2 September 1991", "September 2023" or "1994".
fn parse_date(text: &str) -> Option<Date> {
    let month = |name: &str| (1..=12).find(|&m| month_name(m) == name);
    match text.split(' ').collect::<Vec<_>>()[..] {
        [day, m, year] => Some(Date::Day {
            year: year.parse().ok()?,
            month: month(m)?,
            day: day.parse().ok()?,
        }),
        [m, year] => Some(Date::Month {
            year: year.parse().ok()?,
            month: month(m)?,
            part: None,
        }),
        [year] if year.len() == 4 => Some(Date::year(year.parse().ok()?)),
        _ => None,
    }
}

/// Wrong options of one event's date or figure questions lie outside what the
/// dataset accepts: a wrong year is outside the event's years, a wrong date
/// does not overlap the event's date, a wrong figure is off the stated range.
fn distractors_are_wrong(q: &Question, dataset: &Dataset) {
    let Body::SingleChoice { options, answer } = &q.body else {
        return;
    };
    let [event] = &q.events[..] else { return };
    let event = dataset.events.iter().find(|e| *e.id == **event).unwrap();
    for (i, o) in options.iter().enumerate().filter(|&(i, _)| i != *answer) {
        if let Some(d) = parse_date(o) {
            assert!(
                parse_date(&options[*answer]).is_some(),
                "{}: a date among other options",
                q.id
            );
            let (lo, hi) = d.interval();
            let (a, b) = event.date.interval();
            assert!(
                hi < a || lo > b,
                "{}: option {i} {o:?} overlaps the event's date",
                q.id
            );
        } else if let [n] = numbers(o)[..] {
            for c in &event.casualties {
                let (low, high) = accepted(&c.count);
                assert!(
                    !(low..=high).contains(&n),
                    "{}: figure option {o:?} is within the stated range",
                    q.id
                );
            }
        }
    }
}

/// The counts a figure question accepts: a bound is asked as the bound itself.
fn accepted(q: &Quantity) -> (i64, i64) {
    let v = |n: Option<u64>| n.map(|n| n as i64);
    let (low, high) = match q.qualifier {
        Qualifier::UpTo => (v(q.high), v(q.high)),
        Qualifier::AtLeast => (v(q.low), v(q.low)),
        Qualifier::Exact => (v(q.headline()), v(q.headline())),
        Qualifier::Approximately => (v(q.low).or(v(q.best)), v(q.high).or(v(q.best))),
        Qualifier::Between => (v(q.low), v(q.high)),
    };
    (low.unwrap(), high.unwrap())
}

#[test]
fn same_seed_same_bytes_and_ids_stable_across_seeds() {
    let dataset = article();
    let one = files::to_ron(&generated(&dataset, 1));
    assert_eq!(one, files::to_ron(&generated(&dataset, 1)));
    let set1 = generated(&dataset, 1);
    let set2 = generated(&dataset, 2);
    assert_ne!(one, files::to_ron(&set2), "another seed gives another set");
    let ids1: HashSet<&str> = set1.questions.iter().map(|q| q.id.as_str()).collect();
    let ids2: HashSet<&str> = set2.questions.iter().map(|q| q.id.as_str()).collect();
    let shared = ids1.intersection(&ids2).count();
    assert!(
        shared * 10 >= ids1.len().max(ids2.len()) * 8,
        "only {shared} of {} ids shared",
        ids1.len()
    );
}

/// A true-or-false section where nearly everything is true teaches students
/// to answer "true"; statements are made false where the data proves it.
#[test]
fn true_false_is_balanced_and_never_asks_inferred_dates() {
    let dataset = article();
    let (mut truths, mut total) = (0, 0);
    for seed in 1..=6 {
        let set = generated(&dataset, seed);
        for q in &set.questions {
            if let Body::TrueFalse { answer } = q.body {
                total += 1;
                truths += usize::from(answer);
            }
        }
    }
    let share = truths as f64 / total as f64;
    assert!(
        (0.3..=0.7).contains(&share),
        "{truths} of {total} statements are true"
    );
    // No date question of any kind about an event whose date the source does not give.
    let inferred: Vec<&str> = dataset
        .events
        .iter()
        .filter(|e| e.date_basis == quizline::dataset::DateBasis::Inferred)
        .map(|e| e.id.as_str())
        .collect();
    assert!(!inferred.is_empty());
    for q in &generated(&dataset, 1).questions {
        let about_inferred = q.events.iter().any(|e| inferred.contains(&&**e));
        let asks_date = matches!(q.body, Body::Ordering { .. } | Body::BeforeAfter { .. })
            || q.prompt.contains("which year")
            || q.prompt.contains("which date")
            || q.prompt.contains("” happened");
        assert!(!(about_inferred && asks_date), "{}: {}", q.id, q.prompt);
    }
}

#[test]
fn progress_is_reported_boundedly_and_ends_at_the_total() {
    let dataset = synthesize(5_000, 3);
    let mut calls = Vec::new();
    generate(&dataset, 1, &mut |done, total| calls.push((done, total)));
    assert!(calls.len() <= 101, "{} calls", calls.len());
    assert_eq!(calls.last(), Some(&(5_000, 5_000)));
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[test]
fn synthetic_dataset_yields_a_valid_set_of_every_kind() {
    let dataset = synthesize(200, 7);
    let text = files::to_ron(&dataset);
    assert!(check::check_dataset(Path::new("synth.ron"), &text, &dataset).is_empty());
    assert_eq!(
        files::parse::<Dataset>(Path::new("synth.ron"), &text).unwrap(),
        dataset
    );
    let set = generated(&dataset, 7);
    assert_eq!(set.kinds(), Kind::ALL.to_vec());
    assert_valid(&set, &dataset);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn sets_survive_a_ron_round_trip(events in 1usize..120, synth_seed in any::<u64>(), seed in any::<u64>()) {
        let set = generated(&synthesize(events, synth_seed), seed);
        let text = files::to_ron(&set);
        let back: QuestionSet = files::parse(Path::new("set.ron"), &text).unwrap();
        prop_assert_eq!(back, set);
    }
}
