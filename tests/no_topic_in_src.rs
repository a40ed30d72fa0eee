//! ARCHITECTURE.md: nothing in `src/` knows the topic of any dataset. This
//! loads every dataset under `questions/` with the crate's own loader, takes
//! the names of its actors and places (with their aliases, and each word of a
//! person's or a place's name), and fails if any file in `src/` (or `web/`,
//! the templates and assets built into the binary) says one, as a whole
//! word, in any case, with or without diacritics.
//!
//! A path to a bundled file (`questions/<dir>/set.ron` in a help text's
//! examples) points at data and does not count: the directory's name is
//! blanked out before a line is read.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use quizline::dataset::Dataset;
use quizline::files::{FileKind, load_dataset, read_text, sniff};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower case, diacritics dropped: "Karabákh" reads as "karabakh".
fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn files_under(dir: &Path, wanted: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            // Not following links: a loop under questions/ must not hang this test.
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() && wanted(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn datasets(root: &Path) -> Vec<(PathBuf, Dataset)> {
    files_under(root, &|p| p.extension().is_some_and(|e| e == "ron"))
        .into_iter()
        .filter(|p| sniff(&read_text(p).unwrap()) == FileKind::Dataset)
        .map(|p| {
            let (dataset, _) = load_dataset(&p).unwrap_or_else(|e| panic!("{e}"));
            (p, dataset)
        })
        .collect()
}

/// What a dataset names: every actor's and place's name and alias, and the
/// single words of people's and places' names ("Lachin" of "Lachin
/// Corridor"). Words of a state's or a group's name are ordinary words
/// ("Republic", "forces") and stay allowed.
fn names(dataset: &Dataset) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let add_words = |name: &str, out: &mut BTreeSet<String>| {
        for word in name.split(|c: char| !c.is_alphanumeric()) {
            if word.chars().count() >= 4 {
                out.insert(fold(word));
            }
        }
    };
    for actor in &dataset.actors {
        out.insert(fold(&actor.name));
        out.extend(actor.aliases.iter().map(|a| fold(a)));
        if actor.kind == quizline::dataset::ActorKind::Person {
            add_words(&actor.name, &mut out);
        }
    }
    for place in &dataset.places {
        out.insert(fold(&place.name));
        out.extend(place.aliases.iter().map(|a| fold(a)));
        add_words(&place.name, &mut out);
        for alias in &place.aliases {
            add_words(alias, &mut out);
        }
    }
    out.retain(|n| !n.trim().is_empty());
    out
}

/// Byte offsets in `line` where `name` stands as a whole word.
fn whole_word_hits(line: &str, name: &str) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    line.match_indices(name).any(|(at, _)| {
        !is_word(line[..at].chars().next_back()) && !is_word(line[at + name.len()..].chars().next())
    })
}

#[test]
fn whole_word_matching() {
    for (line, name, hit) in [
        ("accept: vec![\"karabakh\".into()]", "karabakh", true),
        ("nagorno-karabakh", "karabakh", true),
        ("karabakhs", "karabakh", false),
        ("xbaku", "baku", false),
        ("\"baku\"", "baku", true),
        ("the lachin corridor", "lachin corridor", true),
    ] {
        assert_eq!(whole_word_hits(line, name), hit, "{name} in {line}");
    }
    assert_eq!(fold("Karabákh"), "karabakh");
}

#[test]
fn src_names_no_actor_or_place_of_any_dataset() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sets = datasets(&root.join("questions"));
    assert!(!sets.is_empty(), "no dataset found under questions/");
    let mut forbidden = BTreeSet::new();
    for (path, dataset) in &sets {
        let found = names(dataset);
        assert!(
            !found.is_empty(),
            "{}: no actor or place names",
            path.display()
        );
        forbidden.extend(found);
    }
    let paths: Vec<String> = sets
        .iter()
        .filter_map(|(p, _)| {
            let dir = p.parent()?.strip_prefix(root).ok()?;
            Some(fold(&dir.to_string_lossy().replace('\\', "/")) + "/")
        })
        .filter(|d| d != "questions/")
        .collect();
    let mut hits = Vec::new();
    // The templates, styles and scripts under web/ are code too.
    let code = [root.join("src"), root.join("web")];
    for file in code.iter().flat_map(|dir| files_under(dir, &|_| true)) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            let mut folded = fold(line);
            for path in &paths {
                folded = folded.replace(path.as_str(), "questions/…/");
            }
            for name in &forbidden {
                if whole_word_hits(&folded, name) {
                    hits.push(format!(
                        "{}:{}: names `{name}`: {}",
                        file.strip_prefix(root).unwrap_or(&file).display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "the code names the topic of a dataset under questions/ (use invented names):\n{}",
        hits.join("\n")
    );
}
