//! `quizline check`: validate datasets and question sets.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use quizline::catalog::ron_files;
use quizline::check::{check_dataset, check_set};
use quizline::files::{self, FileError, FileKind};

use super::generate::regenerate;

#[derive(clap::Args, Debug)]
#[command(
    about = "Validate datasets and question sets",
    after_help = "Examples:\n  quizline check questions/\n  quizline check questions/karabakh/events.ron questions/karabakh/set.ron\n\nErrors are printed as path:line:col: message. A generated set is also\nregenerated from its dataset and seed, and must match byte for byte.\nExit status: 0 all valid, 1 something invalid, 2 usage error."
)]
pub struct Args {
    /// Files or directories (every .ron file below a directory is checked).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut files = Vec::new();
    let mut invalid = 0;
    for p in &args.paths {
        if p.is_dir() {
            let (found, problems) = ron_files(p);
            files.extend(found);
            for e in problems {
                invalid += 1;
                report(e);
            }
        } else if p.exists() {
            files.push(p.clone());
        } else {
            eprintln!("quizline check: {}: no such file or directory", p.display());
            return Ok(ExitCode::from(2));
        }
    }
    for path in &files {
        let errors = check_file(path);
        if errors.is_empty() {
            super::say(format!("ok: {}", path.display()))?;
        } else {
            invalid += 1;
            for e in errors {
                report(e);
            }
        }
    }
    let summary = format!("{} file(s) checked, {invalid} invalid", files.len());
    if invalid > 0 {
        eprintln!("{summary}");
        Ok(ExitCode::from(1))
    } else {
        super::say(&summary)?;
        Ok(ExitCode::SUCCESS)
    }
}

/// One line per problem, `path:line:col: message`, with the offending line
/// drawn underneath when a person is reading.
pub fn report(e: FileError) {
    if std::io::stderr().is_terminal() && e.position.is_some() {
        eprintln!("{:?}", miette::Report::new(e));
    } else {
        eprintln!("{e}");
    }
}

/// Every problem in one file.
pub fn check_file(path: &Path) -> Vec<FileError> {
    let text = match files::read_text(path) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    match files::sniff(&text) {
        FileKind::Dataset => match files::parse(path, &text) {
            Err(e) => vec![e],
            Ok(dataset) => check_dataset(path, &text, &dataset),
        },
        FileKind::QuestionSet => match files::parse::<quizline::question::QuestionSet>(path, &text)
        {
            Err(e) => vec![e],
            Ok(set) => {
                let Some(provenance) = set.generated.clone() else {
                    return check_set(path, &text, &set, None);
                };
                let dataset_path = path
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join(&provenance.dataset);
                let dataset = match files::load_dataset(&dataset_path) {
                    Ok((d, _)) => d,
                    Err(e) => {
                        return vec![FileError::plain(
                            path,
                            format!("its dataset cannot be loaded: {e}"),
                        )];
                    }
                };
                let mut errors = check_set(path, &text, &set, Some(&dataset));
                if errors.is_empty() {
                    let (fresh, _) =
                        regenerate(&dataset, &provenance.dataset, provenance.seed, None);
                    if fresh != text {
                        errors.push(FileError::plain(
                            path,
                            format!(
                                "differs from what {} generates with seed {}; run `quizline generate {} -o {} --seed {}`",
                                dataset_path.display(),
                                provenance.seed,
                                dataset_path.display(),
                                path.display(),
                                provenance.seed
                            ),
                        ));
                    }
                }
                errors
            }
        },
    }
}
