//! The pages, as askama templates (in `web/templates`, escaped by default)
//! and the plain data they show. Handlers work everything out; templates
//! only lay it out.

use askama::Template;

use crate::engine::Verdict;

pub use crate::http::page::Chrome;

pub struct SetCard {
    pub href: String,
    pub title: String,
    pub description: Option<String>,
    pub questions: usize,
    pub kinds: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub sets: Vec<SetCard>,
}

pub struct KindChoice {
    pub name: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "start.html")]
pub struct StartPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub action: String,
    pub title: String,
    pub description: Option<String>,
    pub total: usize,
    pub kinds: Vec<KindChoice>,
    pub count: String,
    pub timer_on: bool,
    pub minutes: String,
    pub error: Option<String>,
    /// Which field the error is about, for `aria-describedby`.
    pub error_field: &'static str,
}

pub struct ChoiceOption {
    pub id: String,
    pub value: String,
    /// The letter the feedback uses for it; none for true or false.
    pub letter: Option<String>,
    pub text: String,
    pub checked: bool,
}

pub struct OrderItem {
    pub id: String,
    pub letter: String,
    pub text: String,
    /// 1-based positions, with the one shown as selected.
    pub positions: Vec<(usize, bool)>,
}

pub struct MatchRow {
    pub id: String,
    pub letter: String,
    pub text: String,
    pub choices: Vec<MatchChoice>,
}

pub struct MatchChoice {
    pub value: usize,
    pub text: String,
    pub selected: bool,
}

/// A cloze sentence around its blank.
pub struct ClozeText {
    pub before: String,
    pub after: String,
}

impl ClozeText {
    pub fn new(text: &str) -> ClozeText {
        let (before, after) = text.split_once("___").unwrap_or((text, ""));
        ClozeText {
            before: before.to_string(),
            after: after.to_string(),
        }
    }
}

/// The answer control of a question page.
pub enum Control {
    Choice {
        multiple: bool,
        options: Vec<ChoiceOption>,
    },
    Number {
        unit: Option<String>,
        value: String,
    },
    Ordering {
        items: Vec<OrderItem>,
    },
    Matching {
        rows: Vec<MatchRow>,
        right: Vec<String>,
    },
    Cloze {
        text: ClozeText,
        value: String,
    },
}

pub struct TimerView {
    pub remaining_ms: i64,
    pub remaining: String,
    pub ends_at: String,
    pub ends_iso: String,
    pub action: String,
}

#[derive(Template)]
#[template(path = "question.html")]
pub struct QuestionPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub action: String,
    pub results_href: String,
    pub set_title: String,
    pub number: usize,
    pub total: usize,
    pub answered: usize,
    pub prompt: String,
    pub kind_label: &'static str,
    pub kind_name: &'static str,
    pub points: String,
    pub points_noun: &'static str,
    pub instructions: String,
    pub control: Control,
    pub error: Option<String>,
    pub timer: Option<TimerView>,
}

/// An answered question's feedback, as the engine gave it.
pub struct FeedbackView {
    /// Its name is a class (`verdict-correct`), never the only sign.
    pub verdict: Verdict,
    pub verdict_label: &'static str,
    pub points: String,
    pub max_points: String,
    pub points_noun: &'static str,
    pub given: String,
    pub correct_answer: String,
    pub explanation: String,
    pub source: Option<String>,
}

impl FeedbackView {
    pub fn icon(&self) -> &'static str {
        match self.verdict {
            Verdict::Correct => "✓",
            Verdict::Partial => "◐",
            Verdict::Incorrect => "✗",
        }
    }
}

#[derive(Template)]
#[template(path = "feedback.html")]
pub struct FeedbackPage {
    pub chrome: Chrome,
    pub set_title: String,
    pub number: usize,
    pub total: usize,
    pub answered: usize,
    pub prompt: String,
    pub cloze: Option<ClozeText>,
    pub kind_label: &'static str,
    pub fb: FeedbackView,
    pub next_href: String,
    pub next_label: &'static str,
    pub results_href: String,
}

pub struct ReviewItem {
    pub number: usize,
    pub prompt: String,
    pub cloze: Option<ClozeText>,
    pub kind_label: &'static str,
    /// `None` when the question was not answered: then nothing about its
    /// answer is shown.
    pub feedback: Option<FeedbackView>,
    pub href: String,
}

#[derive(Template)]
#[template(path = "results.html")]
pub struct ResultsPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub set_title: String,
    pub start_href: Option<String>,
    pub score: String,
    pub max_score: String,
    pub percent: i64,
    pub total: usize,
    pub answered: usize,
    pub correct: usize,
    pub partial: usize,
    pub incorrect: usize,
    pub finished: bool,
    pub expired: bool,
    pub duration: Option<String>,
    pub continue_href: String,
    pub retry_action: String,
    pub missed: usize,
    pub can_retry: bool,
    pub is_retry: bool,
    pub review: Vec<ReviewItem>,
}

pub struct HistoryRow {
    pub href: String,
    pub set_title: String,
    pub started_iso: String,
    pub started: String,
    pub status: &'static str,
    pub progress: String,
    pub score: String,
    pub action: &'static str,
    pub is_retry: bool,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub chrome: Chrome,
    pub rows: Vec<HistoryRow>,
}
