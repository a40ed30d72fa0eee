//! A question as one attempt shows it: options in the attempt's order,
//! labelled `a`, `b`, … (and `1`, `2`, … on the right of a matching), and the
//! typed answer syntax every front end shares.

use serde::{Deserialize, Serialize};

use super::grade::{Response, is_permutation};
use crate::question::{Body, Kind, Question};
use crate::seeded::Seeded;

/// Which stored option is shown at each position. `options[p]` is the stored
/// position shown at `p` (choices, ordering items, matching's left column);
/// `right` does the same for matching's right column.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Layout {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub right: Vec<usize>,
}

impl Layout {
    /// The file's own order.
    pub fn identity(body: &Body) -> Layout {
        let (n, m) = sizes(body);
        Layout {
            options: (0..n).collect(),
            right: (0..m).collect(),
        }
    }

    /// A random order, never one that answers the question by itself.
    pub fn shuffled(body: &Body, rng: &mut Seeded) -> Layout {
        let (n, m) = sizes(body);
        Layout {
            options: rng.permutation(n),
            right: rng.permutation(m),
        }
        .unsolved(body)
    }

    /// Whether the layout, left as shown, would be a fully correct answer:
    /// an ordering listed first to last, or a matching with every item
    /// across from its match. Other kinds never are: they start unanswered.
    pub fn is_solved(&self, body: &Body) -> bool {
        match body {
            Body::Ordering { answer, .. } => self.options.len() >= 2 && self.options == *answer,
            Body::Matching { answer, .. } => {
                self.options.len() >= 2
                    && self.options.len() <= self.right.len()
                    && self
                        .options
                        .iter()
                        .zip(&self.right)
                        .all(|(&left, &right)| answer.get(left) == Some(&right))
            }
            _ => false,
        }
    }

    /// This layout, or, when it is solved, the same one moved on by one
    /// place: a person who never touches the list must not be right. One
    /// place suffices: the items are distinct, so a rotation of two or more
    /// never lands on itself, and every left item loses its match.
    pub fn unsolved(mut self, body: &Body) -> Layout {
        if self.is_solved(body) {
            match body {
                Body::Matching { .. } => self.right.rotate_left(1),
                _ => self.options.rotate_left(1),
            }
        }
        self
    }

    /// Whether the layout fits the body, e.g. after a set was edited.
    pub fn fits(&self, body: &Body) -> bool {
        let (n, m) = sizes(body);
        is_permutation(&self.options, n) && is_permutation(&self.right, m)
    }
}

fn sizes(body: &Body) -> (usize, usize) {
    match body {
        Body::SingleChoice { options, .. }
        | Body::MultiSelect { options, .. }
        | Body::BeforeAfter { options, .. } => (options.len(), 0),
        Body::Ordering { items, .. } => (items.len(), 0),
        Body::Matching { left, right, .. } => (left.len(), right.len()),
        Body::TrueFalse { .. } | Body::Numeric { .. } | Body::Cloze { .. } => (0, 0),
    }
}

/// What a person typed that cannot be read as an answer. It is never graded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    pub message: String,
}

fn bad(message: impl Into<String>) -> InputError {
    InputError {
        message: message.into(),
    }
}

pub fn letter(p: usize) -> String {
    if p < 26 {
        ((b'a' + p as u8) as char).to_string()
    } else {
        format!("z{}", p - 25)
    }
}

fn letter_index(token: &str, n: usize) -> Result<usize, InputError> {
    let t = token.trim_matches(|c: char| c == '(' || c == ')' || c == '.' || c == ',');
    let mut chars = t.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => {
            let p = (c.to_ascii_lowercase() as u8 - b'a') as usize;
            if p < n {
                Ok(p)
            } else {
                Err(bad(format!(
                    "there is no option {c}; choose a to {}",
                    letter(n - 1)
                )))
            }
        }
        _ => Err(bad(format!("'{token}' is not an option letter"))),
    }
}

/// Splits "a c", "a,c" and "ac" alike into letters.
fn letters(input: &str) -> Vec<String> {
    let tokens: Vec<&str> = input
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.len() == 1 && tokens[0].chars().all(|c| c.is_ascii_alphabetic()) {
        tokens[0].chars().map(String::from).collect()
    } else {
        tokens.into_iter().map(String::from).collect()
    }
}

/// Reads a whole number written `30000`, `30,000`, `30 000` or `30_000`.
pub fn parse_number(input: &str) -> Result<i64, InputError> {
    let t = input.trim();
    let (negative, digits) = match t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(bad("type a whole number, such as 1994 or 30,000"));
    }
    let is_sep = |c: char| {
        matches!(
            c,
            ',' | ' ' | '_' | '\'' | '\u{a0}' | '\u{202f}' | '\u{2009}'
        )
    };
    let groups: Vec<&str> = digits.split(is_sep).collect();
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(bad("type a whole number, such as 1994 or 30,000"));
    }
    if groups.len() > 1 && (groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return Err(bad("digit groups must have three digits, as in 30,000"));
    }
    let joined: String = groups.concat();
    let value: i64 = joined
        .parse()
        .map_err(|_| bad("that number is too large"))?;
    Ok(if negative { -value } else { value })
}

/// A question seen through an attempt's layout.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub question: &'a Question,
    pub layout: &'a Layout,
}

impl<'a> View<'a> {
    pub fn new(question: &'a Question, layout: &'a Layout) -> View<'a> {
        View { question, layout }
    }

    pub fn kind(&self) -> Kind {
        self.question.kind()
    }

    /// Choices, ordering items or matching's left column, as shown.
    pub fn options(&self) -> Vec<&'a str> {
        let stored: &'a [String] = match &self.question.body {
            Body::SingleChoice { options, .. }
            | Body::MultiSelect { options, .. }
            | Body::BeforeAfter { options, .. } => options,
            Body::Ordering { items, .. } => items,
            Body::Matching { left, .. } => left,
            _ => &[],
        };
        self.layout
            .options
            .iter()
            .filter_map(|&i| stored.get(i).map(String::as_str))
            .collect()
    }

    /// Matching's right column, as shown.
    pub fn right(&self) -> Vec<&'a str> {
        match &self.question.body {
            Body::Matching { right, .. } => self
                .layout
                .right
                .iter()
                .filter_map(|&i| right.get(i).map(String::as_str))
                .collect(),
            _ => vec![],
        }
    }

    /// The cloze text with its blank, for a cloze.
    pub fn cloze_text(&self) -> Option<&'a str> {
        match &self.question.body {
            Body::Cloze { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn unit(&self) -> Option<&'a str> {
        match &self.question.body {
            Body::Numeric { unit, .. } => unit.as_deref(),
            _ => None,
        }
    }

    /// How to type an answer to this kind of question.
    pub fn hint(&self) -> String {
        let n = self.options().len();
        let last = if n > 0 { letter(n - 1) } else { "a".into() };
        match self.kind() {
            Kind::SingleChoice | Kind::BeforeAfter => format!("type one letter, a to {last}"),
            Kind::MultiSelect => {
                format!("type every letter that applies, such as: a c (a to {last})")
            }
            Kind::TrueFalse => "type t or f (true or false)".into(),
            Kind::Numeric => "type a whole number, such as 1994 or 30,000".into(),
            Kind::Ordering => format!(
                "type all {n} letters from first to last, such as: {}",
                example_order(n)
            ),
            Kind::Matching => format!(
                "pair each letter with a number, such as: {}",
                (0..n)
                    .map(|p| format!("{}{}", letter(p), (p + 1) % n.max(1) + 1))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Kind::Cloze => "type the missing word or words".into(),
        }
    }

    /// Reads typed input, in the attempt's labels, as a response in stored positions.
    pub fn parse(&self, input: &str) -> Result<Response, InputError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(bad("no answer given"));
        }
        let n = self.layout.options.len();
        let stored = |p: usize| self.layout.options[p];
        match &self.question.body {
            Body::SingleChoice { .. } | Body::BeforeAfter { .. } => {
                let ls = letters(input);
                if ls.len() != 1 {
                    return Err(bad("choose exactly one letter"));
                }
                Ok(Response::Choice(stored(letter_index(&ls[0], n)?)))
            }
            Body::MultiSelect { .. } => {
                let mut picks = Vec::new();
                for l in letters(input) {
                    let p = stored(letter_index(&l, n)?);
                    if !picks.contains(&p) {
                        picks.push(p);
                    }
                }
                picks.sort_unstable();
                Ok(Response::Choices(picks))
            }
            Body::TrueFalse { .. } => match input.to_ascii_lowercase().as_str() {
                "t" | "true" => Ok(Response::Bool(true)),
                "f" | "false" => Ok(Response::Bool(false)),
                _ => Err(bad("answer t or f")),
            },
            Body::Numeric { .. } => parse_number(input).map(Response::Number),
            Body::Ordering { .. } => {
                let mut order = Vec::new();
                for l in letters(input) {
                    order.push(stored(letter_index(&l, n)?));
                }
                if !is_permutation(&order, n) {
                    return Err(bad(format!(
                        "give each of the {n} letters exactly once, first to last"
                    )));
                }
                Ok(Response::Order(order))
            }
            Body::Matching { .. } => {
                let m = self.layout.right.len();
                let mut pairs: Vec<Option<usize>> = vec![None; n];
                for token in input
                    .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
                    .filter(|t| !t.is_empty())
                {
                    let token = token.replace(['-', '=', ':'], "");
                    let split = token.find(|c: char| c.is_ascii_digit()).ok_or_else(|| {
                        bad(format!("'{token}' needs a letter and a number, such as a2"))
                    })?;
                    let (l, num) = token.split_at(split);
                    let p = letter_index(l, n)?;
                    let r: usize = num
                        .parse()
                        .map_err(|_| bad(format!("'{num}' is not a number")))?;
                    if r == 0 || r > m {
                        return Err(bad(format!("there is no item {r}; choose 1 to {m}")));
                    }
                    if pairs[stored(p)].replace(self.layout.right[r - 1]).is_some() {
                        return Err(bad(format!("{l} is paired twice")));
                    }
                }
                let pairs: Option<Vec<usize>> = pairs.into_iter().collect();
                pairs.map(Response::Pairs).ok_or_else(|| {
                    bad(format!(
                        "pair every letter a to {}",
                        letter(n.saturating_sub(1))
                    ))
                })
            }
            Body::Cloze { .. } => Ok(Response::Text(input.to_string())),
        }
    }

    fn shown_at(positions: &[usize], stored: usize) -> usize {
        positions.iter().position(|&s| s == stored).unwrap_or(0)
    }

    /// The exact line that `parse` reads as the fully correct answer.
    pub fn correct_input(&self) -> String {
        let o = &self.layout.options;
        match &self.question.body {
            Body::SingleChoice { answer, .. } | Body::BeforeAfter { answer, .. } => {
                letter(Self::shown_at(o, *answer))
            }
            Body::MultiSelect { answers, .. } => {
                let mut ps: Vec<usize> = answers.iter().map(|a| Self::shown_at(o, *a)).collect();
                ps.sort_unstable();
                ps.into_iter().map(letter).collect::<Vec<_>>().join(" ")
            }
            Body::TrueFalse { answer } => answer.to_string(),
            Body::Numeric { low, .. } => low.to_string(),
            Body::Ordering { answer, .. } => answer
                .iter()
                .map(|a| letter(Self::shown_at(o, *a)))
                .collect::<Vec<_>>()
                .join(" "),
            Body::Matching { answer, .. } => (0..o.len())
                .map(|p| {
                    format!(
                        "{}{}",
                        letter(p),
                        Self::shown_at(&self.layout.right, answer[o[p]]) + 1
                    )
                })
                .collect::<Vec<_>>()
                .join(" "),
            Body::Cloze { accept, .. } => accept.first().cloned().unwrap_or_default(),
        }
    }

    /// The correct answer in words, for feedback.
    pub fn correct_answer(&self) -> String {
        let q = &self.question.body;
        match q {
            Body::Numeric { low, high, unit } => {
                let unit = unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
                if low == high {
                    format!("{}{unit}", group(*low))
                } else {
                    format!("any number from {} to {}{unit}", group(*low), group(*high))
                }
            }
            Body::Cloze { accept, .. } => accept.first().cloned().unwrap_or_default(),
            Body::TrueFalse { answer } => if *answer { "True" } else { "False" }.into(),
            _ => self.describe(
                &self
                    .parse(&self.correct_input())
                    .expect("correct input parses"),
            ),
        }
    }

    /// A response in words, with the attempt's labels: "b) 1994".
    pub fn describe(&self, response: &Response) -> String {
        let o = &self.layout.options;
        let label = |stored: usize| {
            let p = Self::shown_at(o, stored);
            format!(
                "{}) {}",
                letter(p),
                self.options().get(p).copied().unwrap_or("?")
            )
        };
        match response {
            Response::Choice(c) => label(*c),
            Response::Choices(cs) if cs.is_empty() => "nothing selected".into(),
            Response::Choices(cs) => {
                let mut ps: Vec<usize> = cs.iter().map(|c| Self::shown_at(o, *c)).collect();
                ps.sort_unstable();
                ps.into_iter()
                    .map(|p| label(o[p]))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
            Response::Bool(b) => if *b { "True" } else { "False" }.into(),
            Response::Number(n) => group(*n),
            Response::Order(order) => order
                .iter()
                .map(|i| label(*i))
                .collect::<Vec<_>>()
                .join(" → "),
            Response::Pairs(pairs) => {
                let right = self.right();
                (0..o.len())
                    .map(|p| {
                        let r = Self::shown_at(
                            &self.layout.right,
                            pairs.get(o[p]).copied().unwrap_or(usize::MAX),
                        );
                        format!(
                            "{} ↔ {}) {}",
                            label(o[p]),
                            r + 1,
                            right.get(r).copied().unwrap_or("?")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            }
            Response::Text(t) => t.clone(),
        }
    }
}

fn example_order(n: usize) -> String {
    (0..n).rev().map(letter).collect::<Vec<_>>().join(" ")
}

/// `30000` as `30,000`; years stay `1994`.
pub fn group(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    if digits.len() <= 4 {
        return n.to_string();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests;
