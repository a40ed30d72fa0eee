//! Parsing typed answers and laying out questions, case by case.

use super::*;
use crate::question::Difficulty;

fn q(body: Body) -> Question {
    Question {
        id: "q".into(),
        prompt: "?".into(),
        body,
        points: 1,
        difficulty: Difficulty::Easy,
        explanation: String::new(),
        events: vec![],
        source: None,
    }
}
fn opts(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("o{i}")).collect()
}

#[test]
fn numbers_in_every_written_form() {
    for (input, want) in [
        ("30000", Ok(30000)),
        ("30,000", Ok(30000)),
        ("30 000", Ok(30000)),
        ("30\u{a0}000", Ok(30000)),
        (" 1994 ", Ok(1994)),
        ("-5", Ok(-5)),
        ("1,234,567", Ok(1_234_567)),
    ] {
        assert_eq!(parse_number(input).map_err(|_| ()), want, "{input}");
    }
    for input in ["", "abc", "30.5", "3,00", "30,,000", "1e5", "12a"] {
        assert!(parse_number(input).is_err(), "{input} should not parse");
    }
}

#[test]
fn letters_map_through_the_layout() {
    let question = q(Body::SingleChoice {
        options: opts(4),
        answer: 1,
    });
    let layout = Layout {
        options: vec![3, 1, 0, 2],
        right: vec![],
    };
    let view = View::new(&question, &layout);
    assert_eq!(view.options(), vec!["o3", "o1", "o0", "o2"]);
    assert_eq!(view.parse("b").unwrap(), Response::Choice(1));
    assert_eq!(view.parse("A").unwrap(), Response::Choice(3));
    assert_eq!(view.correct_input(), "b");
    assert!(view.parse("e").is_err());
    assert!(view.parse("a b").is_err());
    assert!(view.parse("").is_err());
}

#[test]
fn correct_input_parses_to_the_answer_for_every_kind() {
    let bodies = vec![
        Body::SingleChoice {
            options: opts(4),
            answer: 2,
        },
        Body::MultiSelect {
            options: opts(5),
            answers: vec![1, 4],
        },
        Body::TrueFalse { answer: false },
        Body::Numeric {
            low: 29000,
            high: 31000,
            unit: None,
        },
        Body::Ordering {
            items: opts(4),
            answer: vec![3, 1, 0, 2],
        },
        Body::BeforeAfter {
            options: opts(2),
            answer: 1,
        },
        Body::Matching {
            left: opts(3),
            right: opts(3),
            answer: vec![2, 0, 1],
        },
        Body::Cloze {
            text: "x ___".into(),
            accept: vec!["Port Veyra".into()],
        },
    ];
    for body in bodies {
        let question = q(body);
        for seed in 0..5 {
            let layout = Layout::shuffled(&question.body, &mut Seeded::new(seed));
            let view = View::new(&question, &layout);
            let response = view.parse(&view.correct_input()).unwrap();
            assert_eq!(
                super::super::grade::credit(&question.body, &response),
                Ok(1.0),
                "{:?}",
                question.body
            );
        }
    }
}

#[test]
fn matching_and_ordering_syntax() {
    let question = q(Body::Matching {
        left: opts(3),
        right: opts(3),
        answer: vec![0, 1, 2],
    });
    let layout = Layout::identity(&question.body);
    let view = View::new(&question, &layout);
    assert_eq!(
        view.parse("a1 b2 c3").unwrap(),
        Response::Pairs(vec![0, 1, 2])
    );
    assert_eq!(
        view.parse("c3, a2 b1").unwrap(),
        Response::Pairs(vec![1, 0, 2])
    );
    assert!(view.parse("a1 b2").is_err());
    assert!(view.parse("a1 a2 c3").is_err());
    assert!(view.parse("a4 b2 c3").is_err());
    let question = q(Body::Ordering {
        items: opts(3),
        answer: vec![0, 1, 2],
    });
    let layout = Layout::identity(&question.body);
    let view = View::new(&question, &layout);
    assert_eq!(view.parse("c a b").unwrap(), Response::Order(vec![2, 0, 1]));
    assert_eq!(view.parse("cab").unwrap(), Response::Order(vec![2, 0, 1]));
    assert!(view.parse("c a").is_err());
    assert!(view.parse("c a a").is_err());
}

#[test]
fn a_solved_layout_moves_on_by_one_place() {
    let l = |options: &[usize], right: &[usize]| Layout {
        options: options.to_vec(),
        right: right.to_vec(),
    };
    let ordering = Body::Ordering {
        items: opts(3),
        answer: vec![2, 0, 1],
    };
    let matching = Body::Matching {
        left: opts(2),
        right: opts(3),
        answer: vec![2, 0],
    };
    for (body, layout, want) in [
        // Listed first to last: rotated.
        (&ordering, l(&[2, 0, 1], &[]), l(&[0, 1, 2], &[])),
        // Already unsolved: kept.
        (&ordering, l(&[0, 1, 2], &[]), l(&[0, 1, 2], &[])),
        // Each left item across from its match: the right column moves.
        (&matching, l(&[0, 1], &[2, 0, 1]), l(&[0, 1], &[0, 1, 2])),
        (&matching, l(&[1, 0], &[0, 2, 1]), l(&[1, 0], &[2, 1, 0])),
        (&matching, l(&[0, 1], &[0, 2, 1]), l(&[0, 1], &[0, 2, 1])),
    ] {
        assert_eq!(layout.clone().unsolved(body), want, "{layout:?}");
        assert!(!want.is_solved(body));
    }
    // One item cannot be out of order.
    let one = Body::Ordering {
        items: opts(1),
        answer: vec![0],
    };
    assert!(!Layout::identity(&one).is_solved(&one));
}

#[test]
fn grouping() {
    assert_eq!(group(30000), "30,000");
    assert_eq!(group(1994), "1994");
    assert_eq!(group(1234567), "1,234,567");
}
