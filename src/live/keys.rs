//! A room's answer key, for its host only: for each question, a line the
//! typed syntax reads as fully right and one it reads as wrong. Simulated
//! students use it to answer with a chosen accuracy.

use serde::{Deserialize, Serialize};

use crate::engine::{Attempt, View, letter};
use crate::question::{Body, QuestionSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub q: usize,
    pub kind: String,
    pub correct: String,
    pub wrong: String,
}

pub fn answer_key(set: &QuestionSet, attempt: &Attempt) -> Vec<KeyEntry> {
    (0..attempt.items.len())
        .filter_map(|q| {
            let view = attempt.view(set, q).ok()?;
            Some(KeyEntry {
                q,
                kind: view.kind().name().into(),
                correct: view.correct_input(),
                wrong: wrong_input(&view),
            })
        })
        .collect()
}

fn shown_at(positions: &[usize], stored: usize) -> usize {
    positions.iter().position(|&s| s == stored).unwrap_or(0)
}

/// An answer that earns nothing where the question allows one (a
/// multiple-select whose every option is right cannot be answered wholly
/// wrong; the answer given then earns the least it can).
pub fn wrong_input(view: &View<'_>) -> String {
    let o = &view.layout.options;
    match &view.question.body {
        Body::SingleChoice { answer, .. } | Body::BeforeAfter { answer, .. } => {
            let right = shown_at(o, *answer);
            letter(if right == 0 { 1 } else { 0 })
        }
        Body::MultiSelect { answers, .. } => {
            match (0..o.len()).find(|p| !answers.contains(&o[*p])) {
                Some(p) => letter(p),
                None => letter(0),
            }
        }
        Body::TrueFalse { answer } => (!answer).to_string(),
        Body::Numeric { high, .. } => high.saturating_add(1).to_string(),
        Body::Ordering { answer, .. } => answer
            .iter()
            .rev()
            .map(|a| letter(shown_at(o, *a)))
            .collect::<Vec<_>>()
            .join(" "),
        Body::Matching { answer, .. } => {
            let m = view.layout.right.len().max(1);
            (0..o.len())
                .map(|p| {
                    let right = shown_at(&view.layout.right, answer[o[p]]);
                    format!("{}{}", letter(p), (right + 1) % m + 1)
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        Body::Cloze { accept, .. } => {
            let taken = |s: &str| {
                accept
                    .iter()
                    .any(|a| crate::engine::normalize_text(a) == crate::engine::normalize_text(s))
            };
            ["zzzz", "not this", "qqqq"]
                .into_iter()
                .find(|s| !taken(s))
                .unwrap_or("zzzz")
                .to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{AttemptOptions, credit};

    #[test]
    fn key_lines_grade_right_and_wrong_for_every_kind() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/live-mixed.ron");
        let (set, _) = crate::files::load_set(&path).unwrap();
        for seed in 0..20 {
            let attempt = Attempt::new(
                &set,
                AttemptOptions {
                    seed,
                    ..Default::default()
                },
            )
            .unwrap();
            let key = answer_key(&set, &attempt);
            assert_eq!(key.len(), set.questions.len());
            for k in key {
                let view = attempt.view(&set, k.q).unwrap();
                let right = view.parse(&k.correct).unwrap();
                let wrong = view.parse(&k.wrong).unwrap();
                assert_eq!(credit(&view.question.body, &right).unwrap(), 1.0, "{k:?}");
                assert_eq!(credit(&view.question.body, &wrong).unwrap(), 0.0, "{k:?}");
            }
        }
    }
}
