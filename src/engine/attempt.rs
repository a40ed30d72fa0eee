//! An attempt: which questions, in which order, with which option order, and
//! what was answered. It is plain data, so a store can keep it and a front end
//! can replay it; it does no I/O and reads no clock (times are passed in).

use serde::{Deserialize, Serialize};

use super::grade::{Grade, GradeError, Response, Verdict, grade};
use super::view::{InputError, Layout, View};
use crate::question::{Kind, QuestionSet};
use crate::seeded::Seeded;

/// What to ask, chosen before an attempt starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptOptions {
    /// At most this many questions; all that match when `None`.
    pub count: Option<usize>,
    /// Only these kinds; every kind when empty.
    pub kinds: Vec<Kind>,
    pub seed: u64,
    /// Keep the file's order of questions and options.
    pub in_order: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub set_id: String,
    pub options: AttemptOptions,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub question_id: String,
    /// Position of the question in its set when the attempt was made.
    pub index: usize,
    pub layout: Layout,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// What was typed or submitted, as given.
    pub input: String,
    pub response: Response,
    pub grade: Grade,
    /// Milliseconds since the Unix epoch, as the caller's clock said.
    pub answered_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AttemptError {
    #[error("no question in the set matches the chosen kinds")]
    NoQuestions,
    #[error("there is no question {0} in this attempt")]
    NoSuchItem(usize),
    #[error("question {0} has already been answered")]
    AlreadyAnswered(usize),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Grade(#[from] GradeError),
    #[error("the question set changed since this attempt began")]
    SetChanged,
}

/// After one answer: what to tell the person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    pub verdict: Verdict,
    pub points: f64,
    pub max_points: f64,
    pub given: String,
    pub correct_answer: String,
    pub explanation: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub score: f64,
    pub max_score: f64,
    pub answered: usize,
    pub total: usize,
    pub correct: usize,
    pub partial: usize,
    pub incorrect: usize,
}

impl Attempt {
    pub fn new(set: &QuestionSet, options: AttemptOptions) -> Result<Attempt, AttemptError> {
        let mut indices: Vec<usize> = (0..set.questions.len())
            .filter(|&i| {
                options.kinds.is_empty() || options.kinds.contains(&set.questions[i].kind())
            })
            .collect();
        if indices.is_empty() {
            return Err(AttemptError::NoQuestions);
        }
        let mut rng = Seeded::derive(options.seed, "attempt");
        if !options.in_order {
            rng.shuffle(&mut indices);
        }
        if let Some(count) = options.count {
            indices.truncate(count.max(1));
        }
        let items = indices
            .into_iter()
            .map(|index| {
                let question = &set.questions[index];
                // The file's order too may be the answer of a hand-written set.
                let layout = if options.in_order {
                    Layout::identity(&question.body).unsolved(&question.body)
                } else {
                    Layout::shuffled(&question.body, &mut rng)
                };
                Item {
                    question_id: question.id.clone(),
                    index,
                    layout,
                    outcome: None,
                }
            })
            .collect();
        Ok(Attempt {
            set_id: set.id.clone(),
            options,
            items,
        })
    }

    /// A retry of the questions not answered fully right, in a fresh order.
    pub fn retry_missed(&self, set: &QuestionSet, seed: u64) -> Result<Attempt, AttemptError> {
        let missed: Vec<&Item> = self
            .items
            .iter()
            .filter(|i| {
                i.outcome
                    .as_ref()
                    .is_none_or(|o| o.grade.verdict != Verdict::Correct)
            })
            .collect();
        if missed.is_empty() {
            return Err(AttemptError::NoQuestions);
        }
        let mut rng = Seeded::derive(seed, "retry");
        let mut items: Vec<Item> = missed
            .into_iter()
            .map(|i| {
                let question = &set.questions[i.index];
                Item {
                    question_id: i.question_id.clone(),
                    index: i.index,
                    layout: Layout::shuffled(&question.body, &mut rng),
                    outcome: None,
                }
            })
            .collect();
        rng.shuffle(&mut items);
        let options = AttemptOptions {
            count: None,
            kinds: vec![],
            seed,
            in_order: false,
        };
        Ok(Attempt {
            set_id: self.set_id.clone(),
            options,
            items,
        })
    }

    /// Checks that the set still holds the questions this attempt was made
    /// from, at the same places and with the same shape.
    pub fn matches(&self, set: &QuestionSet) -> bool {
        self.set_id == set.id
            && self.items.iter().all(|i| {
                set.questions
                    .get(i.index)
                    .is_some_and(|q| q.id == i.question_id && i.layout.fits(&q.body))
            })
    }

    pub fn view<'a>(&'a self, set: &'a QuestionSet, n: usize) -> Result<View<'a>, AttemptError> {
        let item = self.items.get(n).ok_or(AttemptError::NoSuchItem(n))?;
        let question = set
            .questions
            .get(item.index)
            .filter(|q| q.id == item.question_id)
            .ok_or(AttemptError::SetChanged)?;
        Ok(View::new(question, &item.layout))
    }

    /// The first question not yet answered.
    pub fn current(&self) -> Option<usize> {
        self.items.iter().position(|i| i.outcome.is_none())
    }

    pub fn is_finished(&self) -> bool {
        self.current().is_none()
    }

    /// Reads, grades and records an answer to item `n`. A second answer to
    /// the same item is refused and changes nothing; input that cannot be
    /// read is refused and is not counted.
    pub fn answer(
        &mut self,
        set: &QuestionSet,
        n: usize,
        input: &str,
        now_ms: i64,
    ) -> Result<&Outcome, AttemptError> {
        let view = self.view(set, n)?;
        if self.items[n].outcome.is_some() {
            return Err(AttemptError::AlreadyAnswered(n));
        }
        let response = view.parse(input)?;
        let grade = grade(view.question, &response, &set.scoring)?;
        let outcome = Outcome {
            input: input.trim().to_string(),
            response,
            grade,
            answered_at_ms: now_ms,
        };
        Ok(self.items[n].outcome.insert(outcome))
    }

    /// What to show after item `n` was answered; `None` before that, so no
    /// answer, explanation or source can be shown early by mistake.
    pub fn feedback(&self, set: &QuestionSet, n: usize) -> Option<Feedback> {
        let outcome = self.items.get(n)?.outcome.as_ref()?;
        let view = self.view(set, n).ok()?;
        Some(Feedback {
            verdict: outcome.grade.verdict,
            points: outcome.grade.points,
            max_points: outcome.grade.max_points,
            given: view.describe(&outcome.response),
            correct_answer: view.correct_answer(),
            explanation: view.question.explanation.clone(),
            source: view.question.source.as_deref().map(String::from),
        })
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            score: 0.0,
            max_score: 0.0,
            answered: 0,
            total: self.items.len(),
            correct: 0,
            partial: 0,
            incorrect: 0,
        };
        for item in &self.items {
            if let Some(o) = &item.outcome {
                s.answered += 1;
                s.score += o.grade.points;
                s.max_score += o.grade.max_points;
                match o.grade.verdict {
                    Verdict::Correct => s.correct += 1,
                    Verdict::Partial => s.partial += 1,
                    Verdict::Incorrect => s.incorrect += 1,
                }
            }
        }
        s.score = (s.score * 100.0).round() / 100.0;
        s
    }

    /// The maximum over every item, answered or not.
    pub fn max_score(&self, set: &QuestionSet) -> f64 {
        self.items
            .iter()
            .filter_map(|i| set.questions.get(i.index))
            .map(|q| f64::from(q.points))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::question::{Body, Difficulty, Question, ScoringPolicy};

    fn set() -> QuestionSet {
        let q = |id: &str, body: Body| Question {
            id: id.into(),
            prompt: format!("prompt {id}"),
            body,
            points: 1,
            difficulty: Difficulty::Easy,
            explanation: format!("because {id}"),
            events: vec![],
            source: Some("quote".into()),
        };
        QuestionSet {
            format: 1,
            id: "s".into(),
            title: "S".into(),
            description: None,
            generated: None,
            scoring: ScoringPolicy::default(),
            questions: vec![
                q("a", Body::TrueFalse { answer: true }),
                q(
                    "b",
                    Body::SingleChoice {
                        options: vec!["x".into(), "y".into(), "z".into()],
                        answer: 1,
                    },
                ),
                q(
                    "c",
                    Body::Numeric {
                        low: 10,
                        high: 12,
                        unit: None,
                    },
                ),
            ],
        }
    }

    #[test]
    fn same_seed_same_attempt() {
        let s = set();
        let a = Attempt::new(
            &s,
            AttemptOptions {
                seed: 9,
                ..Default::default()
            },
        )
        .unwrap();
        let b = Attempt::new(
            &s,
            AttemptOptions {
                seed: 9,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a, b);
        let in_order = Attempt::new(
            &s,
            AttemptOptions {
                in_order: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            in_order.items.iter().map(|i| i.index).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn kinds_and_count_filter() {
        let s = set();
        let a = Attempt::new(
            &s,
            AttemptOptions {
                kinds: vec![Kind::Numeric],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a.items.len(), 1);
        assert_eq!(a.items[0].question_id, "c");
        let a = Attempt::new(
            &s,
            AttemptOptions {
                count: Some(2),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a.items.len(), 2);
        assert_eq!(
            Attempt::new(
                &s,
                AttemptOptions {
                    kinds: vec![Kind::Cloze],
                    ..Default::default()
                }
            ),
            Err(AttemptError::NoQuestions)
        );
    }

    #[test]
    fn answers_are_graded_once_and_bad_input_is_not_counted() {
        let s = set();
        let mut a = Attempt::new(
            &s,
            AttemptOptions {
                in_order: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(a.feedback(&s, 0).is_none(), "no feedback before answering");
        assert!(matches!(
            a.answer(&s, 0, "maybe", 1),
            Err(AttemptError::Input(_))
        ));
        assert_eq!(a.current(), Some(0));
        assert_eq!(
            a.answer(&s, 0, "t", 2).unwrap().grade.verdict,
            Verdict::Correct
        );
        assert!(matches!(
            a.answer(&s, 0, "f", 3),
            Err(AttemptError::AlreadyAnswered(0))
        ));
        assert_eq!(a.items[0].outcome.as_ref().unwrap().input, "t");
        a.answer(&s, 1, "a", 4).unwrap();
        a.answer(&s, 2, "11", 5).unwrap();
        let summary = a.summary();
        assert_eq!(
            (
                summary.score,
                summary.max_score,
                summary.correct,
                summary.incorrect
            ),
            (2.0, 3.0, 2, 1)
        );
        let fb = a.feedback(&s, 1).unwrap();
        assert_eq!(fb.correct_answer, "b) y");
        assert_eq!(fb.explanation, "because b");
        let retry = a.retry_missed(&s, 1).unwrap();
        assert_eq!(
            retry
                .items
                .iter()
                .map(|i| i.question_id.as_str())
                .collect::<Vec<_>>(),
            vec!["b"]
        );
    }
}
