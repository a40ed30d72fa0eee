//! Question sets: what `generate` writes, what people edit by hand, and what
//! the engine runs. Options are stored in the order they are shown with
//! `--in-order`; the answer refers to them by position (0-based).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The question-set format this build reads and writes.
pub const SET_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionSet {
    /// Format version; see [`SET_FORMAT`].
    pub format: u32,
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Present when the set was generated: `quizline check` regenerates it
    /// from this dataset and seed and fails if the file differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Provenance>,
    #[serde(default, skip_serializing_if = "ScoringPolicy::is_default")]
    pub scoring: ScoringPolicy,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The dataset's path, relative to the question set's file.
    pub dataset: String,
    pub seed: u64,
    pub generator: String,
}

/// How answers turn into points. Every field has a default, so a set may
/// write only what it changes: `scoring: (negative_marking: true)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoringPolicy {
    /// Multiple-select, ordering and matching earn a share of their points.
    pub partial_credit: bool,
    /// A wrong answer costs `penalty` times the question's points.
    pub negative_marking: bool,
    pub penalty: f64,
}

impl Default for ScoringPolicy {
    fn default() -> Self {
        ScoringPolicy {
            partial_credit: true,
            negative_marking: false,
            penalty: 0.25,
        }
    }
}

impl ScoringPolicy {
    pub fn is_default(&self) -> bool {
        *self == ScoringPolicy::default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable id derived from the question's content.
    pub id: String,
    pub prompt: String,
    pub body: Body,
    #[serde(default = "one")]
    pub points: u32,
    pub difficulty: Difficulty,
    /// Shown after the question is answered, never before.
    pub explanation: String,
    /// Ids of the dataset events the question was made from (shared, as
    /// the source is, among an event's questions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Arc<str>>,
    /// The source sentence(s), verbatim; shown after answering. Shared:
    /// an event's questions all quote the same sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Arc<str>>,
}

fn one() -> u32 {
    1
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    /// `easy`, `medium`, `hard`, as shown and in JSON output.
    pub fn label(self) -> &'static str {
        self.into()
    }
}

/// A question's options and its answer. Indices are 0-based positions in the
/// lists stored here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Body {
    SingleChoice {
        options: Vec<String>,
        answer: usize,
    },
    MultiSelect {
        options: Vec<String>,
        answers: Vec<usize>,
    },
    TrueFalse {
        answer: bool,
    },
    /// A whole number; any answer from `low` to `high` inclusive is right.
    Numeric {
        low: i64,
        high: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    /// `answer` lists the positions of `items` from first to last.
    Ordering {
        items: Vec<String>,
        answer: Vec<usize>,
    },
    /// Which of two events came first; `answer` is the position of the earlier.
    BeforeAfter {
        options: Vec<String>,
        answer: usize,
    },
    /// `answer[i]` is the position in `right` that matches `left[i]`.
    Matching {
        left: Vec<String>,
        right: Vec<String>,
        answer: Vec<usize>,
    },
    /// `text` holds one blank written `___`; any of `accept` fills it,
    /// compared without regard to case, diacritics, spacing or punctuation.
    Cloze {
        text: String,
        accept: Vec<String>,
    },
}

/// The kinds of question, for filtering (`--kinds`) and display. Its name
/// ([`Kind::as_str`], `FromStr`, `Display`) is the one on the command line,
/// in JSON and in URLs: `single-choice`, `before-after`, …
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case", ascii_case_insensitive)]
pub enum Kind {
    SingleChoice,
    MultiSelect,
    TrueFalse,
    Numeric,
    Ordering,
    BeforeAfter,
    Matching,
    Cloze,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::SingleChoice,
        Kind::MultiSelect,
        Kind::TrueFalse,
        Kind::Numeric,
        Kind::Ordering,
        Kind::BeforeAfter,
        Kind::Matching,
        Kind::Cloze,
    ];

    /// The name used on the command line, in JSON and in URLs.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Same as [`Kind::as_str`]; the live code still calls it.
    pub fn name(self) -> &'static str {
        self.as_str()
    }

    /// A human label: "Multiple choice", "Fill in the blank".
    pub fn label(self) -> &'static str {
        match self {
            Kind::SingleChoice => "Multiple choice",
            Kind::MultiSelect => "Select all that apply",
            Kind::TrueFalse => "True or false",
            Kind::Numeric => "Number",
            Kind::Ordering => "Put in order",
            Kind::BeforeAfter => "Which came first",
            Kind::Matching => "Matching",
            Kind::Cloze => "Fill in the blank",
        }
    }

    /// Reads a name as people type it: any case, `_` for `-`, spaces around.
    pub fn parse(name: &str) -> Option<Kind> {
        name.trim().replace('_', "-").parse().ok()
    }
}

impl Body {
    pub fn kind(&self) -> Kind {
        match self {
            Body::SingleChoice { .. } => Kind::SingleChoice,
            Body::MultiSelect { .. } => Kind::MultiSelect,
            Body::TrueFalse { .. } => Kind::TrueFalse,
            Body::Numeric { .. } => Kind::Numeric,
            Body::Ordering { .. } => Kind::Ordering,
            Body::BeforeAfter { .. } => Kind::BeforeAfter,
            Body::Matching { .. } => Kind::Matching,
            Body::Cloze { .. } => Kind::Cloze,
        }
    }
}

impl Question {
    pub fn kind(&self) -> Kind {
        self.body.kind()
    }
}

impl QuestionSet {
    pub fn kinds(&self) -> Vec<Kind> {
        let mut kinds: Vec<Kind> = self.questions.iter().map(Question::kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    pub fn max_score(&self) -> u64 {
        self.questions.iter().map(|q| u64::from(q.points)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_the_variants_in_kebab_case() {
        use crate::dataset::{AgreementStage, EventKind, Role};
        assert_eq!(Difficulty::Medium.label(), "medium");
        assert_eq!(EventKind::Hostilities.label(), "hostilities");
        assert_eq!(Role::Spokesperson.label(), "spokesperson");
        assert_eq!(AgreementStage::PreNegotiation.label(), "pre-negotiation");
    }

    #[test]
    fn kind_names_are_the_serde_names_and_read_as_typed() {
        for k in Kind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(k.to_string(), k.as_str());
            assert_eq!(k.as_str().parse::<Kind>(), Ok(k));
        }
        for (typed, want) in [
            ("multi-select", Some(Kind::MultiSelect)),
            (" Before_After ", Some(Kind::BeforeAfter)),
            ("CLOZE", Some(Kind::Cloze)),
            ("essay", None),
            ("", None),
        ] {
            assert_eq!(Kind::parse(typed), want, "{typed:?}");
        }
    }
}
