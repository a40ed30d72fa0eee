//! Scoring a closed question: streaks, shared ranks, the top ten, and the
//! bars of its answers. The reveal and the results page both use
//! [`distribution`], so they always agree.

use std::collections::HashMap;

use axum::extract::ws::Utf8Bytes;

use super::{Game, Slot, TOP, text};
use crate::engine::{Response, Verdict, View, group, letter, normalize_text};
use crate::live::protocol::{Bar, Entry, ServerMsg};
use crate::question::Body;

impl Game {
    /// Scores the closed question `q`: streaks, ranks, and (when `build`)
    /// the reveal message, numbered as the phase it opens. `build` is false
    /// while replaying earlier questions after a restart.
    pub(super) fn score_question(&mut self, q: usize, build: bool) -> Utf8Bytes {
        let mut times = 0u64;
        let mut answered = 0u32;
        let mut correct = 0u32;
        for p in self.players.iter_mut().filter(|p| p.active()) {
            match &p.answers[q] {
                Slot::Done(d) => {
                    answered += 1;
                    times += d.elapsed_ms;
                    if d.credit >= 1.0 {
                        correct += 1;
                        p.streak += 1;
                    } else {
                        p.streak = 0;
                    }
                }
                _ => p.streak = 0,
            }
        }
        self.rank();
        if !build {
            return Utf8Bytes::from_static("");
        }
        let view = self.quiz.view(q);
        let msg = text(&ServerMsg::Reveal {
            seq: self.seq,
            q,
            of: self.quiz.questions(),
            prompt: view.question.prompt.clone(),
            correct: view.correct_answer(),
            explanation: view.question.explanation.clone(),
            source: view.question.source.as_deref().map(String::from),
            distribution: self.bars(q),
            answered,
            players: self.active,
            facility: if self.active > 0 {
                f64::from(correct) / f64::from(self.active)
            } else {
                0.0
            },
            mean_time_ms: (answered > 0).then(|| times / u64::from(answered)),
            last: q + 1 >= self.quiz.questions(),
        });
        self.reveal_msg = Some(msg.clone());
        self.leaderboard_msg = None;
        msg
    }

    /// One sort per reveal: ranks shared on ties (1, 2, 2, 4) and the top ten.
    pub(super) fn rank(&mut self) {
        let mut order: Vec<(i64, u32)> = self
            .players
            .iter()
            .enumerate()
            .filter(|(_, p)| p.active())
            .map(|(id, p)| (p.score, id as u32))
            .collect();
        order.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut rank = 0u32;
        let mut last = None;
        for (i, (score, id)) in order.iter().enumerate() {
            if last != Some(*score) {
                rank = i as u32 + 1;
                last = Some(*score);
            }
            self.players[*id as usize].rank = Some(rank);
        }
        self.top = order
            .iter()
            .take(TOP)
            .map(|(score, id)| {
                let p = &self.players[*id as usize];
                Entry {
                    rank: p.rank.unwrap_or(0),
                    nickname: p.nickname.to_string(),
                    score: *score,
                }
            })
            .collect();
    }

    fn bars(&self, q: usize) -> Vec<Bar> {
        let done: Vec<Answered<'_>> = self
            .players
            .iter()
            .filter(|p| p.active())
            .filter_map(|p| match &p.answers[q] {
                Slot::Done(d) => Some(Answered {
                    response: &d.response,
                    credit: d.credit,
                    verdict: d.verdict,
                }),
                _ => None,
            })
            .collect();
        distribution(&self.quiz.view(q), &done, self.active)
    }
}

/// An answer as the statistics see it.
pub struct Answered<'a> {
    pub response: &'a Response,
    pub credit: f64,
    pub verdict: Verdict,
}

/// The bars of a question's answers: one per option for choices (a
/// multiple-select bar counts everyone who ticked it), True and False, the
/// five commonest numbers or texts and "Other answers", or verdicts for
/// orderings and matchings; "No answer" last. The reveal and the results
/// page both use it, so they always agree.
pub fn distribution(view: &View<'_>, done: &[Answered<'_>], players: u32) -> Vec<Bar> {
    let none = players.saturating_sub(done.len() as u32);
    let options = view.options();
    let mut bars = match &view.question.body {
        Body::SingleChoice { answer, .. } | Body::BeforeAfter { answer, .. } => view
            .layout
            .options
            .iter()
            .enumerate()
            .map(|(p, &stored)| Bar {
                label: format!("{}) {}", letter(p), options[p]),
                count: done
                    .iter()
                    .filter(|d| *d.response == Response::Choice(stored))
                    .count() as u32,
                correct: Some(stored == *answer),
            })
            .collect(),
        Body::MultiSelect { answers, .. } => view
            .layout
            .options
            .iter()
            .enumerate()
            .map(|(p, &stored)| Bar {
                label: format!("{}) {}", letter(p), options[p]),
                count: done
                    .iter()
                    .filter(|d| matches!(&d.response, Response::Choices(c) if c.contains(&stored)))
                    .count() as u32,
                correct: Some(answers.contains(&stored)),
            })
            .collect(),
        Body::TrueFalse { answer } => [true, false]
            .into_iter()
            .map(|b| Bar {
                label: if b { "True" } else { "False" }.into(),
                count: done
                    .iter()
                    .filter(|d| *d.response == Response::Bool(b))
                    .count() as u32,
                correct: Some(b == *answer),
            })
            .collect(),
        Body::Numeric { .. } | Body::Cloze { .. } => {
            // The most common answers, then the rest together.
            let mut counts: HashMap<String, (String, u32, bool)> = HashMap::new();
            for d in done {
                let (key, label) = match d.response {
                    Response::Number(n) => (n.to_string(), group(*n)),
                    Response::Text(t) => (normalize_text(t), t.trim().to_string()),
                    other => (format!("{other:?}"), view.describe(other)),
                };
                let e = counts.entry(key).or_insert((label, 0, d.credit >= 1.0));
                e.1 += 1;
            }
            let mut all: Vec<(String, u32, bool)> = counts.into_values().collect();
            all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let rest: u32 = all.iter().skip(5).map(|e| e.1).sum();
            let mut bars: Vec<Bar> = all
                .into_iter()
                .take(5)
                .map(|(label, count, correct)| Bar {
                    label,
                    count,
                    correct: Some(correct),
                })
                .collect();
            if rest > 0 {
                bars.push(Bar {
                    label: "Other answers".into(),
                    count: rest,
                    correct: Some(false),
                });
            }
            bars
        }
        Body::Ordering { .. } | Body::Matching { .. } => {
            [Verdict::Correct, Verdict::Partial, Verdict::Incorrect]
                .into_iter()
                .map(|v| Bar {
                    label: v.label().into(),
                    count: done.iter().filter(|d| d.verdict == v).count() as u32,
                    correct: Some(v == Verdict::Correct),
                })
                .collect()
        }
    };
    bars.push(Bar {
        label: "No answer".into(),
        count: none,
        correct: None,
    });
    bars
}
