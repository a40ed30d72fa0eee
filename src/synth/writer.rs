//! The chronicle writer: one event at a time along an invented timeline,
//! each with its sentence, its actors, its figures and its date.

use std::collections::HashSet;

use super::{Cast, Coiner, SOURCE, slot};
use crate::dataset::{
    Actor, ActorKind, Agreement, AgreementStage, Casualty, CasualtyKind, DateBasis, Event,
    EventKind, Participant, Place, Qualifier, Quantity, Quote, Role,
};
use crate::date::{Date, Part, days_in_month, month_name};
use crate::seeded::{Seeded, fnv1a};

/// Writes events one after another along an invented timeline.
pub(super) struct Writer<'c> {
    cast: &'c Cast,
    coin: Coiner,
    rng: Seeded,
    /// Title keys already used: every event's title is its own.
    titles: HashSet<u64>,
}

/// What an event template fills in besides its date.
struct Draft {
    kind: EventKind,
    title: String,
    quote: String,
    actors: Vec<Participant>,
    places: Vec<String>,
    casualties: Vec<Casualty>,
    agreement: Option<Agreement>,
    claims: Vec<String>,
    date_note: Option<String>,
    date_basis: DateBasis,
}

fn party(actor: &Actor, role: Role) -> Participant {
    Participant {
        actor: actor.id.clone(),
        role,
    }
}

impl<'c> Writer<'c> {
    pub(super) fn new(cast: &'c Cast, coin: Coiner, rng: Seeded) -> Writer<'c> {
        Writer {
            cast,
            coin,
            rng,
            titles: HashSet::new(),
        }
    }

    // Picks borrow from the cast, not from the writer, so nothing is cloned.
    fn pick(&mut self, kind: ActorKind) -> &'c Actor {
        let cast = self.cast;
        let pool = &cast.by_kind[slot(kind)];
        &cast.actors[pool[self.rng.below(pool.len())]]
    }

    /// Two different actors of one kind.
    fn pick_two(&mut self, kind: ActorKind) -> (&'c Actor, &'c Actor) {
        let cast = self.cast;
        let pool = &cast.by_kind[slot(kind)];
        let a = self.rng.below(pool.len());
        let b = (a + 1 + self.rng.below(pool.len() - 1)) % pool.len();
        (&cast.actors[pool[a]], &cast.actors[pool[b]])
    }

    fn place(&mut self) -> &'c Place {
        let cast = self.cast;
        &cast.places[self.rng.below(cast.places.len())]
    }

    pub(super) fn event(&mut self, i: usize, total: usize) -> Event {
        // Five centuries, in order, with a little jitter.
        let year = 1400 + (i * 500 / total.max(1)) as i32 + self.rng.below(3) as i32;
        let (date, draft) = match self.rng.below(100) {
            0..=11 => self.war(year),
            12..=25 => self.accord(year),
            26..=45 => self.statement(year),
            46..=53 => self.founding(year),
            54..=65 => self.operation(year),
            66..=75 => self.evacuation(year),
            76..=85 => self.talks(year),
            86..=93 => self.deployment(year),
            _ => self.declaration(year),
        };
        let title = self.unique(draft.title);
        Event {
            id: format!("event-{i}"),
            title,
            kind: draft.kind,
            date,
            date_basis: draft.date_basis,
            date_note: draft.date_note,
            actors: draft.actors,
            places: draft.places,
            casualties: draft.casualties,
            agreement: draft.agreement,
            claims: draft.claims,
            source: Quote {
                source: SOURCE.into(),
                text: draft.quote,
            },
        }
    }

    /// The title, or the title with a coined name added when it is taken.
    fn unique(&mut self, title: String) -> String {
        if self.titles.insert(fnv1a(title.as_bytes())) {
            return title;
        }
        loop {
            let again = format!("{title} near {}", self.coin.word());
            if self.titles.insert(fnv1a(again.as_bytes())) {
                return again;
            }
        }
    }

    fn month(&mut self) -> u8 {
        1 + self.rng.below(12) as u8
    }

    fn day(&mut self, year: i32, month: u8) -> u8 {
        1 + self.rng.below(usize::from(days_in_month(year, month))) as u8
    }

    fn count(&mut self) -> (Quantity, String) {
        let base = 10u64.pow(2 + self.rng.below(4) as u32) * (1 + self.rng.below(9) as u64);
        let fig = grouped(base);
        match self.rng.below(5) {
            0 => (
                Quantity {
                    low: None,
                    best: None,
                    high: Some(base),
                    qualifier: Qualifier::UpTo,
                },
                format!("up to {fig}"),
            ),
            1 => (
                Quantity {
                    low: Some(base),
                    best: None,
                    high: None,
                    qualifier: Qualifier::AtLeast,
                },
                format!("at least {fig}"),
            ),
            2 => (
                Quantity {
                    low: None,
                    best: Some(base),
                    high: None,
                    qualifier: Qualifier::Approximately,
                },
                format!("about {fig}"),
            ),
            3 => {
                let high = base * 3 / 2;
                let q = Quantity {
                    low: Some(base),
                    best: None,
                    high: Some(high),
                    qualifier: Qualifier::Between,
                };
                (q, format!("between {fig} and {}", grouped(high)))
            }
            _ => {
                let exact = base + self.rng.below(97) as u64 + 1;
                (
                    Quantity {
                        low: None,
                        best: Some(exact),
                        high: None,
                        qualifier: Qualifier::Exact,
                    },
                    grouped(exact),
                )
            }
        }
    }

    fn war(&mut self, year: i32) -> (Date, Draft) {
        let end = year + 1 + self.rng.below(4) as i32;
        let (a, b) = self.pick_two(ActorKind::State);
        let p = self.place();
        let (count, amount) = self.count();
        let date = Date::Range {
            start: Box::new(Date::year(year)),
            end: Box::new(Date::year(end)),
        };
        let draft = Draft {
            kind: EventKind::War,
            title: format!("War between {} and {} over {}", a.name, b.name, p.name),
            quote: format!(
                "From {year} to {end}, {} fought {} over {}, a war in which {amount} people died.",
                a.name, b.name, p.name
            ),
            actors: vec![party(a, Role::Party), party(b, Role::Party)],
            places: vec![p.id.clone()],
            casualties: vec![Casualty {
                kind: CasualtyKind::Deaths,
                count,
                who: Some("people".into()),
            }],
            agreement: None,
            claims: vec![
                format!("{} fought {} over {}.", a.name, b.name, p.name),
                format!(
                    "{} people died in the war over {}.",
                    capitalized(&amount),
                    p.name
                ),
            ],
            date_note: None,
            date_basis: DateBasis::Stated,
        };
        (date, draft)
    }

    fn accord(&mut self, year: i32) -> (Date, Draft) {
        let month = self.month();
        let day = self.day(year, month);
        let (a, b) = self.pick_two(ActorKind::State);
        let m = self.pick(ActorKind::Organization);
        let p = self.place();
        let stages = [
            AgreementStage::Ceasefire,
            AgreementStage::Framework,
            AgreementStage::Comprehensive,
            AgreementStage::Implementation,
            AgreementStage::Renewal,
        ];
        let stage = stages[self.rng.below(stages.len())];
        let name = format!("{} Accord", p.name);
        let draft = Draft {
            kind: EventKind::Agreement,
            title: format!("{name} signed"),
            quote: format!(
                "On {} {day}, {year}, {} and {} signed the {name}, mediated by the {}, agreeing to reopen the harbours.",
                month_name(month),
                a.name,
                b.name,
                m.name
            ),
            actors: vec![
                party(a, Role::Signatory),
                party(b, Role::Signatory),
                party(m, Role::Mediator),
            ],
            places: vec![p.id.clone()],
            casualties: Vec::new(),
            agreement: Some(Agreement {
                name: Some(name.clone()),
                stage,
                parties: vec![a.id.clone(), b.id.clone()],
                mediators: vec![m.id.clone()],
                terms: vec!["reopening the harbours".into()],
            }),
            claims: vec![
                format!("{} and {} signed the {name}.", a.name, b.name),
                format!("The {} mediated the {name}.", m.name),
            ],
            date_note: None,
            date_basis: DateBasis::Stated,
        };
        (Date::Day { year, month, day }, draft)
    }

    fn statement(&mut self, year: i32) -> (Date, Draft) {
        let month = self.month();
        let part = [None, None, Some(Part::Early), Some(Part::Late)][self.rng.below(4)];
        let x = self.pick(ActorKind::Person);
        let s = self.pick(ActorKind::State);
        let p = self.place();
        let date = Date::Month { year, month, part };
        let office = x.title.clone().unwrap_or_default();
        // Now and then the chronicle names the month only, as "That May".
        let resolved = part.is_none() && self.rng.chance(1, 3);
        let opening = if resolved {
            format!("That {}", month_name(month))
        } else {
            opening(&date)
        };
        let (date_basis, date_note) = match resolved {
            true => (
                DateBasis::Resolved,
                Some(format!(
                    "The sentence gives no year; {year} is read from the chronicle's preceding entry."
                )),
            ),
            false => (DateBasis::Stated, None),
        };
        let draft = Draft {
            kind: EventKind::Statement,
            title: format!("Statement on the harbours of {}", p.name),
            quote: format!(
                "{opening}, {office} {} said that {} would reopen the harbours of {}.",
                x.name, s.name, p.name
            ),
            actors: vec![party(x, Role::Speaker), party(s, Role::Subject)],
            places: vec![p.id.clone()],
            casualties: Vec::new(),
            agreement: None,
            claims: vec![format!(
                "{} said that {} would reopen the harbours of {}.",
                x.name, s.name, p.name
            )],
            date_note,
            date_basis,
        };
        (date, draft)
    }

    fn founding(&mut self, year: i32) -> (Date, Draft) {
        let f = self.pick(ActorKind::Polity);
        let p = self.place();
        let draft = Draft {
            kind: EventKind::Founding,
            title: format!("Founding on {}", p.name),
            quote: format!("In {year}, the {} was founded on {}.", f.name, p.name),
            actors: vec![party(f, Role::Subject)],
            places: vec![p.id.clone()],
            casualties: Vec::new(),
            agreement: None,
            claims: vec![format!("The {} was founded on {}.", f.name, p.name)],
            date_note: None,
            date_basis: DateBasis::Stated,
        };
        (Date::year(year), draft)
    }

    fn operation(&mut self, year: i32) -> (Date, Draft) {
        let month = self.month();
        let day = self.day(year, month);
        let force = self.pick(ActorKind::ArmedForce);
        let s = self.pick(ActorKind::State);
        let p = self.place();
        let draft = Draft {
            kind: EventKind::Operation,
            title: format!("Operation in {}", p.name),
            quote: format!(
                "On {} {day}, {year}, the {} launched an operation in {} against {}.",
                month_name(month),
                force.name,
                p.name,
                s.name
            ),
            actors: vec![party(force, Role::Party), party(s, Role::Subject)],
            places: vec![p.id.clone()],
            casualties: Vec::new(),
            agreement: None,
            claims: vec![
                format!("The {} launched an operation in {}.", force.name, p.name),
                format!(
                    "The operation in {} was directed against {}.",
                    p.name, s.name
                ),
            ],
            date_note: None,
            date_basis: DateBasis::Stated,
        };
        (Date::Day { year, month, day }, draft)
    }

    fn evacuation(&mut self, year: i32) -> (Date, Draft) {
        let month = self.month();
        let g = self.pick(ActorKind::Group);
        let p = self.place();
        let (count, amount) = self.count();
        let date = Date::Month {
            year,
            month,
            part: Some(Part::Late),
        };
        let draft = Draft {
            kind: EventKind::Evacuation,
            title: format!("Evacuation of {}", p.name),
            quote: format!(
                "{}, the {} evacuated {amount} residents from {}.",
                opening(&date),
                g.name,
                p.name
            ),
            actors: vec![party(g, Role::Party)],
            places: vec![p.id.clone()],
            casualties: vec![Casualty {
                kind: CasualtyKind::Displaced,
                count,
                who: Some("residents".into()),
            }],
            agreement: None,
            claims: vec![format!(
                "The {} evacuated {amount} residents from {}.",
                g.name, p.name
            )],
            date_note: None,
            date_basis: DateBasis::Stated,
        };
        (date, draft)
    }

    fn talks(&mut self, year: i32) -> (Date, Draft) {
        let (a, b) = self.pick_two(ActorKind::State);
        let m1 = self.pick(ActorKind::State);
        let m2 = self.pick(ActorKind::Organization);
        let p = self.place();
        let part = if self.rng.chance(1, 3) {
            Some(Part::End)
        } else {
            None
        };
        let date = Date::Year { year, part };
        let mediators: Vec<&Actor> = if m1.id == a.id || m1.id == b.id {
            vec![&m2]
        } else {
            vec![&m1, &m2]
        };
        let by = mediators
            .iter()
            .map(|m| {
                if m.kind == ActorKind::Organization {
                    format!("the {}", m.name)
                } else {
                    m.name.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" and ");
        let mut actors = vec![party(a, Role::Party), party(b, Role::Party)];
        actors.extend(mediators.iter().map(|m| party(m, Role::Mediator)));
        let draft = Draft {
            kind: EventKind::Talks,
            title: format!("Talks over {} begin", p.name),
            quote: format!(
                "{}, with the mediation of {by}, {} and {} began talks over {}.",
                opening(&date),
                a.name,
                b.name,
                p.name
            ),
            actors,
            places: vec![p.id.clone()],
            casualties: Vec::new(),
            agreement: Some(Agreement {
                name: None,
                stage: AgreementStage::PreNegotiation,
                parties: vec![a.id.clone(), b.id.clone()],
                mediators: mediators.iter().map(|m| m.id.clone()).collect(),
                terms: Vec::new(),
            }),
            claims: vec![
                format!("{} and {} began talks over {}.", a.name, b.name, p.name),
                format!("{} mediated the talks over {}.", capitalized(&by), p.name),
            ],
            date_note: None,
            date_basis: DateBasis::Stated,
        };
        (date, draft)
    }

    fn deployment(&mut self, year: i32) -> (Date, Draft) {
        let (m1, m2) = (self.month(), self.month());
        let end_year = year + 1 + self.rng.below(2) as i32;
        let force = self.pick(ActorKind::ArmedForce);
        let s = self.pick(ActorKind::State);
        let p = self.place();
        let date = Date::Range {
            start: Box::new(Date::Month {
                year,
                month: m1,
                part: None,
            }),
            end: Box::new(Date::Month {
                year: end_year,
                month: m2,
                part: None,
            }),
        };
        let draft = Draft {
            kind: EventKind::Deployment,
            title: format!("Peacekeepers sent to {}", p.name),
            quote: format!(
                "{}, the {} kept the peace in {} for {}.",
                opening(&date),
                force.name,
                p.name,
                s.name
            ),
            actors: vec![party(force, Role::Peacekeeper), party(s, Role::Party)],
            places: vec![p.id.clone()],
            casualties: Vec::new(),
            agreement: None,
            claims: vec![format!("The {} kept the peace in {}.", force.name, p.name)],
            date_note: None,
            date_basis: DateBasis::Stated,
        };
        (date, draft)
    }

    fn declaration(&mut self, year: i32) -> (Date, Draft) {
        let f = self.pick(ActorKind::Polity);
        let s = self.pick(ActorKind::State);
        let p = self.place();
        let draft = Draft {
            kind: EventKind::Declaration,
            title: format!("Independence declared on {}", p.name),
            quote: format!(
                "The {} then declared independence from {}, keeping {} as its port.",
                f.name, s.name, p.name
            ),
            actors: vec![party(f, Role::Party), party(s, Role::Subject)],
            places: vec![p.id.clone()],
            casualties: Vec::new(),
            agreement: None,
            claims: vec![format!(
                "The {} declared independence from {}.",
                f.name, s.name
            )],
            date_note: Some(format!(
                "The sentence gives no date; the chronicle's order of entries places it in {year}."
            )),
            date_basis: DateBasis::Inferred,
        };
        (Date::year(year), draft)
    }
}

/// How a chronicle sentence opens on a date: "On March 3, 1620", "In late May 1620".
fn opening(date: &Date) -> String {
    let part = |p: &Option<Part>| match p {
        Some(Part::Early) => "early ",
        Some(Part::Mid) => "mid-",
        Some(Part::Late) => "late ",
        Some(Part::End) | None => "",
    };
    match date {
        Date::Day { year, month, day } => format!("On {} {day}, {year}", month_name(*month)),
        Date::Month {
            year,
            month,
            part: p,
        } => format!("In {}{} {year}", part(p), month_name(*month)),
        Date::Year {
            year,
            part: Some(Part::End),
        } => format!("At the end of {year}"),
        Date::Year { year, part: p } => format!("In {}{year}", part(p)),
        Date::Range { start, end } => format!("From {} to {}", bare(start), bare(end)),
    }
}

fn bare(date: &Date) -> String {
    match date {
        Date::Month { year, month, .. } => format!("{} {year}", month_name(*month)),
        other => other.start_year().to_string(),
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `30000` as `30,000`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
