//! `quizline generate`: a dataset becomes a question set.

use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use quizline::dataset::Dataset;
use quizline::files;
use quizline::generate::{GENERATOR, generate};
use quizline::question::Provenance;

#[derive(clap::Args, Debug)]
#[command(
    about = "Generate a question set from an event dataset",
    after_help = "Examples:\n  quizline generate questions/karabakh/events.ron -o questions/karabakh/set.ron --seed 1\n  quizline generate questions/karabakh/events.ron -o questions/karabakh/set.ron --seed 1 --check\n\nThe same dataset and seed give byte-identical output on every machine.\nWith --check nothing is written: exit 1 if the file differs from what would be generated."
)]
pub struct Args {
    /// The event dataset (RON).
    pub dataset: PathBuf,
    /// Where to write the question set.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Compare with the existing output instead of writing it.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (dataset, text) = match files::load_dataset(&args.dataset) {
        Ok(d) => d,
        Err(e) => {
            super::check::report(e);
            return Ok(ExitCode::from(1));
        }
    };
    let problems = quizline::check::check_dataset(&args.dataset, &text, &dataset);
    if !problems.is_empty() {
        for e in problems {
            super::check::report(e);
        }
        return Ok(ExitCode::from(1));
    }
    let relative = relative_path(&args.dataset, &args.output);
    let bar = progress_bar(dataset.events.len() as u64);
    let (out, questions) = regenerate(&dataset, &relative, args.seed, bar.as_ref());
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if args.check {
        let existing = std::fs::read_to_string(&args.output).unwrap_or_default();
        if existing == out {
            super::say(format!("up to date: {}", args.output.display()))?;
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{}: differs from what {} generates with seed {}",
            args.output.display(),
            args.dataset.display(),
            args.seed
        );
        return Ok(ExitCode::from(1));
    }
    files::write_atomic(&args.output, out.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.output.display()))?;
    eprintln!(
        "wrote {} ({questions} questions, seed {})",
        args.output.display(),
        args.seed
    );
    Ok(ExitCode::SUCCESS)
}

/// The set's RON text, exactly as `generate` writes it, and its number of questions.
pub fn regenerate(
    dataset: &Dataset,
    dataset_path: &str,
    seed: u64,
    bar: Option<&ProgressBar>,
) -> (String, usize) {
    let mut progress = |done: u64, _total: u64| {
        if let Some(bar) = bar {
            bar.set_position(done);
        }
    };
    let mut set = generate(dataset, seed, &mut progress);
    set.generated = Some(Provenance {
        dataset: dataset_path.to_string(),
        seed,
        generator: GENERATOR.to_string(),
    });
    (files::to_ron(&set), set.questions.len())
}

/// A bar only when a person is watching and the run is long enough to wait for.
fn progress_bar(events: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() || events < 20_000 {
        return None;
    }
    let bar = ProgressBar::new(events);
    bar.set_style(
        ProgressStyle::with_template("{spinner} generating {bar:40} {pos}/{len} events ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// `dataset` as a path relative to the directory `output` is in, with `/`
/// separators, so the provenance reads the same on every machine.
fn relative_path(dataset: &Path, output: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let normal = |p: PathBuf| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        parts
    };
    let target = normal(abs(dataset));
    let base = normal(abs(output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))));
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_string(), base.len() - common).collect();
    parts.extend(target[common..].iter().cloned());
    parts.join("/")
}
