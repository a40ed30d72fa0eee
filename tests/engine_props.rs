//! Properties of the engine that must hold for any input a person or a
//! client can send: reading and grading never panic, credit stays in 0..=1,
//! and the fully correct line always earns full credit. And no ordering or
//! matching ever opens already solved, whatever the seed.

use proptest::prelude::*;
use quizline::engine::{Attempt, AttemptOptions, Layout, Response, View, credit, grade};
use quizline::question::{Body, Difficulty, Question, QuestionSet, ScoringPolicy};
use quizline::seeded::Seeded;

fn options(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("option {i}")).collect()
}

prop_compose! {
    fn body()(kind in 0..8usize, n in 2..7usize, seed in any::<u64>(), low in -5000i64..5000, width in 0i64..100, tf in any::<bool>()) -> Body {
        let mut rng = Seeded::new(seed);
        let perm = rng.permutation(n);
        match kind {
            0 => Body::SingleChoice { options: options(n), answer: perm[0] },
            1 => Body::MultiSelect { options: options(n), answers: perm[..(n / 2).max(1)].to_vec() },
            2 => Body::TrueFalse { answer: tf },
            3 => Body::Numeric { low, high: low + width, unit: None },
            4 => Body::Ordering { items: options(n), answer: perm },
            5 => Body::BeforeAfter { options: options(2), answer: perm[0] % 2 },
            6 => Body::Matching { left: options(n), right: options(n), answer: perm },
            _ => Body::Cloze { text: "The ___ one.".into(), accept: vec!["Zürich".into(), "the city".into()] },
        }
    }
}

fn question(body: Body) -> Question {
    Question {
        id: "q".into(),
        prompt: "?".into(),
        body,
        points: 2,
        difficulty: Difficulty::Medium,
        explanation: String::new(),
        events: vec![],
        source: None,
    }
}

fn policy() -> impl Strategy<Value = ScoringPolicy> {
    (any::<bool>(), any::<bool>(), 0.0f64..=1.0).prop_map(
        |(partial_credit, negative_marking, penalty)| ScoringPolicy {
            partial_credit,
            negative_marking,
            penalty,
        },
    )
}

fn response() -> impl Strategy<Value = Response> {
    prop_oneof![
        any::<usize>().prop_map(Response::Choice),
        prop::collection::vec(0usize..12, 0..10).prop_map(Response::Choices),
        any::<bool>().prop_map(Response::Bool),
        any::<i64>().prop_map(Response::Number),
        prop::collection::vec(0usize..12, 0..10).prop_map(Response::Order),
        prop::collection::vec(0usize..12, 0..10).prop_map(Response::Pairs),
        ".*".prop_map(Response::Text),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn typed_input_never_panics(body in body(), seed in any::<u64>(), input in "\\PC{0,40}", policy in policy()) {
        let q = question(body);
        let layout = Layout::shuffled(&q.body, &mut Seeded::new(seed));
        let view = View::new(&q, &layout);
        if let Ok(response) = view.parse(&input) {
            let g = grade(&q, &response, &policy).expect("a parsed response has the question's shape");
            prop_assert!((0.0..=1.0).contains(&g.credit));
            prop_assert!(g.points <= g.max_points);
            prop_assert!(g.points >= -g.max_points);
        }
    }

    #[test]
    fn letter_soup_never_panics(body in body(), input in "[a-h1-9 ,;:=()-]{0,30}") {
        let q = question(body);
        let layout = Layout::identity(&q.body);
        let _ = View::new(&q, &layout).parse(&input);
    }

    #[test]
    fn any_response_grades_or_errs(body in body(), response in response()) {
        if let Ok(c) = credit(&body, &response) {
            prop_assert!((0.0..=1.0).contains(&c));
        }
    }

    #[test]
    fn correct_input_earns_full_credit(body in body(), seed in any::<u64>()) {
        let q = question(body);
        let layout = Layout::shuffled(&q.body, &mut Seeded::new(seed));
        let view = View::new(&q, &layout);
        let response = view.parse(&view.correct_input()).unwrap();
        prop_assert_eq!(credit(&q.body, &response), Ok(1.0));
    }

    #[test]
    fn no_ordering_or_matching_layout_is_ever_solved(
        n in 2..9usize,
        extra in 0..3usize,
        key_seed in any::<u64>(),
        seed in any::<u64>(),
    ) {
        let key = Seeded::new(key_seed).permutation(n);
        let right: Vec<usize> = Seeded::new(key_seed ^ 1).permutation(n + extra)[..n].to_vec();
        for body in [
            Body::Ordering { items: options(n), answer: key.clone() },
            // The file's own order is the answer: the hardest case.
            Body::Ordering { items: options(n), answer: (0..n).collect() },
            Body::Matching { left: options(n), right: options(n + extra), answer: right.clone() },
            Body::Matching { left: options(n), right: options(n), answer: (0..n).collect() },
        ] {
            let q = question(body);
            for layout in [
                Layout::shuffled(&q.body, &mut Seeded::new(seed)),
                Layout::identity(&q.body).unsolved(&q.body),
            ] {
                prop_assert!(layout.fits(&q.body));
                prop_assert!(!layout.is_solved(&q.body), "{:?} {:?}", q.body, layout);
                // Left as shown, the answer is not fully right.
                let view = View::new(&q, &layout);
                let as_shown = match &q.body {
                    Body::Ordering { .. } => Response::Order(layout.options.clone()),
                    _ => Response::Pairs(as_shown_pairs(&layout)),
                };
                prop_assert!(credit(&q.body, &as_shown).unwrap() < 1.0, "{}", view.describe(&as_shown));
            }
        }
    }

    #[test]
    fn attempts_never_open_solved(seed in any::<u64>(), in_order in any::<bool>()) {
        let set = QuestionSet {
            format: 1,
            id: "s".into(),
            title: "S".into(),
            description: None,
            generated: None,
            scoring: ScoringPolicy::default(),
            questions: (2..7)
                .flat_map(|n| {
                    [
                        question(Body::Ordering { items: options(n), answer: (0..n).collect() }),
                        question(Body::Matching { left: options(n), right: options(n), answer: (0..n).collect() }),
                    ]
                })
                .collect(),
        };
        let attempt = Attempt::new(&set, AttemptOptions { seed, in_order, ..Default::default() }).unwrap();
        let retry = attempt.retry_missed(&set, seed).unwrap();
        for item in attempt.items.iter().chain(&retry.items) {
            prop_assert!(!item.layout.is_solved(&set.questions[item.index].body));
        }
    }
}

/// A matching left as shown: each left item with the right item across from it.
fn as_shown_pairs(layout: &Layout) -> Vec<usize> {
    let mut pairs = vec![0; layout.options.len()];
    for (p, &left) in layout.options.iter().enumerate() {
        pairs[left] = layout.right[p];
    }
    pairs
}
