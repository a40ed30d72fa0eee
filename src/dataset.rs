//! The event dataset: what happened, when, who took part, how many died, what
//! was agreed, and the sentence each fact was taken from.
//!
//! The schema is shaped so that rows of real conflict datasets map onto it
//! without loss: UCDP GED (date precision, low/best/high deaths), Wikidata
//! (point in time with precision, quantities with bounds) and PA-X (agreement
//! stage, signatories). Every optional field may be left out of a RON file.

use serde::{Deserialize, Serialize};

use crate::date::Date;

/// The dataset format this build reads and writes.
pub const DATASET_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// Format version; see [`DATASET_FORMAT`].
    pub format: u32,
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Documents the facts were taken from.
    pub sources: Vec<Source>,
    #[serde(default)]
    pub actors: Vec<Actor>,
    #[serde(default)]
    pub places: Vec<Place>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    /// Where the document can be found: a path relative to the dataset or a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// When the document was published, as precisely as it is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Date>,
    /// How the publication date was established, when the document does not state it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub kind: ActorKind,
    /// What the source calls the actor: a person's office ("Prime Minister of X"),
    /// never more than the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Other names the source uses, such as a capital standing for its state.
    /// Accepted as answers where the name is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// External identifiers (e.g. `"wikidata:Q…"`, `"ucdp:…"`), kept for importers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActorKind {
    Person,
    State,
    /// A polity whose status is disputed or unrecognised.
    Polity,
    Organization,
    ArmedForce,
    Group,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Stable identifier; question ids are derived from it.
    pub id: String,
    /// A short title that names the event without giving away its date or figures.
    pub title: String,
    pub kind: EventKind,
    pub date: Date,
    /// Whether the sentence states the date, or it was worked out from context.
    #[serde(default, skip_serializing_if = "DateBasis::is_stated")]
    pub date_basis: DateBasis,
    /// How the date was read when the source sentence does not state it whole,
    /// e.g. a year taken from the article's context for "of this year".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<Participant>,
    /// Ids of [`Place`]s.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub casualties: Vec<Casualty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
    /// A fact stated in the source that questions may ask as true or false,
    /// written as a complete sentence ("Ostland had no military presence in the region.").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<String>,
    pub source: Quote,
}

/// Where an event's date comes from. Questions ask only what the source says:
/// an `Inferred` date is never asked, compared or shown as a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum DateBasis {
    /// The sentence states the date as stored.
    #[default]
    Stated,
    /// The sentence states part of it ("On September 19"); the rest comes
    /// from the source's context, as `date_note` explains.
    Resolved,
    /// The sentence gives no date; it is placed by context, as `date_note`
    /// explains, and is kept for filtering and display only.
    Inferred,
}

impl DateBasis {
    pub fn is_stated(&self) -> bool {
        *self == DateBasis::Stated
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum EventKind {
    Founding,
    Movement,
    Declaration,
    Renaming,
    War,
    Hostilities,
    Ceasefire,
    Agreement,
    Talks,
    Operation,
    Deployment,
    Recognition,
    Statement,
    Evacuation,
    Other,
}

impl EventKind {
    /// Its name in ids and in `quizline show`: the variant in kebab case.
    pub fn label(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    /// Id of an [`Actor`].
    pub actor: String,
    pub role: Role,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Role {
    /// Acted in the event (launched, declared, fought).
    Party,
    Mediator,
    Signatory,
    Supporter,
    Spokesperson,
    /// Made the statement the event records.
    Speaker,
    /// What the event is about or done to.
    Subject,
    Peacekeeper,
}

impl Role {
    /// Its name in ids and in `quizline show`: the variant in kebab case.
    pub fn label(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Casualty {
    pub kind: CasualtyKind,
    pub count: Quantity,
    /// Who the figure counts, in the source's words ("people").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CasualtyKind {
    Deaths,
    Wounded,
    Displaced,
    Prisoners,
}

/// A count as the source gives it: an exact figure, a bound, or a range.
/// Maps to UCDP's low/best/high and to Wikidata's amount with bounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<u64>,
    pub qualifier: Qualifier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Qualifier {
    /// The source gives one figure as a count.
    Exact,
    /// "about", "some": `best` with optional `low`/`high`.
    Approximately,
    /// "up to": only `high` is known.
    UpTo,
    /// "at least", "more than": only `low` is known.
    AtLeast,
    /// "between … and …": `low` and `high`.
    Between,
}

impl Quantity {
    /// The interval of counts consistent with the source, `(low, high)`;
    /// an open end is `None`.
    pub fn bounds(&self) -> (Option<u64>, Option<u64>) {
        match self.qualifier {
            Qualifier::Exact => {
                let v = self.best.or(self.low).or(self.high);
                (v, v)
            }
            _ => (
                self.low.or(if self.qualifier == Qualifier::Approximately {
                    self.best
                } else {
                    None
                }),
                self.high.or(if self.qualifier == Qualifier::Approximately {
                    self.best
                } else {
                    None
                }),
            ),
        }
    }

    /// The figure a question asks for: the bound for "up to" and "at least",
    /// the best estimate otherwise.
    pub fn headline(&self) -> Option<u64> {
        match self.qualifier {
            Qualifier::UpTo => self.high,
            Qualifier::AtLeast => self.low,
            _ => self.best.or(self.low).or(self.high),
        }
    }
}

/// An agreement, ceasefire or negotiation, after PA-X.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub stage: AgreementStage,
    /// Ids of actors party to it; empty when the source does not name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mediators: Vec<String>,
    /// What was agreed, in the source's words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<String>,
}

/// PA-X's agreement stages, plus the talks and proposals that precede them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum AgreementStage {
    /// Talks about talks, or negotiations with no text yet.
    PreNegotiation,
    Ceasefire,
    Framework,
    Comprehensive,
    Implementation,
    Renewal,
    /// Announced as possible or intended, not signed.
    Proposed,
}

impl AgreementStage {
    /// Its name in ids and in `quizline show`: the variant in kebab case.
    pub fn label(self) -> &'static str {
        self.into()
    }
}

/// The sentence a fact comes from, verbatim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// Id of a [`Source`].
    pub source: String,
    pub text: String,
}

impl Dataset {
    pub fn actor(&self, id: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.id == id)
    }
    pub fn place(&self, id: &str) -> Option<&Place> {
        self.places.iter().find(|p| p.id == id)
    }
}
