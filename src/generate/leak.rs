//! The last guard before a question is kept: does what is shown before
//! answering give the answer away? Builders avoid leaks by construction where
//! they can; this catches the rest from the question alone, erring on the
//! side of dropping a question.

use crate::question::Body;

use super::index::{normalized, plain_normalized};

/// Whether the question shows its own answer: a correct option's words or
/// numbers in the prompt, a numeric answer in the prompt, the cloze answer
/// elsewhere in the cloze text, a date in an ordering item, or a matched
/// item in the item it is matched with.
pub(super) fn body_leaks(prompt: &str, body: &Body) -> bool {
    match body {
        Body::SingleChoice { options, answer } | Body::BeforeAfter { options, answer } => {
            options.get(*answer).is_some_and(|a| reveals(prompt, a))
        }
        Body::MultiSelect { options, answers } => answers
            .iter()
            .any(|&a| options.get(a).is_some_and(|a| reveals(prompt, a))),
        Body::Numeric { low, high, .. } => numbers(prompt).any(|n| (*low..=*high).contains(&n)),
        Body::TrueFalse { .. } => false,
        Body::Ordering { items, .. } => items.iter().any(|i| numbers(i).next().is_some()),
        Body::Matching {
            left,
            right,
            answer,
        } => left
            .iter()
            .zip(answer)
            .any(|(l, &r)| right.get(r).is_some_and(|r| reveals(l, r))),
        Body::Cloze { text, accept } => {
            let (before, after) = text.split_once("___").unwrap_or((text, ""));
            let shown = [prompt, before, after];
            names_first(&shown, accept) || contains_phrase(&shown, accept)
        }
    }
}

/// Whether a shown text gives away the first accepted answer of a cloze.
fn names_first(shown: &[&str], accept: &[String]) -> bool {
    accept
        .first()
        .is_some_and(|a| shown.iter().any(|s| reveals(s, a)))
}

/// A sentence about to be made into a cloze, with what the guard needs
/// prepared once for all the blanks tried in it.
pub(super) struct Sentence<'a> {
    prompt: &'a str,
    quote: &'a str,
    /// [`normalized`] prompt and quote, when the quote normalizes one
    /// character at a time (plain text): the normalized text before and
    /// after a blank are then slices of the normalized quote.
    plain: Option<(String, String)>,
}

impl<'a> Sentence<'a> {
    pub(super) fn new(prompt: &'a str, quote: &'a str) -> Sentence<'a> {
        let plain = if quote.contains("___") {
            None
        } else {
            plain_normalized(quote).map(|quote| (normalized(prompt), quote))
        };
        Sentence {
            prompt,
            quote,
            plain,
        }
    }

    pub(super) fn prompt(&self) -> &'a str {
        self.prompt
    }

    /// Whether blanking `quote[start..end]`, answered by `accept`, gives
    /// the answer away: what [`body_leaks`] finds in the finished cloze.
    pub(super) fn blank_leaks(&self, start: usize, end: usize, accept: &[String]) -> bool {
        let Some((prompt, quote)) = &self.plain else {
            let text = [&self.quote[..start], "___", &self.quote[end..]].concat();
            let body = Body::Cloze {
                text,
                accept: accept.to_vec(),
            };
            return body_leaks(self.prompt, &body);
        };
        let shown = [self.prompt, &self.quote[..start], &self.quote[end..]];
        if names_first(&shown, accept) {
            return true;
        }
        let kept = |text: &str| text.bytes().filter(u8::is_ascii_alphanumeric).count();
        let (before, after) = (
            &quote[..kept(&self.quote[..start])],
            &quote[kept(&self.quote[..end])..],
        );
        accept.iter().any(|p| {
            let p = normalized(p);
            !p.is_empty()
                && [prompt.as_str(), before, after]
                    .iter()
                    .any(|s| s.contains(&p))
        })
    }
}

/// Whether `shown` names an answer by any of its `names`: the guard above
/// sees only the name on the option, not an alias in the prompt
/// ("Which state spoke in “Capital's reply”?").
pub(super) fn names_any<'a>(shown: &str, mut names: impl Iterator<Item = &'a str>) -> bool {
    names.any(|n| reveals(shown, n))
}

/// Words too common in prompts to give anything away.
const COMMON: [&str; 14] = [
    "with", "from", "that", "this", "these", "which", "were", "what", "when", "over", "into",
    "than", "their", "between",
];

/// Whether `shown` gives `answer` away: one of the answer's numbers, or one of
/// its words sharing a stem with a shown word ("Vessmark" / "Vessmarker").
fn reveals(shown: &str, answer: &str) -> bool {
    let significant = |w: &&str| {
        char_count(w) >= 4
            && !w.starts_with(|c: char| c.is_ascii_digit())
            && !COMMON.iter().any(|c| c.eq_ignore_ascii_case(w))
    };
    numbers(answer).any(|n| numbers(shown).any(|m| m == n))
        || words(answer).filter(significant).any(|a| stem_in(shown, a))
}

/// Whether a word of `shown` shares a stem with `word`. Two such words
/// share at least their first four letters, so only the words of `shown`
/// that start with those are compared: most prompts have none.
fn stem_in(shown: &str, word: &str) -> bool {
    if !word.is_ascii() {
        return words(shown).any(|s| same_stem(s, word));
    }
    let probe = &word.as_bytes()[..4];
    let bytes = shown.as_bytes();
    let (lower, upper) = (probe[0].to_ascii_lowercase(), probe[0].to_ascii_uppercase());
    let starts = &bytes[..bytes.len().saturating_sub(3)];
    memchr::memchr2_iter(lower, upper, starts).any(|i| {
        // An ASCII match starts on a character boundary, so `shown[..i]` is safe.
        bytes[i..i + 4].eq_ignore_ascii_case(probe)
            && shown[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
            && same_stem(word_at(shown, i), word)
    })
}

/// The word of `text` that starts at byte `at`.
fn word_at(text: &str, at: usize) -> &str {
    let rest = &text[at..];
    &rest[..rest
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(rest.len())]
}

fn same_stem(shown: &str, answer: &str) -> bool {
    let n = char_count(shown);
    n >= 4 && (starts_with_ci(shown, answer) || (n >= 5 && starts_with_ci(answer, shown)))
}

fn char_count(w: &str) -> usize {
    if w.is_ascii() {
        w.len()
    } else {
        w.chars().count()
    }
}

fn starts_with_ci(word: &str, prefix: &str) -> bool {
    if word.is_ascii() && prefix.is_ascii() {
        word.len() >= prefix.len()
            && word.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    } else {
        word.to_lowercase().starts_with(&prefix.to_lowercase())
    }
}

/// Whether one of `phrases` appears in one of the `shown` texts as a cloze
/// compares them: without regard to case, spacing or punctuation, even
/// inside a longer name.
fn contains_phrase(shown: &[&str], phrases: &[String]) -> bool {
    let shown: Vec<String> = shown.iter().map(|s| normalized(s)).collect();
    phrases.iter().any(|p| {
        let p = normalized(p);
        !p.is_empty() && shown.iter().any(|s| s.contains(&p))
    })
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    let ascii = text.is_ascii();
    text.split(move |c: char| {
        if ascii {
            !c.is_ascii_alphanumeric()
        } else {
            !c.is_alphanumeric()
        }
    })
    .filter(|w| !w.is_empty())
}

/// The whole numbers in a text, with digit groups read as one: "30,000" is 30000.
pub(super) fn numbers(text: &str) -> impl Iterator<Item = i64> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && !bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let mut value: i64 = 0;
        loop {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                value = value
                    .saturating_mul(10)
                    .saturating_add(i64::from(bytes[i] - b'0'));
                i += 1;
            }
            let group = bytes
                .get(i + 1..i + 4)
                .is_some_and(|g| g.iter().all(u8::is_ascii_digit))
                && !bytes.get(i + 4).is_some_and(u8::is_ascii_digit);
            if bytes.get(i) == Some(&b',') && group {
                i += 1;
            } else {
                break;
            }
        }
        Some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(prompt: &str, answer: &str) -> bool {
        body_leaks(
            prompt,
            &Body::SingleChoice {
                options: vec!["x".into(), answer.into()],
                answer: 1,
            },
        )
    }

    #[test]
    fn names_and_stems_leak() {
        assert!(single("Who spoke in “Varga on the tolls”?", "Odile Varga"));
        assert!(single(
            "Which of these was a party to “Vessmarker readiness”?",
            "Vessmark"
        ));
        assert!(!single(
            "Who made the statement in “Readiness to recognise”?",
            "Bram Kessel"
        ));
    }

    #[test]
    fn numbers_leak() {
        assert_eq!(
            numbers("up to 30,000 people in 1994, not 1,2").collect::<Vec<_>>(),
            vec![30000, 1994, 1, 2]
        );
        assert!(single("What happened in 1994?", "1994"));
        let numeric = Body::Numeric {
            low: 1992,
            high: 1994,
            unit: None,
        };
        assert!(body_leaks(
            "In which year did the 1993 war take place?",
            &numeric
        ));
        assert!(!body_leaks(
            "In which year did the war take place?",
            &numeric
        ));
    }

    #[test]
    fn cloze_answer_elsewhere_leaks() {
        let cloze = |text: &str| Body::Cloze {
            text: text.into(),
            accept: vec!["Upper-Merrow".into(), "Merrow".into()],
        };
        assert!(body_leaks(
            "Fill in the blank.",
            &cloze("Floods in ___ and in Merrow.")
        ));
        assert!(!body_leaks(
            "Fill in the blank.",
            &cloze("Floods returned to ___.")
        ));
    }
}
