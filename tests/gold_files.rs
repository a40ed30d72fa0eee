//! The gold files (`questions/*/gold.json`, described in docs/gold-format.md) are
//! consistent with their sources: every sentence is verbatim at its offsets, every
//! reference resolves, every date and bound is well-formed. An extractor is measured
//! against these files, so a gold fact that its text does not hold must fail here.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

const FACT_KINDS: &[&str] = &[
    "event",
    "quantity",
    "agreement",
    "term",
    "statement",
    "claim",
    "link",
];
const DATE_QUALIFIERS: &[&str] = &[
    "on",
    "in",
    "by",
    "before",
    "after",
    "around",
    "early",
    "mid",
    "late",
    "from",
    "since",
    "until",
    "during",
    "some_time_in",
    "relative",
    "undated",
];
/// How a date stands to the fact in `relative_to`; an `offset` is the gap for
/// `after`/`before` and the window's length for `within`.
const RELATIVE_RELATIONS: &[&str] = &[
    "after", "before", "same_day", "during", "within", "from", "around", "by", "end",
];
const BOUND_QUALIFIERS: &[&str] = &[
    "exact",
    "about",
    "at_least",
    "more_than",
    "up_to",
    "less_than",
    "nearly",
    "almost",
    "between",
    "order_of_magnitude",
];
const STAGES: &[&str] = &[
    "proposed",
    "negotiated",
    "agreed",
    "initialed",
    "signed",
    "ratified",
    "implemented",
    "rejected",
    "collapsed",
];
const LINK_RELATIONS: &[&str] = &[
    "ends",
    "part_of",
    "leads_to",
    "in_response_to",
    "later_stage_of",
    "influenced",
];

fn questions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")
}

fn gold_files() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(questions_dir())
        .expect("questions/ is readable")
        .flatten()
        .map(|e| e.path().join("gold.json"))
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Whether `s` is one EDTF date of a form the gold files use: `YYYY`, `YYYY-MM`,
/// `YYYY-MM-DD`, a season `YYYY-21`..`YYYY-24`, a decade `YYYX` or a century `YYXX`.
fn edtf_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        4 => {
            digits(b) || (digits(&b[..3]) && b[3] == b'X') || (digits(&b[..2]) && &b[2..] == b"XX")
        }
        7 if digits(&b[..4]) && b[4] == b'-' && digits(&b[5..]) => {
            let m: u32 = s[5..].parse().unwrap_or(0);
            (1..=12).contains(&m) || (21..=24).contains(&m)
        }
        10 if digits(&b[..4])
            && b[4] == b'-'
            && digits(&b[5..7])
            && b[7] == b'-'
            && digits(&b[8..]) =>
        {
            let y: u32 = s[..4].parse().unwrap_or(0);
            let m: u32 = s[5..7].parse().unwrap_or(0);
            let d: u32 = s[8..].parse().unwrap_or(0);
            let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
            let last = match m {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if leap => 29,
                2 => 28,
                _ => return false,
            };
            (1..=last).contains(&d)
        }
        _ => false,
    }
}

/// The first day a well-formed EDTF date can denote, for ordering interval ends
/// (seasons and X digits sort by their earliest possible day).
fn earliest(s: &str) -> String {
    let s = s.replace('X', "0");
    match s.len() {
        4 => format!("{s}-01-01"),
        7 if s[5..].parse::<u32>().unwrap_or(0) > 12 => format!("{}-01-01", &s[..4]),
        7 => format!("{s}-01"),
        _ => s,
    }
}

/// An EDTF date or an interval `A/B` of two of them, either end possibly `..` (open).
fn edtf_problem(s: &str) -> Option<String> {
    match s.split_once('/') {
        None if edtf_date(s) => None,
        None => Some(format!(
            "date edtf `{s}` is not an EDTF date of a known form"
        )),
        Some(("..", "..")) => Some(format!("date edtf `{s}` is open at both ends")),
        Some((a, b)) => {
            for end in [a, b] {
                if end != ".." && !edtf_date(end) {
                    return Some(format!("date edtf `{s}`: `{end}` is not an EDTF date"));
                }
            }
            (a != ".." && b != ".." && earliest(a) > earliest(b))
                .then(|| format!("date edtf `{s}` ends before it starts"))
        }
    }
}

/// A single-unit ISO 8601 duration, the only kind a source's "three days later" needs.
fn iso_duration(s: &str) -> bool {
    s.strip_prefix('P').is_some_and(|rest| {
        rest.len() >= 2
            && rest[..rest.len() - 1].bytes().all(|b| b.is_ascii_digit())
            && matches!(rest.as_bytes()[rest.len() - 1], b'D' | b'W' | b'M' | b'Y')
    })
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Every fault of one gold file, each as `path: fact id: what is wrong`.
fn gold_problems(path: &str, json: &str, source: &str) -> Vec<String> {
    let doc: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => return vec![format!("{path}:{}:{}: {e}", e.line(), e.column())],
    };
    let mut problems = Vec::new();
    if str_field(&doc, "format") != Some("quizline-gold/1") {
        problems.push(format!("{path}: format must be \"quizline-gold/1\""));
    }
    let Some(facts) = doc.get("facts").and_then(Value::as_array) else {
        problems.push(format!("{path}: no `facts` array"));
        return problems;
    };
    let chars: Vec<char> = source.chars().collect();
    let mut ids = HashSet::new();
    for (i, fact) in facts.iter().enumerate() {
        let Some(id) = str_field(fact, "id").filter(|id| !id.is_empty()) else {
            problems.push(format!("{path}: fact #{}: no id", i + 1));
            continue;
        };
        if !ids.insert(id) {
            problems.push(format!("{path}: {id}: duplicate id"));
        }
    }
    let kind_of = |target: &str| {
        facts
            .iter()
            .find(|f| str_field(f, "id") == Some(target))
            .and_then(|f| str_field(f, "kind"))
    };
    for fact in facts {
        let Some(id) = str_field(fact, "id") else {
            continue;
        };
        let mut faults: Vec<String> = Vec::new();
        let reference = |field: &str, target: Option<&str>, want: Option<&str>| match target {
            None => Some(format!("{field} is missing")),
            Some(t) => match (kind_of(t), want) {
                (None, _) => Some(format!("{field} `{t}` is not a fact id in this file")),
                (Some(k), Some(w)) if w != k => Some(format!("{field} `{t}` is a {k}, not a {w}")),
                _ => None,
            },
        };
        let kind = str_field(fact, "kind").unwrap_or("");
        if !FACT_KINDS.contains(&kind) {
            faults.push(format!("kind `{kind}` is not one of {FACT_KINDS:?}"));
        }
        if str_field(fact, "what").is_none_or(str::is_empty) {
            faults.push("no `what`".into());
        }

        let sentence = fact.get("sentence");
        let text = sentence.and_then(|s| str_field(s, "text")).unwrap_or("");
        let start = sentence
            .and_then(|s| s.get("start"))
            .and_then(Value::as_u64);
        let end = sentence.and_then(|s| s.get("end")).and_then(Value::as_u64);
        match (start, end) {
            (Some(a), Some(b)) if a < b && (b as usize) <= chars.len() => {
                let at: String = chars[a as usize..b as usize].iter().collect();
                if at != text {
                    let found = source.contains(text);
                    faults.push(format!(
                        "sentence is not at chars {a}..{b} of source.txt ({})",
                        if found {
                            "it is elsewhere"
                        } else {
                            "nor anywhere in it"
                        }
                    ));
                }
            }
            _ => faults.push(format!(
                "sentence needs start < end <= {} (chars of source.txt)",
                chars.len()
            )),
        }

        let in_text = |what: &str, field: &str, phrase: &str| {
            (!text.contains(phrase))
                .then(|| format!("{what} {field} `{phrase}` is not in the sentence"))
        };

        if let Some(date) = fact.get("date") {
            let q = str_field(date, "qualifier").unwrap_or("");
            if !DATE_QUALIFIERS.contains(&q) {
                faults.push(format!(
                    "date qualifier `{q}` is not one of {DATE_QUALIFIERS:?}"
                ));
            }
            if let Some(edtf) = str_field(date, "edtf")
                && let Some(p) = edtf_problem(edtf)
            {
                faults.push(p);
            }
            if let Some(part) = date.get("part")
                && !["early", "mid", "late"].contains(&part.as_str().unwrap_or(""))
            {
                faults.push(format!("date part {part} is not early, mid or late"));
            }
            let has = |k: &str| date.get(k).is_some();
            if q == "undated" && (has("edtf") || has("phrase")) {
                faults.push("an undated date has an edtf or a phrase".into());
            }
            if q != "undated" && !has("edtf") && !has("phrase") && !has("relative_to") {
                faults.push("date has neither edtf, phrase nor relative_to".into());
            }
            if q == "relative" {
                let r = date.get("relative_to");
                faults.extend(reference(
                    "date relative_to.fact",
                    r.and_then(|r| str_field(r, "fact")),
                    None,
                ));
                let relation = r.and_then(|r| str_field(r, "relation")).unwrap_or("");
                if !RELATIVE_RELATIONS.contains(&relation) {
                    faults.push(format!(
                        "date relative_to relation `{relation}` is not one of {RELATIVE_RELATIONS:?}"
                    ));
                }
                if let Some(offset) = r.and_then(|r| str_field(r, "offset"))
                    && !iso_duration(offset)
                {
                    faults.push(format!(
                        "date relative_to offset `{offset}` is not like P3D, P2W, P8Y"
                    ));
                }
            }
            if let Some(from) = date.get("inherited_from") {
                faults.extend(reference("date inherited_from", from.as_str(), None));
                if str_field(date, "note").is_none() && str_field(fact, "note").is_none() {
                    faults.push("an inherited date needs a note saying from where".into());
                }
            } else if let Some(phrase) = str_field(date, "phrase")
                && let Some(p) = in_text("date", "phrase", phrase)
            {
                faults.push(p);
            }
        } else if ["event", "agreement"].contains(&kind) {
            faults.push("no date (write {\"qualifier\": \"undated\"} for an undated one)".into());
        }

        match kind {
            "quantity" => match fact.get("quantity") {
                None => faults.push("a quantity fact has no `quantity`".into()),
                Some(q) => {
                    for key in ["kind", "unit", "counted", "figure"] {
                        if str_field(q, key).is_none_or(str::is_empty) {
                            faults.push(format!("quantity has no {key}"));
                        }
                    }
                    let qual = str_field(q, "qualifier").unwrap_or("");
                    if !BOUND_QUALIFIERS.contains(&qual) {
                        faults.push(format!(
                            "quantity qualifier `{qual}` is not one of {BOUND_QUALIFIERS:?}"
                        ));
                    }
                    if let Some(p) =
                        in_text("quantity", "figure", str_field(q, "figure").unwrap_or(""))
                    {
                        faults.push(p);
                    }
                    let num = |k: &str| q.get(k).and_then(Value::as_f64);
                    let (value, lower, upper) = (num("value"), num("lower"), num("upper"));
                    if let (Some(l), Some(u)) = (lower, upper)
                        && l > u
                    {
                        faults.push(format!("quantity lower {l} > upper {u}"));
                    }
                    if let Some(v) = value
                        && (lower.is_some_and(|l| v < l) || upper.is_some_and(|u| v > u))
                    {
                        faults.push(format!("quantity value {v} is outside its bounds"));
                    }
                    if qual == "exact" && !(value.is_some() && lower == value && upper == value) {
                        faults.push("an exact quantity needs value = lower = upper".into());
                    }
                    if qual == "between" && (lower.is_none() || upper.is_none()) {
                        faults.push("a `between` quantity needs lower and upper".into());
                    }
                    if value.is_none() && lower.is_none() && upper.is_none() {
                        faults.push("quantity has no value and no bound".into());
                    }
                    if q.get("of").is_some() {
                        faults.extend(reference("quantity of", str_field(q, "of"), None));
                    }
                }
            },
            "agreement" => match fact.get("agreement") {
                None => faults.push("an agreement fact has no `agreement`".into()),
                Some(a) => {
                    if str_field(a, "name").is_none_or(str::is_empty) {
                        faults.push("agreement has no name".into());
                    }
                    let stage = str_field(a, "stage").unwrap_or("");
                    if !STAGES.contains(&stage) {
                        faults.push(format!(
                            "agreement stage `{stage}` is not one of {STAGES:?}"
                        ));
                    }
                }
            },
            "term" => {
                let of = fact.get("term").and_then(|t| str_field(t, "agreement"));
                faults.extend(reference("term agreement", of, Some("agreement")));
            }
            "statement" | "claim" => match fact.get("statement") {
                None => faults.push(format!("a {kind} has no `statement`")),
                Some(s) => {
                    if s.get("speaker").and_then(|p| p.get("name")).is_none() {
                        faults.push(format!(
                            "{kind} has no speaker name (null is allowed: unnamed)"
                        ));
                    }
                    if str_field(s, "content").is_none_or(str::is_empty) {
                        faults.push(format!("{kind} has no content"));
                    }
                    if let Some(p) = str_field(s, "quote").and_then(|q| in_text(kind, "quote", q)) {
                        faults.push(p);
                    }
                }
            },
            "link" => match fact.get("link") {
                None => faults.push("a link fact has no `link`".into()),
                Some(l) => {
                    let rel = str_field(l, "relation").unwrap_or("");
                    if !LINK_RELATIONS.contains(&rel) {
                        faults.push(format!(
                            "link relation `{rel}` is not one of {LINK_RELATIONS:?}"
                        ));
                    }
                    faults.extend(reference("link from", str_field(l, "from"), None));
                    faults.extend(reference("link to", str_field(l, "to"), None));
                    if str_field(l, "from") == str_field(l, "to") {
                        faults.push("link from and to are the same fact".into());
                    }
                    if let Some(p) = in_text("link", "phrase", str_field(l, "phrase").unwrap_or(""))
                    {
                        faults.push(p);
                    }
                }
            },
            _ => {}
        }
        problems.extend(faults.into_iter().map(|f| format!("{path}: {id}: {f}")));
    }
    problems
}

#[test]
fn every_gold_file_is_consistent_with_its_source() {
    let files = gold_files();
    assert!(!files.is_empty(), "no questions/*/gold.json found");
    let mut problems = Vec::new();
    for gold in &files {
        let shown = gold
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(gold)
            .display()
            .to_string();
        let shown = shown.trim_start_matches('/');
        let source_path = gold.with_file_name("source.txt");
        let Ok(source) = std::fs::read_to_string(&source_path) else {
            problems.push(format!("{shown}: no source.txt beside it"));
            continue;
        };
        let json = std::fs::read_to_string(gold).expect("gold.json is readable");
        problems.extend(gold_problems(shown, &json, &source));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_server_catalog_skips_nothing_under_questions() {
    let loaded = quizline::catalog::Catalog::load(&[questions_dir()]);
    let skipped: Vec<String> = loaded.skipped.iter().map(|e| e.to_string()).collect();
    assert!(skipped.is_empty(), "skipped: {skipped:?}");
}

#[test]
fn edtf_forms_are_told_apart() {
    for ok in [
        "1951",
        "1951-09",
        "1951-09-08",
        "2000-02-29",
        "1979-21",
        "194X",
        "18XX",
        "1950/1953",
        "1833/..",
        "../1994",
        "1969-09/1973-01-27",
    ] {
        assert_eq!(edtf_problem(ok), None, "{ok}");
    }
    for bad in [
        "1951-13",
        "1951-02-29",
        "1951-9-8",
        "19X0",
        "1951-25",
        "../..",
        "1953/1950",
        "1951~",
        "September 1951",
        "",
    ] {
        assert!(edtf_problem(bad).is_some(), "{bad} accepted");
    }
    assert!(iso_duration("P3D") && iso_duration("P14D") && iso_duration("P8Y"));
    assert!(!iso_duration("P") && !iso_duration("3D") && !iso_duration("P1H"));
}

#[test]
fn each_fault_is_reported_with_path_and_fact_id() {
    let source = "On May 4 four students died. Later, it ended.";
    let json = r#"{"format": "quizline-gold/1", "facts": [
      {"id": "a", "kind": "event", "what": "deaths", "date": {"edtf": "1970-13", "qualifier": "on", "phrase": "On May 4"},
       "sentence": {"text": "On May 4 four students died.", "start": 1, "end": 29}},
      {"id": "a", "kind": "quantity", "what": "students",
       "quantity": {"kind": "killed", "unit": "people", "counted": "students", "qualifier": "exact",
                    "figure": "five", "value": 4, "lower": 5, "upper": 3, "of": "zz"},
       "sentence": {"text": "On May 4 four students died.", "start": 0, "end": 28}},
      {"id": "c", "kind": "link", "what": "ends",
       "link": {"relation": "ends", "from": "c", "to": "c", "phrase": "ended"},
       "sentence": {"text": "Later, it ended.", "start": 29, "end": 45}},
      {"id": "d", "kind": "event", "what": "it ended",
       "date": {"qualifier": "relative", "phrase": "Later", "relative_to": {"fact": "q", "relation": "after"}},
       "sentence": {"text": "Later, it ended.", "start": 29, "end": 45}}
    ]}"#;
    let got = gold_problems("g.json", json, source);
    for want in [
        "g.json: a: duplicate id",
        "g.json: a: sentence is not at chars 1..29 of source.txt (it is elsewhere)",
        "g.json: a: date edtf `1970-13` is not an EDTF date of a known form",
        "g.json: a: quantity figure `five` is not in the sentence",
        "g.json: a: quantity lower 5 > upper 3",
        "g.json: a: quantity value 4 is outside its bounds",
        "g.json: a: an exact quantity needs value = lower = upper",
        "g.json: a: quantity of `zz` is not a fact id in this file",
        "g.json: c: link from and to are the same fact",
        "g.json: d: date relative_to.fact `q` is not a fact id in this file",
    ] {
        assert!(
            got.iter().any(|p| p == want),
            "missing {want:?} in {got:#?}"
        );
    }
    assert_eq!(got.len(), 10, "{got:#?}");
    let bad_json = gold_problems("g.json", "{\"facts\": [,]}", source);
    assert!(bad_json[0].starts_with("g.json:1:"), "{bad_json:?}");
}
