//! `quizline show`: a dataset or question set, for people or as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use quizline::dataset::Dataset;
use quizline::date::Date;
use quizline::engine::{Layout, View, letter};
use quizline::files::{self, FileKind};
use quizline::question::{Body, QuestionSet};
use serde_json::{Value, json};

#[derive(clap::Args, Debug)]
#[command(
    about = "Print a dataset or a question set, readably or as JSON",
    after_help = "Examples:\n  quizline show questions/karabakh/events.ron\n  quizline show questions/karabakh/set.ron --json | jq '.questions[0]'\n\nIn JSON, dates are ISO 8601 at their precision (1991-09-02, 2020-09, 1923,\n1992/1994), and each question has `correct_input`: the exact line that\n`quizline play --in-order` accepts as the fully correct answer."
)]
pub struct Args {
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let text = match files::read_text(&args.file) {
        Ok(t) => t,
        Err(e) => {
            super::check::report(e);
            return Ok(ExitCode::from(1));
        }
    };
    let out = match files::sniff(&text) {
        FileKind::Dataset => match files::parse::<Dataset>(&args.file, &text) {
            Ok(d) if args.json => serde_json::to_string_pretty(&dataset_json(&d))?,
            Ok(d) => dataset_text(&d),
            Err(e) => {
                super::check::report(e);
                return Ok(ExitCode::from(1));
            }
        },
        FileKind::QuestionSet => match files::parse::<QuestionSet>(&args.file, &text) {
            Ok(s) if args.json => serde_json::to_string_pretty(&set_json(&s))?,
            Ok(s) => set_text(&s),
            Err(e) => {
                super::check::report(e);
                return Ok(ExitCode::from(1));
            }
        },
    };
    super::say(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn date_json(date: &Date) -> Value {
    Value::String(date.iso())
}

pub fn dataset_json(d: &Dataset) -> Value {
    let mut v = serde_json::to_value(d).expect("dataset serializes");
    for (i, e) in d.events.iter().enumerate() {
        let ev = &mut v["events"][i];
        ev["date"] = date_json(&e.date);
        ev["date_display"] = json!(e.date.display());
        ev["precision"] = json!(format!("{:?}", e.date.precision()).to_lowercase());
    }
    for (i, s) in d.sources.iter().enumerate() {
        if let Some(p) = &s.published {
            v["sources"][i]["published"] = date_json(p);
        }
    }
    v
}

pub fn set_json(s: &QuestionSet) -> Value {
    let questions: Vec<Value> = s
        .questions
        .iter()
        .map(|q| {
            let layout = Layout::identity(&q.body);
            let view = View::new(q, &layout);
            let mut o = json!({
                "id": q.id,
                "kind": q.kind().as_str(),
                "prompt": q.prompt,
                "points": q.points,
                "difficulty": q.difficulty.label(),
                "correct_input": view.correct_input(),
                "correct_answer": view.correct_answer(),
                "explanation": q.explanation,
                "events": q.events,
                "source": q.source,
            });
            let options = view.options();
            if !options.is_empty() {
                o["options"] = json!(options);
            }
            if let Body::Matching { right, .. } = &q.body {
                o["right"] = json!(right);
            }
            if let Some(t) = view.cloze_text() {
                o["text"] = json!(t);
            }
            if let Body::Numeric { low, high, unit } = &q.body {
                o["accepted"] = json!({ "low": low, "high": high, "unit": unit });
            }
            o
        })
        .collect();
    json!({
        "format": s.format,
        "id": s.id,
        "title": s.title,
        "description": s.description,
        "generated": s.generated,
        "scoring": s.scoring,
        "kinds": s.kinds().iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "max_score": s.max_score(),
        "questions": questions,
    })
}

fn dataset_text(d: &Dataset) -> String {
    let mut out = format!(
        "{} ({} events, {} actors)\n",
        d.title,
        d.events.len(),
        d.actors.len()
    );
    for e in &d.events {
        out += &format!(
            "\n{}  {}  [{}]  ({})\n",
            e.date.iso(),
            e.title,
            e.kind.label(),
            e.id
        );
        for p in &e.actors {
            let name = d
                .actor(&p.actor)
                .map_or(p.actor.as_str(), |a| a.name.as_str());
            out += &format!("    {}: {}\n", p.role.label(), name);
        }
        for c in &e.casualties {
            let (low, high) = c.count.bounds();
            out += &format!(
                "    {:?}: {:?} (low {low:?}, high {high:?})\n",
                c.kind, c.count.qualifier
            );
        }
        out += &format!("    “{}”\n", e.source.text);
    }
    out
}

fn set_text(s: &QuestionSet) -> String {
    let mut out = format!(
        "{} ({} questions; kinds: {})\n",
        s.title,
        s.questions.len(),
        s.kinds()
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (i, q) in s.questions.iter().enumerate() {
        let layout = Layout::identity(&q.body);
        let view = View::new(q, &layout);
        out += &format!(
            "\n{}. [{}] {}  ({})\n",
            i + 1,
            q.kind().as_str(),
            q.prompt,
            q.id
        );
        if let Some(t) = view.cloze_text() {
            out += &format!("   {t}\n");
        }
        for (p, o) in view.options().iter().enumerate() {
            out += &format!("   {}) {o}\n", letter(p));
        }
        for (p, o) in view.right().iter().enumerate() {
            out += &format!("   {}) {o}\n", p + 1);
        }
        out += &format!(
            "   answer: {}  (type: {})\n",
            view.correct_answer(),
            view.correct_input()
        );
    }
    out
}
