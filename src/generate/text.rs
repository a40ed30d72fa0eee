//! Phrasing shared by the builders: dates as a sentence says them, figures,
//! roles, lists of names, and the dated sentence every explanation ends with.

use std::fmt;
use std::sync::Arc;

use crate::dataset::{CasualtyKind, DateBasis, Event, Qualifier, Quantity, Role};
use crate::date::{Date, Part};

use super::index::datable;

/// A text in quotation marks, written straight into the text around it.
pub(super) fn quoted(s: &str) -> Quoted<'_> {
    Quoted(s)
}

pub(super) struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("“")?;
        f.write_str(self.0)?;
        f.write_str("”")
    }
}

/// A date as the tail of a sentence: "in 1994", "on 2 September 1991",
/// "in late September 2020", "from 1992 to 1994", "at the end of 2023".
pub(super) fn when(date: &Date) -> String {
    let lead = match date {
        Date::Day { .. } => "on ",
        Date::Month {
            part: Some(Part::End),
            ..
        }
        | Date::Year {
            part: Some(Part::End),
            ..
        } => "at ",
        Date::Range { start, end } => {
            let mut out = String::from("from ");
            start.write_display(&mut out);
            out.push_str(" to ");
            end.write_display(&mut out);
            return out;
        }
        _ => "in ",
    };
    let mut out = String::with_capacity(32);
    out.push_str(lead);
    date.write_display(&mut out);
    out
}

/// The sentence that ends every explanation: when the event took place, at
/// the date's own precision, and how the date was read when the source does
/// not state it whole. A date placed only by context is not stated as a fact.
pub(super) fn dated(ev: &Event) -> String {
    if !datable(ev) {
        return cat!("The source does not date “", ev.title, "”.");
    }
    let mut s = cat!(
        "According to the source, “",
        ev.title,
        "” took place ",
        when(&ev.date),
        "."
    );
    if let Some(note) = &ev.date_note {
        s.push_str(" The date is read from context: ");
        s.push_str(&first_sentence(note));
    }
    s
}

/// A date for a list of events, marked when it is read from context.
/// Only for events whose date may be stated.
pub(super) fn listed_date(ev: &Event) -> ListedDate<'_> {
    ListedDate(ev)
}

pub(super) struct ListedDate<'a>(&'a Event);

impl fmt::Display for ListedDate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut date = String::with_capacity(24);
        push_listed_date(&mut date, self.0);
        f.write_str(&date)
    }
}

/// [`listed_date`], appended to `out`.
pub(super) fn push_listed_date(out: &mut String, ev: &Event) {
    ev.date.write_display(out);
    if read_from_context(ev) {
        out.push('*');
    }
}

fn read_from_context(ev: &Event) -> bool {
    ev.date_basis == DateBasis::Resolved || ev.date_note.is_some()
}

/// Appended to an explanation that lists dates with [`listed_date`].
pub(super) fn note_mark(events: &[&Event]) -> &'static str {
    if events.iter().any(|e| read_from_context(e)) {
        " Dates marked * are read from the source's context rather than stated in it."
    } else {
        ""
    }
}

/// The first sentence of a note, so that an explanation mentions it briefly.
/// A full stop inside a quotation does not end the sentence.
pub(super) fn first_sentence(text: &str) -> String {
    const MAX: usize = 240;
    let mut quoted = false;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut end = text.len();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let next_is_space = chars.get(k + 1).is_none_or(|&(_, n)| n.is_whitespace());
        match c {
            '"' | '“' | '”' => {
                let closes = quoted;
                quoted = !quoted;
                if closes && next_is_space && text[..i].ends_with('.') {
                    end = i + c.len_utf8();
                    break;
                }
            }
            '.' if !quoted && next_is_space => {
                end = i + 1;
                break;
            }
            _ => {}
        }
    }
    let sentence = text[..end].trim();
    if sentence.chars().count() <= MAX {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':']))
}

/// A count as options and sentences write it: `30,000`, `1,500`, `12`.
pub(super) fn figure(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A quantity as the source qualifies it: "up to 30,000", "between 1,000 and 2,000".
pub(super) fn amount(q: &Quantity) -> Option<String> {
    let f = |n: Option<u64>| n.map(figure);
    Some(match q.qualifier {
        Qualifier::Exact => f(q.headline())?,
        Qualifier::Approximately => format!("about {}", f(q.best)?),
        Qualifier::UpTo => format!("up to {}", f(q.high)?),
        Qualifier::AtLeast => format!("at least {}", f(q.low)?),
        Qualifier::Between => format!("between {} and {}", f(q.low)?, f(q.high)?),
    })
}

pub(super) fn casualty_verb(kind: CasualtyKind) -> &'static str {
    match kind {
        CasualtyKind::Deaths => "died",
        CasualtyKind::Wounded => "were wounded",
        CasualtyKind::Displaced => "were displaced",
        CasualtyKind::Prisoners => "were taken prisoner",
    }
}

/// What an actor in a role did, for one actor and for several.
pub(super) fn role_phrase(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Party => ("was a party to", "were parties to"),
        Role::Mediator => ("mediated", "mediated"),
        Role::Signatory => ("signed", "signed"),
        Role::Supporter => ("supported", "supported"),
        Role::Spokesperson => ("spoke as spokesperson on", "spoke as spokespeople on"),
        Role::Speaker => ("made the statement in", "made the statement in"),
        Role::Subject => ("was the subject of", "were the subjects of"),
        Role::Peacekeeper => ("served as peacekeepers in", "served as peacekeepers in"),
    }
}

/// "A", "A and B", "A, B and C".
pub(super) fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The quotes of several events, each once, in order.
pub(super) fn join_quotes(events: &[&Event]) -> Option<Arc<str>> {
    let mut quotes: Vec<&str> = Vec::with_capacity(events.len());
    for e in events {
        if !quotes.contains(&e.source.text.as_str()) {
            quotes.push(&e.source.text);
        }
    }
    (!quotes.is_empty()).then(|| quotes.join(" … ").into())
}

/// Where `needle` stands in `hay` as a whole word (or number): not inside a
/// longer word, so "Vessmark" is not found in "Vessmarker".
pub(super) fn find_word<'h>(hay: &'h str, needle: &'h str) -> impl Iterator<Item = usize> + 'h {
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-');
    // "30,000" is not a whole number inside "30,000,000".
    let continues_number = move |rest: &str| {
        needle.ends_with(|c: char| c.is_ascii_digit())
            && rest
                .strip_prefix([',', '.'])
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    };
    occurrences(hay, needle).filter(move |&at| {
        let rest = &hay[at + needle.len()..];
        !needle.is_empty()
            && !joins(hay[..at].chars().next_back())
            && !joins(rest.chars().next())
            && !continues_number(rest)
    })
}

/// Where `needle` starts in `hay`, left to right, without overlaps (as
/// `str::match_indices`). A plain scan: sentences and names are short, and
/// a general string searcher costs more to set up than such a scan.
fn occurrences<'h>(hay: &'h str, needle: &'h str) -> impl Iterator<Item = usize> + 'h {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let mut from = 0;
    std::iter::from_fn(move || {
        let (&first, rest) = needle.split_first()?;
        let last_start = hay.len().checked_sub(needle.len())?;
        while from <= last_start {
            // A match of valid UTF-8 in valid UTF-8 starts on a character boundary.
            let at = from + memchr::memchr(first, &hay[from..=last_start])?;
            if hay[at + 1..at + needle.len()] == *rest {
                from = at + needle.len();
                return Some(at);
            }
            from = at + 1;
        }
        None
    })
}

/// Where `needle` stands in `hay` as a whole word, when it stands there once.
pub(super) fn find_once(hay: &str, needle: &str) -> Option<usize> {
    let mut at = find_word(hay, needle);
    match (at.next(), at.next()) {
        (Some(at), None) => Some(at),
        _ => None,
    }
}

/// `claim` with `replacement` put over `start..end`, keeping a possessive
/// right: "Holt's" becomes "United Towns'" rather than "United Towns's".
pub(super) fn splice(claim: &str, start: usize, end: usize, replacement: &str) -> String {
    let rest = &claim[end..];
    let rest = match rest.strip_prefix("'s") {
        Some(after) if replacement.ends_with('s') => format!("'{after}"),
        _ => rest.to_string(),
    };
    format!("{}{replacement}{rest}", &claim[..start])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentence_skips_quoted_full_stops() {
        let note = "The sentence gives no year; 2020 follows from \"In late September 2020, hostilities resumed.\" More.";
        assert_eq!(
            first_sentence(note),
            "The sentence gives no year; 2020 follows from \"In late September 2020, hostilities resumed.\""
        );
        assert_eq!(first_sentence("One. Two."), "One.");
    }

    #[test]
    fn words_are_found_whole() {
        assert_eq!(find_once("Vessmarker and Vessmark.", "Vessmark"), Some(15));
        assert_eq!(find_word("Upper-Merrow", "Merrow").next(), None);
        assert_eq!(find_once("up to 30,000 people", "30,000"), Some(6));
        assert_eq!(find_once("30,000,000 and 30,000", "30,000"), Some(15));
        for (hay, needle) in [
            ("aaaa", "aa"),
            ("“x” x", "x"),
            ("ab", "abc"),
            ("", "a"),
            ("a", ""),
        ] {
            let ours: Vec<usize> = occurrences(hay, needle).collect();
            let std: Vec<usize> = hay.match_indices(needle).map(|(at, _)| at).collect();
            if needle.is_empty() {
                assert!(ours.is_empty());
            } else {
                assert_eq!(ours, std, "{needle:?} in {hay:?}");
            }
        }
    }

    #[test]
    fn figures_and_possessives() {
        assert_eq!(figure(30000), "30,000");
        assert_eq!(figure(1500), "1,500");
        assert_eq!(figure(12), "12");
        assert_eq!(
            splice("with Holt's support", 5, 9, "United Towns"),
            "with United Towns' support"
        );
        assert_eq!(
            splice("with Holt's support", 5, 9, "Tarnholt"),
            "with Tarnholt's support"
        );
    }
}
