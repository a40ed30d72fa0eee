//! Synthetic datasets of any size on an invented topic — the wars, accords
//! and harbour towns of an imaginary archipelago — for tests and benchmarks.
//!
//! Every name is coined from syllables, so nothing here is about a real
//! place or person. The data uses every part of the schema the generator
//! reads: all date forms (with parts, ranges, dates read from context),
//! every actor kind, aliases, casualty figures with each qualifier,
//! agreements with parties, mediators and terms, and claims that name actors
//! and figures. Cost is linear in the number of events.

use crate::dataset::{Actor, ActorKind, DATASET_FORMAT, Dataset, Event, Place, Source};
use crate::seeded::Seeded;

mod writer;

use writer::Writer;

const SYLLABLES: [&str; 24] = [
    "ar", "bel", "cor", "dun", "el", "fen", "gil", "hal", "is", "jun", "kor", "lin", "mor", "nes",
    "or", "pal", "quil", "ros", "sel", "tam", "ul", "ver", "wyn", "zor",
];

const OFFICES: [&str; 6] = [
    "Chancellor",
    "High Steward",
    "Envoy",
    "Harbour Master",
    "Marshal",
    "Speaker of the Assembly",
];

const SOURCE: &str = "chronicle";

/// Odd and not a multiple of three, so coprime to every power of 24.
const SCRAMBLE: usize = 1_000_003;

/// A dataset of `events` events on the invented topic; the same arguments
/// always give the same dataset.
pub fn synthesize(events: usize, seed: u64) -> Dataset {
    let mut coin = Coiner::new(seed);
    let cast = Cast::new(events, &mut coin);
    let mut writer = Writer::new(&cast, coin, Seeded::derive(seed, "synth/events"));
    let events: Vec<Event> = (0..events).map(|i| writer.event(i, events)).collect();
    Dataset {
        format: DATASET_FORMAT,
        id: "amberreach-synthetic".into(),
        title: "The Amberreach Isles (synthetic)".into(),
        description: Some(format!(
            "An invented archipelago's wars, accords and evacuations: {} synthetic events, seed {seed}.",
            events.len()
        )),
        sources: vec![Source {
            id: SOURCE.into(),
            title: "An invented chronicle of the Amberreach Isles".into(),
            location: None,
            published: None,
            note: None,
        }],
        actors: cast.actors,
        places: cast.places,
        events,
    }
}

/// Coins distinct capitalised words: the n-th word spells a scrambling of n
/// in base 24 with syllables in a seeded order, so no two words are alike
/// and words coined one after another do not look alike.
struct Coiner {
    syllables: Vec<&'static str>,
    next: usize,
}

impl Coiner {
    fn new(seed: u64) -> Coiner {
        let mut syllables = SYLLABLES.to_vec();
        Seeded::derive(seed, "synth/syllables").shuffle(&mut syllables);
        // Starting at the base gives every word at least two syllables.
        Coiner {
            syllables,
            next: SYLLABLES.len(),
        }
    }

    fn word(&mut self) -> String {
        let base = self.syllables.len();
        // Within each block of words with the same number of syllables,
        // step by a multiplier coprime to the block's size: a bijection.
        let mut block = base * base;
        let mut first = base;
        while self.next >= first + block {
            first += block;
            block *= base;
        }
        let mut n = first + (self.next - first) * SCRAMBLE % block;
        self.next += 1;
        let mut parts = Vec::new();
        while n > 0 {
            parts.push(self.syllables[n % base]);
            n /= base;
        }
        let word: String = parts.concat();
        let mut chars = word.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    }
}

/// The actors and places events draw on, by kind. Pools grow with the
/// number of events so that a large dataset has many names.
struct Cast {
    actors: Vec<Actor>,
    places: Vec<Place>,
    by_kind: [Vec<usize>; 6],
}

fn slot(kind: ActorKind) -> usize {
    match kind {
        ActorKind::Person => 0,
        ActorKind::State => 1,
        ActorKind::Polity => 2,
        ActorKind::Organization => 3,
        ActorKind::ArmedForce => 4,
        ActorKind::Group => 5,
    }
}

impl Cast {
    fn new(events: usize, coin: &mut Coiner) -> Cast {
        let mut cast = Cast {
            actors: Vec::new(),
            places: Vec::new(),
            by_kind: Default::default(),
        };
        let states: Vec<String> = (0..6 + events / 150).map(|_| coin.word()).collect();
        for (i, s) in states.iter().enumerate() {
            let aliases = if i % 2 == 0 {
                vec![coin.word()]
            } else {
                Vec::new()
            };
            cast.add(ActorKind::State, s.clone(), None, aliases);
        }
        for i in 0..8 + events / 40 {
            let office = OFFICES[i % OFFICES.len()];
            let title = format!("{office} of {}", states[(i / OFFICES.len()) % states.len()]);
            let name = format!("{} {}", coin.word(), coin.word());
            cast.add(ActorKind::Person, name, Some(title), Vec::new());
        }
        for _ in 0..4 + events / 400 {
            let w = coin.word();
            cast.add(
                ActorKind::Polity,
                format!("Free City of {w}"),
                None,
                vec![w],
            );
        }
        for i in 0..4 + events / 400 {
            let w = coin.word();
            let name = if i % 2 == 0 {
                format!("{w} Trade League")
            } else {
                format!("Council of {w}")
            };
            cast.add(ActorKind::Organization, name, None, Vec::new());
        }
        for i in 0..4 + events / 300 {
            let suffix = if i % 2 == 0 { "Fleet" } else { "Guard" };
            cast.add(
                ActorKind::ArmedForce,
                format!("{} {suffix}", states[i % states.len()]),
                None,
                Vec::new(),
            );
        }
        for _ in 0..4 + events / 400 {
            cast.add(
                ActorKind::Group,
                format!("{} Lanterners", coin.word()),
                None,
                Vec::new(),
            );
        }
        for i in 0..8 + events / 25 {
            let w = coin.word();
            let name = match i % 4 {
                0 => format!("{w} Strait"),
                1 => format!("{w} Reach"),
                2 => format!("Isle of {w}"),
                _ => format!("{w} Harbour"),
            };
            let aliases = if i % 4 == 2 {
                vec![w.clone()]
            } else {
                Vec::new()
            };
            cast.places.push(Place {
                id: format!("place-{}", w.to_lowercase()),
                name,
                aliases,
                external_ids: Vec::new(),
            });
        }
        cast
    }

    fn add(&mut self, kind: ActorKind, name: String, title: Option<String>, aliases: Vec<String>) {
        let id = format!(
            "{}-{}",
            kind_slug(kind),
            name.to_lowercase().replace(' ', "-")
        );
        self.by_kind[slot(kind)].push(self.actors.len());
        self.actors.push(Actor {
            id,
            name,
            kind,
            title,
            aliases,
            external_ids: Vec::new(),
        });
    }
}

fn kind_slug(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::Person => "person",
        ActorKind::State => "state",
        ActorKind::Polity => "polity",
        ActorKind::Organization => "org",
        ActorKind::ArmedForce => "force",
        ActorKind::Group => "group",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn same_arguments_same_dataset() {
        assert_eq!(synthesize(50, 3), synthesize(50, 3));
        assert_ne!(synthesize(50, 3), synthesize(50, 4));
    }

    #[test]
    fn names_are_distinct_and_quotes_hold_their_facts() {
        let ds = synthesize(400, 1);
        let mut names = HashSet::new();
        for a in &ds.actors {
            assert!(names.insert(a.name.clone()), "{} twice", a.name);
        }
        let mut titles = HashSet::new();
        for e in &ds.events {
            assert!(titles.insert(e.title.clone()), "{} twice", e.title);
            assert!(
                !e.title.contains(|c: char| c.is_ascii_digit()),
                "{}",
                e.title
            );
            assert_eq!(e.date.problem(), None, "{}", e.id);
            for p in &e.actors {
                let actor = ds.actor(&p.actor).unwrap();
                assert!(
                    e.source.text.contains(&actor.name),
                    "{}: {} not in quote",
                    e.id,
                    actor.name
                );
            }
        }
    }
}
