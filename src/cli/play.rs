//! `quizline play`: a quiz in the terminal, one question at a time, on plain
//! lines, so it works in a pipe and with a screen reader.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use quizline::engine::{Attempt, AttemptError, AttemptOptions, Verdict, View, letter};
use quizline::files;
use quizline::http::clock::now_ms;
use quizline::question::{Kind, QuestionSet};
use serde_json::json;

#[derive(clap::Args, Debug)]
#[command(
    about = "Test yourself in the terminal",
    after_help = "Examples:\n  quizline play questions/karabakh/set.ron --count 10\n  quizline play questions/karabakh/set.ron --kinds numeric,ordering --seed 42\n  quizline play questions/karabakh/set.ron --in-order --json < answers.txt\n\nAnswers: a letter (b); letters for select-all (a c); t or f; a number (30,000);\nletters in order (c a d b); pairs for matching (a2 b1 c3); words for a blank.\nCtrl-D ends early and still prints the score."
)]
pub struct Args {
    pub set: PathBuf,
    /// Ask at most this many questions.
    #[arg(long)]
    pub count: Option<usize>,
    /// Only these kinds (comma-separated): single-choice, multi-select, true-false, numeric, ordering, before-after, matching, cloze.
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    pub kinds: Vec<Kind>,
    /// Seed for the order of questions and options (printed when chosen at random).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Keep the file's order of questions and options.
    #[arg(long)]
    pub in_order: bool,
    /// Write the result as one JSON object to stdout; the conversation goes to stderr.
    #[arg(long)]
    pub json: bool,
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::parse(s).ok_or_else(|| {
        format!(
            "unknown kind `{s}`; kinds are: {}",
            Kind::ALL.map(Kind::name).join(", ")
        )
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let set = match files::load_set(&args.set) {
        Ok((set, _)) => set,
        Err(e) => {
            super::check::report(e);
            return Ok(ExitCode::from(1));
        }
    };
    if let Some(problem) = quizline::check::set_problem_messages(&set).first() {
        eprintln!("{}: {problem}", args.set.display());
        return Ok(ExitCode::from(1));
    }
    let seed = args.seed.unwrap_or_else(random_seed);
    let options = AttemptOptions {
        count: args.count,
        kinds: args.kinds,
        seed,
        in_order: args.in_order,
    };
    let mut attempt = match Attempt::new(&set, options) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("quizline play: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let stdin = std::io::stdin();
    let result = if args.json {
        session(&set, &mut attempt, stdin.lock(), std::io::stderr().lock())?;
        let summary = attempt.summary();
        let questions: Vec<_> = attempt
            .items
            .iter()
            .enumerate()
            .map(|(n, item)| {
                let view = attempt.view(&set, n).expect("attempt made from this set");
                json!({
                    "id": item.question_id,
                    "kind": view.kind().as_str(),
                    "answered": item.outcome.is_some(),
                    "input": item.outcome.as_ref().map(|o| &o.input),
                    "verdict": item.outcome.as_ref().map(|o| o.grade.verdict),
                    "points": item.outcome.as_ref().map_or(0.0, |o| o.grade.points),
                    "max_points": view.question.points,
                    "correct_input": view.correct_input(),
                })
            })
            .collect();
        let out = json!({
            "set": set.id,
            "seed": seed,
            "score": summary.score,
            "max_score": attempt.max_score(&set),
            "answered": summary.answered,
            "total": summary.total,
            "correct": summary.correct,
            "partial": summary.partial,
            "incorrect": summary.incorrect,
            "questions": questions,
        });
        super::say(serde_json::to_string(&out)?)?;
        Ok(())
    } else {
        session(&set, &mut attempt, stdin.lock(), std::io::stdout().lock())
    };
    result?;
    Ok(ExitCode::SUCCESS)
}

/// A seed short enough to retype.
fn random_seed() -> u64 {
    quizline::http::secret::random_u64() % 1_000_000_000
}

/// Asks every question of `attempt`, reading answers from `input`, until
/// the end or end of input; then prints the summary.
pub fn session(
    set: &QuestionSet,
    attempt: &mut Attempt,
    mut input: impl BufRead,
    mut out: impl Write,
) -> std::io::Result<()> {
    let total = attempt.items.len();
    let order = if attempt.options.in_order {
        "in file order".to_string()
    } else {
        format!("seed {0}; replay with --seed {0}", attempt.options.seed)
    };
    writeln!(out, "{} — {total} question(s) ({order})", set.title)?;
    'questions: for n in 0..total {
        let hint = {
            let view = attempt.view(set, n).map_err(std::io::Error::other)?;
            write_question(&mut out, &view, n, total)?;
            view.hint()
        };
        loop {
            write!(out, "Your answer ({hint}): ")?;
            out.flush()?;
            let mut line = String::new();
            if input.read_line(&mut line)? == 0 {
                writeln!(out)?;
                writeln!(out, "(input ended: stopping early)")?;
                break 'questions;
            }
            match attempt.answer(set, n, &line, now_ms()) {
                Ok(_) => break,
                Err(AttemptError::Input(e)) => writeln!(out, "Not understood: {e}. Try again.")?,
                Err(e) => return Err(std::io::Error::other(e)),
            }
        }
        let fb = attempt.feedback(set, n).expect("just answered");
        let points = |p: f64| {
            if p.fract() == 0.0 {
                format!("{p:.0}")
            } else {
                format!("{p:.2}")
            }
        };
        writeln!(
            out,
            "{} — {} of {} point(s).",
            fb.verdict.label(),
            points(fb.points),
            points(fb.max_points)
        )?;
        if fb.verdict != Verdict::Correct {
            writeln!(out, "You answered: {}", fb.given)?;
            writeln!(out, "Correct answer: {}", fb.correct_answer)?;
        }
        writeln!(out, "{}", fb.explanation)?;
        if let Some(source) = &fb.source {
            writeln!(out, "Source: “{source}”")?;
        }
    }
    let s = attempt.summary();
    let max = attempt.max_score(set);
    let percent = if max > 0.0 {
        (s.score.max(0.0) / max * 100.0).round()
    } else {
        0.0
    };
    writeln!(out)?;
    writeln!(out, "Score: {} / {max} ({percent}%)", s.score)?;
    writeln!(
        out,
        "{} correct, {} partly correct, {} incorrect, {} not answered.",
        s.correct,
        s.partial,
        s.incorrect,
        s.total - s.answered
    )?;
    out.flush()
}

fn write_question(
    out: &mut impl Write,
    view: &View,
    n: usize,
    total: usize,
) -> std::io::Result<()> {
    let q = view.question;
    writeln!(out)?;
    writeln!(
        out,
        "Question {} of {total} · {} · {} point(s)",
        n + 1,
        view.kind().label(),
        q.points
    )?;
    writeln!(out, "{}", q.prompt)?;
    if let Some(text) = view.cloze_text() {
        writeln!(out, "  {text}")?;
    }
    for (p, option) in view.options().iter().enumerate() {
        writeln!(out, "  {}) {option}", letter(p))?;
    }
    let right = view.right();
    if !right.is_empty() {
        writeln!(out, "Match with:")?;
        for (p, option) in right.iter().enumerate() {
            writeln!(out, "  {}) {option}", p + 1)?;
        }
    }
    if let Some(unit) = view.unit() {
        writeln!(out, "  (in {unit})")?;
    }
    Ok(())
}
