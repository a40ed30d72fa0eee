//! Everything the builders look up, computed once per dataset so that no
//! builder ever scans the whole dataset: actors by id and by kind, events in
//! date order, the years the dataset mentions, and keys for telling texts apart.

use std::collections::HashMap;

use crate::seeded::fnv1a;

use rayon::prelude::*;

use crate::dataset::{Actor, ActorKind, Dataset, DateBasis, Event, Role};
use crate::engine::normalize_text;

/// How far along the date-sorted events a builder looks for a partner.
/// Bounded, so that a question costs the same in a dataset of any size.
pub(super) const WINDOW: usize = 32;

/// The rank of an event that is not in the date order.
pub(super) const NOT_SORTED: usize = usize::MAX;

/// Whether questions may ask, compare or state the event's date.
pub(super) fn datable(ev: &Event) -> bool {
    ev.date_basis != DateBasis::Inferred
}

pub(super) struct Index<'d> {
    pub ds: &'d Dataset,
    actor_at: HashMap<&'d str, usize>,
    place_at: HashMap<&'d str, usize>,
    /// Actor positions by [`ActorKind`], in dataset order.
    by_kind: [Vec<usize>; 6],
    /// The first and last day each event can mean.
    pub span: Vec<(i64, i64)>,
    /// Events whose date may be asked, by date, then by dataset position.
    /// An event whose date is only inferred from context is never asked,
    /// compared or shown as a fact, so it is not here.
    pub sorted: Vec<usize>,
    /// Position of each event in `sorted`; `NOT_SORTED` for the others.
    pub rank: Vec<usize>,
    /// Every year a dated event starts or ends in, sorted, without repeats.
    pub years: Vec<i32>,
    /// The latest year the dataset mentions: no distractor goes past it.
    pub max_year: i32,
    /// The latest day an event starts on: no distractor date starts after it.
    pub max_start: i64,
    /// [`text_key`] of each event's title.
    pub title_key: Vec<u64>,
    /// [`text_key`] of each actor's name.
    pub name_key: Vec<u64>,
    /// Each event's participants as (actor, role).
    cast: Flat<(usize, Role)>,
    /// Each event's actors in any role, agreement lists included, each once.
    involved: Flat<usize>,
}

/// A list per event, stored end to end: one allocation for the dataset
/// rather than one per event.
struct Flat<T> {
    items: Vec<T>,
    /// Event `e`'s items are `items[at[e]..at[e + 1]]`.
    at: Vec<usize>,
}

/// Events per piece when an index is built in parallel.
const PIECE: usize = 4096;

impl<T: Send> Flat<T> {
    /// `fill(e, event, out)` appends event `e`'s items. Pieces of the
    /// dataset are filled in parallel, then joined in order: looking up
    /// every actor of every event is mostly waiting on memory.
    fn of(ds: &Dataset, fill: impl Fn(usize, &Event, &mut Vec<T>) + Sync) -> Flat<T> {
        let pieces: Vec<(Vec<T>, Vec<usize>)> = ds
            .events
            .par_chunks(PIECE)
            .enumerate()
            .map(|(p, events)| {
                let mut items = Vec::new();
                let mut ends = Vec::with_capacity(events.len());
                for (i, ev) in events.iter().enumerate() {
                    fill(p * PIECE + i, ev, &mut items);
                    ends.push(items.len());
                }
                (items, ends)
            })
            .collect();
        let mut flat = Flat {
            items: Vec::with_capacity(pieces.iter().map(|(items, _)| items.len()).sum()),
            at: Vec::with_capacity(ds.events.len() + 1),
        };
        flat.at.push(0);
        for (items, ends) in pieces {
            let base = flat.items.len();
            flat.at.extend(ends.into_iter().map(|end| base + end));
            flat.items.extend(items);
        }
        flat
    }

    fn get(&self, e: usize) -> &[T] {
        &self.items[self.at[e]..self.at[e + 1]]
    }
}

/// Every actor kind, in the order of [`kind_slot`].
pub(super) const KINDS: [ActorKind; 6] = [
    ActorKind::Person,
    ActorKind::State,
    ActorKind::Polity,
    ActorKind::Organization,
    ActorKind::ArmedForce,
    ActorKind::Group,
];

pub(super) fn kind_slot(kind: ActorKind) -> usize {
    match kind {
        ActorKind::Person => 0,
        ActorKind::State => 1,
        ActorKind::Polity => 2,
        ActorKind::Organization => 3,
        ActorKind::ArmedForce => 4,
        ActorKind::Group => 5,
    }
}

/// Typographic marks that [`normalize_text`] drops like any punctuation:
/// none decomposes into a letter or a digit.
const TYPOGRAPHIC: [char; 14] = [
    '“', '”', '‘', '’', '–', '—', '…', '«', '»', '·', '•', '\u{a0}', '\u{2009}', '\u{202f}',
];

/// [`normalize_text`], quick for plain text.
pub(super) fn normalized(text: &str) -> String {
    plain_normalized(text).unwrap_or_else(|| normalize_text(text))
}

/// What [`normalize_text`] makes of each byte of plain text: an ASCII
/// letter or digit in lower case, `0` for other ASCII (dropped), and
/// [`NOT_ASCII`] for a byte of a longer character. Looking bytes up and
/// choosing without branching is quicker than branching on every byte of
/// text that mixes words and spaces.
const NORMAL: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte.is_ascii_alphanumeric() {
            byte.to_ascii_lowercase()
        } else if byte.is_ascii() {
            0
        } else {
            NOT_ASCII
        };
        b += 1;
    }
    table
};

const NOT_ASCII: u8 = 0xff;

/// The character at byte `at` of `text`, and its length, when it is a
/// typographic mark that normalization drops.
fn typographic_at(text: &str, at: usize) -> Option<usize> {
    text[at..]
        .chars()
        .next()
        .filter(|c| TYPOGRAPHIC.contains(c))
        .map(char::len_utf8)
}

/// [`normalize_text`] of a plain text, one that normalizes a character at
/// a time: ASCII, and typographic marks that are dropped. `None` for any
/// other text.
pub(super) fn plain_normalized(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = vec![0u8; bytes.len()];
    let mut len = 0;
    let mut i = 0;
    while i < bytes.len() {
        let v = NORMAL[usize::from(bytes[i])];
        if v == NOT_ASCII {
            i += typographic_at(text, i)?;
            continue;
        }
        out[len] = v;
        len += usize::from(v != 0);
        i += 1;
    }
    out.truncate(len);
    Some(String::from_utf8(out).expect("ASCII letters and digits are UTF-8"))
}

/// A hash of a text as options are compared (see [`normalize_text`]):
/// two texts with the same key count as the same option.
pub(super) fn text_key(text: &str) -> u64 {
    // One pass over the bytes: ASCII letters and digits are hashed, a
    // typographic mark is skipped, and anything else falls back to full
    // Unicode normalization.
    let bytes = text.as_bytes();
    let mut h = fnv1a(b"");
    let mut i = 0;
    while i < bytes.len() {
        let v = NORMAL[usize::from(bytes[i])];
        if v == NOT_ASCII {
            match typographic_at(text, i) {
                Some(len) => i += len,
                None => return fnv1a(normalize_text(text).as_bytes()),
            }
            continue;
        }
        let next = (h ^ u64::from(v)).wrapping_mul(0x0100_0000_01b3);
        h = if v != 0 { next } else { h };
        i += 1;
    }
    h
}

impl<'d> Index<'d> {
    pub fn new(ds: &'d Dataset) -> Index<'d> {
        let actor_at: HashMap<&str, usize> = ds
            .actors
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), i))
            .collect();
        let place_at = ds
            .places
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let mut by_kind: [Vec<usize>; 6] = Default::default();
        for (i, a) in ds.actors.iter().enumerate() {
            by_kind[kind_slot(a.kind)].push(i);
        }
        let span: Vec<(i64, i64)> = ds.events.par_iter().map(|e| e.date.interval()).collect();
        let mut sorted: Vec<usize> = (0..ds.events.len())
            .filter(|&e| datable(&ds.events[e]))
            .collect();
        sorted.par_sort_unstable_by_key(|&e| (span[e].0, span[e].1, e));
        let mut rank = vec![NOT_SORTED; ds.events.len()];
        for (r, &e) in sorted.iter().enumerate() {
            rank[e] = r;
        }
        let dated = || sorted.iter().map(|&e| &ds.events[e]);
        let mut years: Vec<i32> = dated()
            .flat_map(|e| [e.date.start_year(), e.date.end_year()])
            .collect();
        years.sort_unstable();
        years.dedup();
        let max_start = sorted.iter().map(|&e| span[e].0).max().unwrap_or(0);
        let max_year = dated().map(|e| e.date.start_year()).max().unwrap_or(0);
        let cast = Flat::of(ds, |_, ev, out| {
            let known = ev
                .actors
                .iter()
                .filter_map(|p| Some((*actor_at.get(p.actor.as_str())?, p.role)));
            out.extend(known);
        });
        let involved = Flat::of(ds, |e, ev, out| {
            let start = out.len();
            let agreement = ev
                .agreement
                .iter()
                .flat_map(|a| a.parties.iter().chain(&a.mediators))
                .filter_map(|id| actor_at.get(id.as_str()).copied());
            for a in cast.get(e).iter().map(|&(a, _)| a).chain(agreement) {
                if !out[start..].contains(&a) {
                    out.push(a);
                }
            }
        });
        Index {
            ds,
            cast,
            involved,
            actor_at,
            place_at,
            by_kind,
            title_key: ds.events.par_iter().map(|e| text_key(&e.title)).collect(),
            name_key: ds.actors.iter().map(|a| text_key(&a.name)).collect(),
            span,
            sorted,
            rank,
            years,
            max_year,
            max_start,
        }
    }

    pub fn event(&self, e: usize) -> &'d Event {
        &self.ds.events[e]
    }

    pub fn actor(&self, a: usize) -> &'d Actor {
        &self.ds.actors[a]
    }

    /// An actor's name, then its aliases.
    pub fn actor_names(&self, a: usize) -> impl Iterator<Item = &'d str> {
        let actor = self.actor(a);
        std::iter::once(actor.name.as_str()).chain(actor.aliases.iter().map(String::as_str))
    }

    pub fn actor_at(&self, id: &str) -> Option<usize> {
        self.actor_at.get(id).copied()
    }

    pub fn kind_pool(&self, kind: ActorKind) -> &[usize] {
        &self.by_kind[kind_slot(kind)]
    }

    /// A place's position, by id.
    pub fn place_at(&self, id: &str) -> Option<usize> {
        self.place_at.get(id).copied()
    }

    /// The names a place goes by: its name first, then its aliases.
    pub fn place_names(&self, p: usize) -> impl Iterator<Item = &'d str> {
        let place = &self.ds.places[p];
        std::iter::once(place.name.as_str()).chain(place.aliases.iter().map(String::as_str))
    }

    /// Whether every day `a` can mean comes before every day `b` can.
    pub fn before(&self, a: usize, b: usize) -> bool {
        self.span[a].1 < self.span[b].0
    }

    /// Whether the order of two events is certain either way.
    pub fn apart(&self, a: usize, b: usize) -> bool {
        self.before(a, b) || self.before(b, a)
    }

    /// Days between the end of the earlier event and the start of the later.
    pub fn gap(&self, a: usize, b: usize) -> i64 {
        (self.span[b].0 - self.span[a].1).max(self.span[a].0 - self.span[b].1)
    }

    /// Actors an event involves in any role, agreement lists included, each once.
    pub fn involved(&self, e: usize) -> &[usize] {
        self.involved.get(e)
    }

    /// The event's participants with their roles, in the order the event lists them.
    pub fn cast(&self, e: usize) -> &[(usize, Role)] {
        self.cast.get(e)
    }

    /// Actors of the event with `role`, in the order the event lists them.
    pub fn holders(&self, e: usize, role: Role) -> impl Iterator<Item = usize> + '_ {
        self.cast(e)
            .iter()
            .filter(move |(_, r)| *r == role)
            .map(|&(a, _)| a)
    }

    /// Groups of events in certain date order, from the date-sorted index:
    /// `lanes` groups grow side by side, each taking the next event that
    /// certainly follows its last one, and close at the next length of
    /// `lengths`. Every event joins at most one group; the cost is linear.
    pub fn chains(&self, lanes: usize, lengths: &[usize], skip: usize) -> Vec<Vec<usize>> {
        let mut open: Vec<Vec<usize>> = vec![Vec::new(); lanes];
        let mut want = vec![0; lanes];
        let mut started = 0;
        let mut out = Vec::new();
        let mut next = 0;
        for &e in self.sorted.iter().skip(skip) {
            for step in 0..lanes {
                let lane = (next + step) % lanes;
                let fits = match open[lane].last() {
                    None => true,
                    Some(&last) => {
                        self.before(last, e)
                            && open[lane]
                                .iter()
                                .all(|&o| self.title_key[o] != self.title_key[e])
                    }
                };
                if fits {
                    if open[lane].is_empty() {
                        want[lane] = lengths[started % lengths.len()];
                        started += 1;
                    }
                    open[lane].push(e);
                    if open[lane].len() == want[lane] {
                        out.push(std::mem::take(&mut open[lane]));
                    }
                    next = (lane + 1) % lanes;
                    break;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_in_slot_order() {
        for (slot, kind) in KINDS.into_iter().enumerate() {
            assert_eq!(kind_slot(kind), slot);
        }
    }

    #[test]
    fn plain_text_normalizes_as_the_engine_does() {
        for text in ["Upper-Merrow", "“Upper Merrow” – 30,000", "A\u{a0}b…", ""] {
            assert_eq!(
                plain_normalized(text).as_deref(),
                Some(normalize_text(text).as_str())
            );
            assert_eq!(text_key(text), fnv1a(normalize_text(text).as_bytes()));
        }
        assert_eq!(plain_normalized("Zürich"), None);
        assert_eq!(normalized("Zürich"), "zurich");
        assert_eq!(text_key("Zürich"), text_key("zurich"));
    }
}
