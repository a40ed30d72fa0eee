//! A room's results, from the store: one row per player for the CSV, and
//! per-question statistics (facility, distribution of answers, mean time).
//! Built from what was written, so they are the same before and after a
//! restart and after the room has left memory.

use std::collections::HashMap;

use serde::Serialize;

use super::protocol::Bar;
use super::room::{Answered, distribution};
use super::util::csv_field;
use crate::engine::{Attempt, Response, Verdict};
use crate::question::QuestionSet;
use crate::store::live::{AnswerRow, StoredRoom};

/// What became of a player, as the CSV and the statistics say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The game has not ended and the player was not removed.
    Playing,
    /// Connected when the game ended.
    Finished,
    /// Not connected when the game ended.
    Left,
    /// Removed by the host.
    Kicked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Playing => "playing",
            Status::Finished => "finished",
            Status::Left => "left",
            Status::Kicked => "kicked",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PlayerResult {
    /// `None` for a player the host removed.
    pub rank: Option<u32>,
    pub nickname: String,
    pub score: i64,
    pub correct: u32,
    pub answered: u32,
    pub kicked: bool,
    pub status: Status,
    #[serde(skip)]
    pub answers: Vec<Option<AnswerRow>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionStats {
    pub q: usize,
    pub prompt: String,
    pub kind: String,
    pub correct_answer: String,
    pub answered: u32,
    pub correct: u32,
    pub partial: u32,
    pub incorrect: u32,
    pub no_answer: u32,
    /// Share of the room's players who answered fully right, 0 to 1.
    pub facility: f64,
    pub mean_time_ms: Option<u64>,
    pub distribution: Vec<Bar>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub code: String,
    pub title: String,
    pub phase: String,
    pub created_at_ms: i64,
    pub players: Vec<PlayerResult>,
    pub questions: Vec<QuestionStats>,
}

/// A stored verdict; an unknown word (a damaged row) counts as wrong.
fn verdict_of(s: &str) -> Verdict {
    s.parse().unwrap_or(Verdict::Incorrect)
}

pub fn build(stored: &StoredRoom, set: Option<&QuestionSet>) -> Results {
    let attempt: Option<Attempt> = crate::store::blob::decode(&stored.attempt_json).ok();
    let n = attempt.as_ref().map(|a| a.items.len()).unwrap_or_else(|| {
        stored
            .answers
            .iter()
            .map(|a| a.question as usize + 1)
            .max()
            .unwrap_or(0)
    });
    let mut by_player: HashMap<u32, Vec<Option<AnswerRow>>> = HashMap::new();
    for a in &stored.answers {
        if (a.question as usize) < n {
            by_player.entry(a.player).or_insert_with(|| vec![None; n])[a.question as usize] =
                Some(a.clone());
        }
    }
    let ended = stored.phase.phase == "ended";
    let mut players: Vec<PlayerResult> = stored
        .players
        .iter()
        .map(|p| {
            let answers = by_player.remove(&p.id).unwrap_or_else(|| vec![None; n]);
            let done = answers.iter().flatten();
            PlayerResult {
                rank: None,
                nickname: p.nickname.clone(),
                score: done.clone().map(|a| i64::from(a.points)).sum(),
                correct: done.clone().filter(|a| a.verdict == "correct").count() as u32,
                answered: done.count() as u32,
                kicked: p.kicked,
                status: match (p.kicked, ended, p.finished) {
                    (true, _, _) => Status::Kicked,
                    (false, false, _) => Status::Playing,
                    (false, true, true) => Status::Finished,
                    (false, true, false) => Status::Left,
                },
                answers,
            }
        })
        .collect();
    players.sort_by(|a, b| {
        a.kicked
            .cmp(&b.kicked)
            .then(b.score.cmp(&a.score))
            .then_with(|| a.nickname.to_lowercase().cmp(&b.nickname.to_lowercase()))
    });
    let mut rank = 0;
    let mut last = None;
    for (i, p) in players.iter_mut().enumerate() {
        if p.kicked {
            continue;
        }
        if last != Some(p.score) {
            rank = i as u32 + 1;
            last = Some(p.score);
        }
        p.rank = Some(rank);
    }
    let active: Vec<&PlayerResult> = players.iter().filter(|p| !p.kicked).collect();
    let questions = (0..n)
        .map(|q| {
            let view = match (&attempt, set) {
                (Some(a), Some(s)) => a.view(s, q).ok(),
                _ => None,
            };
            let rows: Vec<&AnswerRow> = active
                .iter()
                .filter_map(|p| p.answers[q].as_ref())
                .collect();
            let count = |v: &str| rows.iter().filter(|a| a.verdict == v).count() as u32;
            let answered = rows.len() as u32;
            let no_answer = active.len() as u32 - answered;
            let distribution = match &view {
                // With the question at hand, the same bars as the reveal.
                Some(view) => {
                    let responses: Vec<(Response, &AnswerRow)> = rows
                        .iter()
                        .filter_map(|a| Some((serde_json::from_str(&a.response_json).ok()?, *a)))
                        .collect();
                    let answered: Vec<Answered<'_>> = responses
                        .iter()
                        .map(|(r, a)| Answered {
                            response: r,
                            credit: a.credit,
                            verdict: verdict_of(&a.verdict),
                        })
                        .collect();
                    distribution(view, &answered, active.len() as u32)
                }
                // The set is gone: group the answers as they were described.
                None => {
                    let mut groups: HashMap<&str, (u32, bool)> = HashMap::new();
                    for a in &rows {
                        let e = groups
                            .entry(a.given.as_str())
                            .or_insert((0, a.verdict == "correct"));
                        e.0 += 1;
                    }
                    let mut bars: Vec<Bar> = groups
                        .into_iter()
                        .map(|(label, (count, correct))| Bar {
                            label: label.to_string(),
                            count,
                            correct: Some(correct),
                        })
                        .collect();
                    bars.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
                    bars.push(Bar {
                        label: "No answer".into(),
                        count: no_answer,
                        correct: None,
                    });
                    bars
                }
            };
            let correct = count("correct");
            QuestionStats {
                q,
                prompt: view
                    .map(|v| v.question.prompt.clone())
                    .unwrap_or_else(|| format!("Question {}", q + 1)),
                kind: view
                    .map(|v| v.kind().name().to_string())
                    .unwrap_or_default(),
                correct_answer: view.map(|v| v.correct_answer()).unwrap_or_default(),
                answered,
                correct,
                partial: count("partial"),
                incorrect: count("incorrect"),
                no_answer,
                facility: if active.is_empty() {
                    0.0
                } else {
                    f64::from(correct) / active.len() as f64
                },
                mean_time_ms: (answered > 0)
                    .then(|| rows.iter().map(|a| a.elapsed_ms).sum::<u64>() / u64::from(answered)),
                distribution,
            }
        })
        .collect();
    Results {
        code: stored.code.clone(),
        title: stored.set_title.clone(),
        phase: stored.phase.phase.clone(),
        created_at_ms: stored.created_at_ms,
        players,
        questions,
    }
}

/// One row per player: rank, nickname, score, then for each question the
/// answer given, its result, the points and the time in seconds. UTF-8 with
/// a byte-order mark, so spreadsheets read accented nicknames right.
pub fn csv(results: &Results) -> String {
    let n = results.questions.len();
    let mut out = String::from("\u{feff}");
    let mut header = vec![
        "rank".to_string(),
        "nickname".into(),
        "score".into(),
        "correct".into(),
        "answered".into(),
        "status".into(),
    ];
    for q in 1..=n {
        header.push(format!("q{q} answer"));
        header.push(format!("q{q} result"));
        header.push(format!("q{q} points"));
        header.push(format!("q{q} time (s)"));
    }
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for p in &results.players {
        let mut row = vec![
            p.rank.map(|r| r.to_string()).unwrap_or_default(),
            csv_field(&p.nickname),
            p.score.to_string(),
            p.correct.to_string(),
            p.answered.to_string(),
            p.status.as_str().to_string(),
        ];
        for a in &p.answers {
            match a {
                Some(a) => {
                    row.push(csv_field(&a.given));
                    row.push(a.verdict.clone());
                    row.push(a.points.to_string());
                    row.push(format!("{:.2}", a.elapsed_ms as f64 / 1000.0));
                }
                None => {
                    row.extend(["".into(), "no answer".into(), "0".into(), "".into()]);
                }
            }
        }
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}
