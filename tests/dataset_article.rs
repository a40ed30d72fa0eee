//! The Karabakh dataset is faithful to its article: every quote is verbatim,
//! every reference resolves, every date is valid, and no title leaks its year.

use std::collections::HashSet;

use quizline::dataset::Dataset;

fn read(rel: &str) -> String {
    let path = format!("{}/questions/karabakh/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn karabakh_dataset_matches_its_article() {
    let article = read("source.txt");
    let ds: Dataset = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .from_str(&read("events.ron"))
        .expect("events.ron parses");

    assert!(ds.events.len() >= 15, "only {} events", ds.events.len());
    let mut ids = HashSet::new();
    for e in &ds.events {
        assert!(ids.insert(&e.id), "duplicate event id {}", e.id);
        assert!(
            ds.sources.iter().any(|s| s.id == e.source.source),
            "{}: unknown source",
            e.id
        );
        assert!(
            article.contains(&e.source.text),
            "{}: quote not verbatim: {}",
            e.id,
            e.source.text
        );
        assert_eq!(e.date.problem(), None, "{}: bad date", e.id);
        for y in e.date.start_year()..=e.date.end_year() {
            assert!(
                !e.title.contains(&y.to_string()),
                "{}: title leaks {y}",
                e.id
            );
        }
        let agreement = e
            .agreement
            .iter()
            .flat_map(|a| a.parties.iter().chain(&a.mediators));
        for actor in e.actors.iter().map(|p| &p.actor).chain(agreement) {
            assert!(ds.actor(actor).is_some(), "{}: unknown actor {actor}", e.id);
        }
        for place in &e.places {
            assert!(ds.place(place).is_some(), "{}: unknown place {place}", e.id);
        }
    }
    for s in &ds.sources {
        assert!(
            s.published.as_ref().is_none_or(|d| d.problem().is_none()),
            "{}: bad date",
            s.id
        );
    }
}
