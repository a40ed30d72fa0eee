//! Grading: a response against a question's answer, under a scoring policy.
//! Responses here use stored positions; [`super::input`] maps what a person
//! typed or clicked onto them.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::question::{Body, Question, ScoringPolicy};

/// An answer, in the positions of the question as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum Response {
    Choice(usize),
    Choices(Vec<usize>),
    Bool(bool),
    Number(i64),
    /// Item positions from first to last.
    Order(Vec<usize>),
    /// `pairs[i]` is the right-hand position chosen for left item `i`.
    Pairs(Vec<usize>),
    Text(String),
}

/// Its name ([`Verdict::as_str`], `FromStr`) is the one in JSON, in the
/// store and in CSS classes: `correct`, `partial`, `incorrect`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Verdict {
    Correct,
    Partial,
    Incorrect,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Said in words, never only by colour.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Correct => "Correct",
            Verdict::Partial => "Partly correct",
            Verdict::Incorrect => "Incorrect",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    /// Share of the answer that was right, 0 to 1, before the policy applies.
    pub credit: f64,
    pub verdict: Verdict,
    /// Points awarded under the policy; negative with negative marking.
    pub points: f64,
    pub max_points: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    #[error("a {expected} question cannot take this kind of answer")]
    WrongShape { expected: &'static str },
    #[error("position {0} is not one of the question's options")]
    OutOfRange(usize),
    #[error("{0}")]
    Incomplete(String),
}

/// Grades `response` for `question`. Never panics: a response of the wrong
/// shape or with positions out of range is an error, not a wrong answer.
pub fn grade(
    question: &Question,
    response: &Response,
    policy: &ScoringPolicy,
) -> Result<Grade, GradeError> {
    let credit = credit(&question.body, response)?;
    Ok(apply_policy(credit, f64::from(question.points), policy))
}

/// The share of the answer that is right, 0 to 1.
pub fn credit(body: &Body, response: &Response) -> Result<f64, GradeError> {
    let shape = || GradeError::WrongShape {
        expected: body.kind().as_str(),
    };
    let in_range = |i: usize, n: usize| {
        if i < n {
            Ok(i)
        } else {
            Err(GradeError::OutOfRange(i))
        }
    };
    match (body, response) {
        (Body::SingleChoice { options, answer }, Response::Choice(c))
        | (Body::BeforeAfter { options, answer }, Response::Choice(c)) => {
            in_range(*c, options.len())?;
            Ok(if c == answer { 1.0 } else { 0.0 })
        }
        (Body::TrueFalse { answer }, Response::Bool(b)) => Ok(if b == answer { 1.0 } else { 0.0 }),
        (Body::MultiSelect { options, answers }, Response::Choices(picks)) => {
            let mut picks = picks.clone();
            picks.sort_unstable();
            picks.dedup();
            for p in &picks {
                in_range(*p, options.len())?;
            }
            let right = picks.iter().filter(|p| answers.contains(p)).count() as f64;
            let wrong = picks.len() as f64 - right;
            let total = answers.len().max(1) as f64;
            Ok(((right - wrong) / total).clamp(0.0, 1.0))
        }
        (Body::Numeric { low, high, .. }, Response::Number(n)) => {
            Ok(if (*low..=*high).contains(n) { 1.0 } else { 0.0 })
        }
        (Body::Ordering { items, answer }, Response::Order(order)) => {
            let n = items.len();
            if !is_permutation(order, n) {
                return Err(GradeError::Incomplete(format!(
                    "give each of the {n} items exactly once"
                )));
            }
            // Share of pairs the response puts in the right relative order.
            let mut rank = vec![0; n];
            for (r, &item) in answer.iter().enumerate() {
                if item < n {
                    rank[item] = r;
                }
            }
            let pairs = n * (n - 1) / 2;
            if pairs == 0 {
                return Ok(1.0);
            }
            let mut right = 0;
            for i in 0..n {
                for j in i + 1..n {
                    if rank[order[i]] < rank[order[j]] {
                        right += 1;
                    }
                }
            }
            Ok(right as f64 / pairs as f64)
        }
        (
            Body::Matching {
                left,
                right,
                answer,
            },
            Response::Pairs(pairs),
        ) => {
            if pairs.len() != left.len() {
                return Err(GradeError::Incomplete(format!(
                    "match each of the {} items",
                    left.len()
                )));
            }
            for p in pairs {
                in_range(*p, right.len())?;
            }
            let hits = pairs.iter().zip(answer).filter(|(a, b)| a == b).count();
            Ok(hits as f64 / left.len().max(1) as f64)
        }
        (Body::Cloze { accept, .. }, Response::Text(text)) => {
            let given = normalize_text(text);
            Ok(
                if !given.is_empty() && accept.iter().any(|a| normalize_text(a) == given) {
                    1.0
                } else {
                    0.0
                },
            )
        }
        _ => Err(shape()),
    }
}

pub fn apply_policy(credit: f64, max_points: f64, policy: &ScoringPolicy) -> Grade {
    let credit = if credit.is_finite() {
        credit.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let verdict = if credit >= 1.0 {
        Verdict::Correct
    } else if credit > 0.0 {
        Verdict::Partial
    } else {
        Verdict::Incorrect
    };
    let earned = if verdict == Verdict::Partial && !policy.partial_credit {
        0.0
    } else {
        credit
    };
    let points = if earned == 0.0 && policy.negative_marking {
        -policy.penalty.max(0.0) * max_points
    } else {
        earned * max_points
    };
    Grade {
        credit,
        verdict,
        points: round2(points),
        max_points,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Whether `order` holds each of `0..n` exactly once.
pub fn is_permutation(order: &[usize], n: usize) -> bool {
    if order.len() != n {
        return false;
    }
    let mut seen = vec![false; n];
    for &i in order {
        if i >= n || seen[i] {
            return false;
        }
        seen[i] = true;
    }
    true
}

/// Text as compared for a cloze: letters and digits only, lower case, with
/// diacritics, spacing and punctuation gone ("Nova-Estrela" = "nova estrela").
pub fn normalize_text(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::question::Difficulty;

    fn question(body: Body, points: u32) -> Question {
        Question {
            id: "q".into(),
            prompt: "?".into(),
            body,
            points,
            difficulty: Difficulty::Easy,
            explanation: String::new(),
            events: vec![],
            source: None,
        }
    }

    fn check(body: Body, response: Response, expected_credit: f64) {
        let got = credit(&body, &response).unwrap();
        assert!(
            (got - expected_credit).abs() < 1e-9,
            "{body:?} {response:?}: got {got}, want {expected_credit}"
        );
    }

    fn opts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("o{i}")).collect()
    }

    #[test]
    fn single_choice_and_true_false_are_exact() {
        check(
            Body::SingleChoice {
                options: opts(4),
                answer: 2,
            },
            Response::Choice(2),
            1.0,
        );
        check(
            Body::SingleChoice {
                options: opts(4),
                answer: 2,
            },
            Response::Choice(1),
            0.0,
        );
        check(
            Body::BeforeAfter {
                options: opts(2),
                answer: 0,
            },
            Response::Choice(0),
            1.0,
        );
        check(
            Body::TrueFalse { answer: false },
            Response::Bool(false),
            1.0,
        );
        check(Body::TrueFalse { answer: false }, Response::Bool(true), 0.0);
    }

    #[test]
    fn multi_select_is_right_minus_wrong_floored() {
        let body = || Body::MultiSelect {
            options: opts(5),
            answers: vec![0, 2, 4],
        };
        check(body(), Response::Choices(vec![0, 2, 4]), 1.0);
        check(body(), Response::Choices(vec![0, 2]), 2.0 / 3.0);
        check(body(), Response::Choices(vec![0, 2, 1]), 1.0 / 3.0);
        check(body(), Response::Choices(vec![0, 1, 3]), 0.0);
        check(body(), Response::Choices(vec![]), 0.0);
        // Picking everything is not a way to score.
        check(body(), Response::Choices(vec![0, 1, 2, 3, 4]), 1.0 / 3.0);
        // Repeats count once.
        check(body(), Response::Choices(vec![0, 0, 0]), 1.0 / 3.0);
    }

    #[test]
    fn ordering_is_share_of_pairs() {
        let body = || Body::Ordering {
            items: opts(4),
            answer: vec![2, 0, 3, 1],
        };
        check(body(), Response::Order(vec![2, 0, 3, 1]), 1.0);
        check(body(), Response::Order(vec![1, 3, 0, 2]), 0.0);
        // One adjacent swap breaks one pair of six.
        check(body(), Response::Order(vec![0, 2, 3, 1]), 5.0 / 6.0);
        assert!(credit(&body(), &Response::Order(vec![2, 0, 3])).is_err());
        assert!(credit(&body(), &Response::Order(vec![2, 2, 3, 1])).is_err());
    }

    #[test]
    fn matching_is_share_of_pairs_right() {
        let body = || Body::Matching {
            left: opts(3),
            right: opts(3),
            answer: vec![1, 2, 0],
        };
        check(body(), Response::Pairs(vec![1, 2, 0]), 1.0);
        check(body(), Response::Pairs(vec![1, 0, 2]), 1.0 / 3.0);
        check(body(), Response::Pairs(vec![0, 1, 2]), 0.0);
        assert_eq!(
            credit(&body(), &Response::Pairs(vec![1, 2, 9])),
            Err(GradeError::OutOfRange(9))
        );
    }

    #[test]
    fn numeric_accepts_the_whole_range() {
        let body = || Body::Numeric {
            low: 1992,
            high: 1994,
            unit: None,
        };
        check(body(), Response::Number(1992), 1.0);
        check(body(), Response::Number(1994), 1.0);
        check(body(), Response::Number(1995), 0.0);
        check(body(), Response::Number(1991), 0.0);
    }

    #[test]
    fn cloze_ignores_case_diacritics_spacing() {
        let body = || Body::Cloze {
            text: "___".into(),
            accept: vec!["Nova-Estrela".into(), "Estrela".into()],
        };
        check(body(), Response::Text("nova estrela".into()), 1.0);
        check(body(), Response::Text("  NOVA-ESTRELA ".into()), 1.0);
        check(body(), Response::Text("Estréla".into()), 1.0);
        check(body(), Response::Text("Ostland".into()), 0.0);
        check(body(), Response::Text("".into()), 0.0);
    }

    /// One name per variant, the same in JSON, in the store and in `FromStr`.
    #[test]
    fn names_are_the_serde_names() {
        use super::super::live::SpeedRule;
        use strum::VariantArray;
        for v in Verdict::VARIANTS {
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
            assert_eq!(v.as_str().parse::<Verdict>(), Ok(*v));
        }
        for r in SpeedRule::VARIANTS {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(r.as_str().parse::<SpeedRule>(), Ok(*r));
        }
        assert!("Correct!".parse::<Verdict>().is_err());
    }

    #[test]
    fn wrong_shape_is_an_error_not_a_panic() {
        let body = Body::TrueFalse { answer: true };
        assert!(credit(&body, &Response::Choice(0)).is_err());
        let body = Body::SingleChoice {
            options: opts(2),
            answer: 0,
        };
        assert_eq!(
            credit(&body, &Response::Choice(7)),
            Err(GradeError::OutOfRange(7))
        );
    }

    #[test]
    fn policy_partial_and_negative() {
        let q = question(
            Body::MultiSelect {
                options: opts(4),
                answers: vec![0, 1],
            },
            2,
        );
        let half = Response::Choices(vec![0]);
        let default = ScoringPolicy::default();
        let g = grade(&q, &half, &default).unwrap();
        assert_eq!(
            (g.verdict, g.points, g.max_points),
            (Verdict::Partial, 1.0, 2.0)
        );
        let no_partial = ScoringPolicy {
            partial_credit: false,
            ..ScoringPolicy::default()
        };
        assert_eq!(grade(&q, &half, &no_partial).unwrap().points, 0.0);
        let negative = ScoringPolicy {
            negative_marking: true,
            penalty: 0.5,
            ..ScoringPolicy::default()
        };
        assert_eq!(
            grade(&q, &Response::Choices(vec![2]), &negative)
                .unwrap()
                .points,
            -1.0
        );
        assert_eq!(
            grade(&q, &Response::Choices(vec![0, 1]), &negative)
                .unwrap()
                .points,
            2.0
        );
    }
}
