//! Question forms both ways: the control a question is shown with, and the
//! posted fields turned into the engine's typed-answer syntax (`b`, `a c`,
//! `t`, `1994`, `c a d b`, `a2 b1 c3`, free text). Nothing here grades.
//!
//! Two kinds of bad form are told apart. Fields the page could never have
//! sent (an option the question lacks, a position out of range) are a forged
//! form: a 400 page. A form left incomplete (nothing chosen, two items in one
//! place) is a person's slip: the question is shown again with a message.

use crate::engine::{View, letter};
use crate::question::Kind;

use super::pages::{ChoiceOption, ClozeText, Control, MatchChoice, MatchRow, OrderItem};
use crate::http::AppError;
use crate::http::form::FormData;

/// Longest text answer read; a cloze blank is a word or a few.
const TEXT_MAX: usize = 200;

/// What a person filled in, to show again when the answer could not be used.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Filled {
    pub choices: Vec<String>,
    pub text: String,
    /// 1-based position given to each item, in the order shown.
    pub positions: Vec<Option<usize>>,
    /// 1-based right-hand item chosen for each left-hand one.
    pub matches: Vec<Option<usize>>,
}

#[derive(Debug)]
pub struct ReadAnswer {
    pub filled: Filled,
    /// The typed-answer line for the engine, or what is missing.
    pub input: Result<String, Incomplete>,
}

/// A form left incomplete, a person's slip: what to tell them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Incomplete(pub String);

fn incomplete<T>(message: impl Into<String>) -> Result<T, Incomplete> {
    Err(Incomplete(message.into()))
}

fn forged(message: String) -> AppError {
    AppError::BadRequest(message)
}

/// A value from the form, short enough to quote back.
fn quote(value: &str) -> String {
    let mut s: String = value.chars().take(24).collect();
    if value.chars().count() > 24 {
        s.push('…');
    }
    s
}

fn letters(n: usize) -> Vec<String> {
    (0..n).map(letter).collect()
}

/// Reads a 1-based position in `1..=max` sent by a select.
fn position(name: &str, value: &str, max: usize) -> Result<usize, AppError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|p| (1..=max).contains(p))
        .ok_or_else(|| {
            forged(format!(
                "The form sent `{}` for `{name}`; it must be a number from 1 to {max}.",
                quote(value)
            ))
        })
}

fn required<'a>(form: &'a FormData, name: &str) -> Result<&'a str, AppError> {
    form.one(name)?
        .ok_or_else(|| forged(format!("The form has no `{name}` field.")))
}

pub fn read(view: &View, form: &FormData) -> Result<ReadAnswer, AppError> {
    let mut filled = Filled::default();
    let n = view.options().len();
    let input = match view.kind() {
        Kind::SingleChoice | Kind::BeforeAfter | Kind::TrueFalse | Kind::MultiSelect => {
            let allowed = if view.kind() == Kind::TrueFalse {
                vec!["t".to_string(), "f".to_string()]
            } else {
                letters(n)
            };
            for value in form.all("choice") {
                if !allowed.iter().any(|a| a == value) {
                    return Err(forged(format!(
                        "The form sent option `{}`, which this question does not have.",
                        quote(value)
                    )));
                }
                if !filled.choices.iter().any(|c| c == value) {
                    filled.choices.push(value.to_string());
                }
            }
            let multiple = view.kind() == Kind::MultiSelect;
            if !multiple && filled.choices.len() > 1 {
                return Err(forged(
                    "The form sent more than one option for a question with one answer.".into(),
                ));
            }
            match (filled.choices.is_empty(), view.kind()) {
                (true, Kind::TrueFalse) => incomplete("Choose True or False."),
                (true, Kind::MultiSelect) => incomplete("Choose at least one answer."),
                (true, _) => incomplete("Choose an answer."),
                (false, _) => Ok(filled.choices.join(" ")),
            }
        }
        Kind::Numeric => {
            let value = required(form, "number")?;
            filled.text = value.chars().take(TEXT_MAX).collect();
            if value.trim().is_empty() {
                incomplete("Type a number.")
            } else if value.chars().count() > TEXT_MAX {
                incomplete("That is too long to be a number.")
            } else {
                Ok(value.trim().to_string())
            }
        }
        Kind::Cloze => {
            let value = required(form, "text")?;
            filled.text = value.chars().take(TEXT_MAX).collect();
            if value.trim().is_empty() {
                incomplete("Type the missing word or words.")
            } else if value.chars().count() > TEXT_MAX {
                incomplete(format!(
                    "That answer is longer than {TEXT_MAX} characters; the blank takes a word or a few."
                ))
            } else {
                // One line: the engine reads the whole input as the text.
                Ok(value.split_whitespace().collect::<Vec<_>>().join(" "))
            }
        }
        Kind::Ordering => {
            let mut at: Vec<Option<String>> = vec![None; n];
            let mut clash = None;
            let mut missing = false;
            for (p, l) in letters(n).into_iter().enumerate() {
                let name = format!("position-{l}");
                let value = required(form, &name)?;
                // A menu left at "Choose…" is no answer: the list as shown
                // is never taken for the person's order.
                if value.is_empty() {
                    missing = true;
                    filled.positions.push(None);
                    continue;
                }
                let pos = position(&name, value, n)?;
                filled.positions.push(Some(pos));
                let slot = &mut at[pos - 1];
                if slot.is_some() {
                    clash.get_or_insert(pos);
                } else {
                    *slot = Some(letter(p));
                }
            }
            match (missing, clash) {
                (true, _) => incomplete(format!(
                    "Give every item a position, from 1 (first) to {n} (last)."
                )),
                (false, Some(pos)) => incomplete(format!(
                    "Two items are both in position {pos}. Give each item its own position, \
                     from 1 (first) to {n} (last)."
                )),
                (false, None) => Ok(at.into_iter().flatten().collect::<Vec<_>>().join(" ")),
            }
        }
        Kind::Matching => {
            let m = view.right().len();
            let mut pairs = Vec::new();
            let mut missing = false;
            for l in letters(n) {
                let name = format!("match-{l}");
                let value = required(form, &name)?;
                if value.is_empty() {
                    missing = true;
                    filled.matches.push(None);
                } else {
                    let r = position(&name, value, m)?;
                    filled.matches.push(Some(r));
                    pairs.push(format!("{l}{r}"));
                }
            }
            if missing {
                incomplete("Choose a match for every item.")
            } else {
                Ok(pairs.join(" "))
            }
        }
    };
    Ok(ReadAnswer { filled, input })
}

/// What to do, in words, for the kind of question.
pub fn instructions(view: &View) -> String {
    let n = view.options().len();
    match view.kind() {
        Kind::SingleChoice => "Choose one answer.".into(),
        Kind::BeforeAfter => "Choose the one that happened first.".into(),
        Kind::MultiSelect => "Choose every answer that applies.".into(),
        Kind::TrueFalse => "Is this true or false?".into(),
        Kind::Numeric => match view.unit() {
            Some(unit) => format!("Type a whole number ({unit}), such as 1994 or 30,000."),
            None => "Type a whole number, such as 1994 or 30,000.".into(),
        },
        Kind::Ordering => format!(
            "Put the items in order: give each one its position, from 1 (first) to {n} (last)."
        ),
        Kind::Matching => {
            "Match each item with one from the list: choose its number in the menu beside it."
                .into()
        }
        Kind::Cloze => "Type the missing word or words.".into(),
    }
}

/// The control for a question, filled in as the person left it, if at all.
pub fn control(view: &View, filled: Option<&Filled>) -> Control {
    let empty = Filled::default();
    let filled = filled.unwrap_or(&empty);
    let options = view.options();
    let n = options.len();
    match view.kind() {
        Kind::SingleChoice | Kind::BeforeAfter | Kind::MultiSelect => Control::Choice {
            multiple: view.kind() == Kind::MultiSelect,
            options: options
                .iter()
                .enumerate()
                .map(|(p, text)| {
                    let l = letter(p);
                    ChoiceOption {
                        id: format!("choice-{l}"),
                        checked: filled.choices.contains(&l),
                        value: l.clone(),
                        letter: Some(l),
                        text: text.to_string(),
                    }
                })
                .collect(),
        },
        Kind::TrueFalse => Control::Choice {
            multiple: false,
            options: [("t", "True"), ("f", "False")]
                .into_iter()
                .map(|(value, text)| ChoiceOption {
                    id: format!("choice-{value}"),
                    value: value.into(),
                    letter: None,
                    text: text.into(),
                    checked: filled.choices.iter().any(|c| c == value),
                })
                .collect(),
        },
        Kind::Numeric => Control::Number {
            unit: view.unit().map(str::to_string),
            value: filled.text.clone(),
        },
        Kind::Cloze => Control::Cloze {
            text: ClozeText::new(view.cloze_text().unwrap_or_default()),
            value: filled.text.clone(),
        },
        Kind::Ordering => Control::Ordering {
            items: options
                .iter()
                .enumerate()
                .map(|(p, text)| {
                    let l = letter(p);
                    // Blank until the person chooses: an untouched list is
                    // no answer, never the order as listed.
                    let chosen = filled.positions.get(p).copied().flatten();
                    OrderItem {
                        id: format!("position-{l}"),
                        letter: l,
                        text: text.to_string(),
                        positions: (1..=n).map(|k| (k, chosen == Some(k))).collect(),
                    }
                })
                .collect(),
        },
        Kind::Matching => {
            let right = view.right();
            Control::Matching {
                rows: options
                    .iter()
                    .enumerate()
                    .map(|(p, text)| {
                        let l = letter(p);
                        let chosen = filled.matches.get(p).copied().flatten();
                        MatchRow {
                            id: format!("match-{l}"),
                            letter: l,
                            text: text.to_string(),
                            choices: right
                                .iter()
                                .enumerate()
                                .map(|(r, t)| MatchChoice {
                                    value: r + 1,
                                    text: t.to_string(),
                                    selected: chosen == Some(r + 1),
                                })
                                .collect(),
                        }
                    })
                    .collect(),
                right: right.iter().map(|s| s.to_string()).collect(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Layout, Response};
    use crate::question::{Body, Difficulty, Question};

    fn question(body: Body) -> Question {
        Question {
            id: "q".into(),
            prompt: "?".into(),
            body,
            points: 1,
            difficulty: Difficulty::Easy,
            explanation: "because".into(),
            events: vec![],
            source: None,
        }
    }

    fn opts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("o{i}")).collect()
    }

    fn read_pairs(view: &View, pairs: &[(&str, &str)]) -> Result<ReadAnswer, AppError> {
        read(view, &FormData::from_pairs(pairs))
    }

    #[test]
    fn ordering_positions_become_a_letter_sequence() {
        let q = question(Body::Ordering {
            items: opts(3),
            answer: vec![0, 1, 2],
        });
        let layout = Layout {
            options: vec![2, 0, 1],
            right: vec![],
        };
        let view = View::new(&q, &layout);
        // Shown: a=o2, b=o0, c=o1. Positions: a last, b first, c second.
        let read = read_pairs(
            &view,
            &[
                ("position-a", "3"),
                ("position-b", "1"),
                ("position-c", "2"),
            ],
        )
        .unwrap();
        let input = read.input.unwrap();
        assert_eq!(input, "b c a");
        assert_eq!(view.parse(&input).unwrap(), Response::Order(vec![0, 1, 2]));

        let clash = read_pairs(
            &view,
            &[
                ("position-a", "1"),
                ("position-b", "1"),
                ("position-c", "2"),
            ],
        )
        .unwrap();
        assert!(clash.input.unwrap_err().0.contains("position 1"));

        // Menus left at their blank choice are no answer.
        let blank = read_pairs(
            &view,
            &[("position-a", ""), ("position-b", "1"), ("position-c", "")],
        )
        .unwrap();
        assert_eq!(
            blank.input.unwrap_err().0,
            "Give every item a position, from 1 (first) to 3 (last)."
        );
        assert_eq!(blank.filled.positions, vec![None, Some(1), None]);
        match control(&view, None) {
            Control::Ordering { items } => assert!(
                items.iter().all(|i| i.positions.iter().all(|(_, s)| !s)),
                "a fresh list has no position chosen"
            ),
            _ => panic!("an ordering is shown as an ordering"),
        }
        assert_eq!(clash.filled.positions, vec![Some(1), Some(1), Some(2)]);

        for bad in [
            &[
                ("position-a", "4"),
                ("position-b", "1"),
                ("position-c", "2"),
            ][..],
            &[
                ("position-a", "x"),
                ("position-b", "1"),
                ("position-c", "2"),
            ],
            &[("position-b", "1"), ("position-c", "2")],
        ] {
            assert!(matches!(
                read_pairs(&view, bad),
                Err(AppError::BadRequest(_))
            ));
        }
    }

    #[test]
    fn matching_selects_become_pairs() {
        let q = question(Body::Matching {
            left: opts(2),
            right: opts(3),
            answer: vec![0, 1],
        });
        let layout = Layout::identity(&q.body);
        let view = View::new(&q, &layout);
        let read = read_pairs(&view, &[("match-a", "3"), ("match-b", "1")]).unwrap();
        assert_eq!(read.input.unwrap(), "a3 b1");
        let partial = read_pairs(&view, &[("match-a", ""), ("match-b", "1")]).unwrap();
        assert!(partial.input.is_err());
        assert_eq!(partial.filled.matches, vec![None, Some(1)]);
        assert!(read_pairs(&view, &[("match-a", "4"), ("match-b", "1")]).is_err());
    }

    #[test]
    fn choices_are_checked_against_the_question() {
        let q = question(Body::MultiSelect {
            options: opts(3),
            answers: vec![0],
        });
        let layout = Layout::identity(&q.body);
        let view = View::new(&q, &layout);
        let read = read_pairs(&view, &[("choice", "c"), ("choice", "a")]).unwrap();
        assert_eq!(read.input.unwrap(), "c a");
        assert!(read_pairs(&view, &[]).unwrap().input.is_err());
        assert!(read_pairs(&view, &[("choice", "d")]).is_err());
        assert!(read_pairs(&view, &[("choice", "a b")]).is_err());

        let q = question(Body::SingleChoice {
            options: opts(3),
            answer: 0,
        });
        let view = View::new(&q, &layout);
        assert!(read_pairs(&view, &[("choice", "a"), ("choice", "b")]).is_err());
        let q = question(Body::TrueFalse { answer: true });
        let layout = Layout::identity(&q.body);
        let view = View::new(&q, &layout);
        assert_eq!(
            read_pairs(&view, &[("choice", "f")])
                .unwrap()
                .input
                .unwrap(),
            "f"
        );
        assert!(read_pairs(&view, &[("choice", "a")]).is_err());
    }

    #[test]
    fn text_answers_are_one_line() {
        let q = question(Body::Cloze {
            text: "The ___ pass".into(),
            accept: vec!["Veyra".into()],
        });
        let layout = Layout::identity(&q.body);
        let view = View::new(&q, &layout);
        let read = read_pairs(&view, &[("text", "  Vey\nra ")]).unwrap();
        assert_eq!(read.input.unwrap(), "Vey ra");
        assert!(read_pairs(&view, &[("text", "  ")]).unwrap().input.is_err());
        assert!(read_pairs(&view, &[]).is_err());
        let long = "x".repeat(TEXT_MAX + 1);
        assert!(
            read_pairs(&view, &[("text", &long)])
                .unwrap()
                .input
                .is_err()
        );
    }
}
