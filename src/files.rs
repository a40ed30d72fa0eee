//! Reading and writing RON files with errors a person can act on:
//! `path:line:col: what is wrong`, and writes that never leave half a file.

// A FileError carries the file's text so the report can draw the line it is
// about; it is built only on the error path, so its size costs nothing.
#![allow(clippy::result_large_err)]

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};
use ron::extensions::Extensions;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::dataset::Dataset;
use crate::question::QuestionSet;

/// A problem in a file, at a position when one is known.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}", self.headline())]
pub struct FileError {
    pub path: PathBuf,
    /// 1-based line and column.
    pub position: Option<(usize, usize)>,
    pub message: String,
    #[source_code]
    pub source_code: Option<NamedSource<String>>,
    #[label("here")]
    pub span: Option<SourceSpan>,
}

impl FileError {
    fn headline(&self) -> String {
        match self.position {
            Some((line, col)) => format!("{}:{line}:{col}: {}", self.path.display(), self.message),
            None => format!("{}: {}", self.path.display(), self.message),
        }
    }

    pub fn plain(path: &Path, message: impl Into<String>) -> FileError {
        FileError {
            path: path.to_path_buf(),
            position: None,
            message: message.into(),
            source_code: None,
            span: None,
        }
    }

    /// An error at a 1-based line and column of `text`.
    pub fn at(
        path: &Path,
        text: &str,
        line: usize,
        col: usize,
        message: impl Into<String>,
    ) -> Self {
        let offset = offset_of(text, line, col);
        FileError {
            path: path.to_path_buf(),
            position: Some((line, col)),
            message: message.into(),
            source_code: Some(NamedSource::new(
                path.display().to_string(),
                text.to_string(),
            )),
            span: Some(SourceSpan::from((offset, 1))),
        }
    }
}

fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[line_start.min(text.len())..];
    let col_bytes: usize = rest
        .chars()
        .take(col.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    (line_start + col_bytes).min(text.len().saturating_sub(1))
}

/// 1-based line and column of a byte offset.
pub fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Where the `nth` (0-based) occurrence of the string literal `value` stands
/// in a RON text, so that a semantic problem can point at the line it is on.
pub fn locate_literal(text: &str, value: &str, nth: usize) -> Option<(usize, usize)> {
    let needle = ron::to_string(value).ok()?;
    text.match_indices(&needle)
        .nth(nth)
        .map(|(at, _)| position_of(text, at))
}

/// What `check` and the loaders report: every problem found in the files.
#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<FileError>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.errors {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}

pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}

/// Parses RON text, turning ron's error into `path:line:col: message`.
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, FileError> {
    ron_options().from_str(text).map_err(|e| {
        let message = describe(&e.code);
        FileError::at(path, text, e.span.start.line, e.span.start.col, message)
    })
}

fn describe(code: &ron::Error) -> String {
    match code {
        ron::Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => {
            let place = outer
                .as_deref()
                .map(|o| format!(" in `{o}`"))
                .unwrap_or_default();
            format!(
                "unknown field `{found}`{place}; expected one of: {}",
                expected.join(", ")
            )
        }
        ron::Error::MissingStructField { field, outer } => {
            let place = outer
                .as_deref()
                .map(|o| format!(" in `{o}`"))
                .unwrap_or_default();
            format!("missing field `{field}`{place}")
        }
        other => other.to_string(),
    }
}

pub fn read_text(path: &Path) -> Result<String, FileError> {
    std::fs::read_to_string(path).map_err(|e| FileError::plain(path, format!("cannot read: {e}")))
}

pub fn load_dataset(path: &Path) -> Result<(Dataset, String), FileError> {
    let text = read_text(path)?;
    Ok((parse(path, &text)?, text))
}

pub fn load_set(path: &Path) -> Result<(QuestionSet, String), FileError> {
    let text = read_text(path)?;
    Ok((parse(path, &text)?, text))
}

/// Which kind of file a RON text holds, judged by its fields, so that
/// `check` and `show` accept either without being told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Dataset,
    QuestionSet,
}

pub fn sniff(text: &str) -> FileKind {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    if code.contains("questions:") || code.contains("questions :") {
        FileKind::QuestionSet
    } else {
        FileKind::Dataset
    }
}

/// RON as quizline writes it: pretty, with `implicit_some`, stable across runs.
pub fn to_ron<T: Serialize>(value: &T) -> String {
    let config = ron::ser::PrettyConfig::new()
        .indentor("    ")
        .struct_names(false)
        .extensions(Extensions::IMPLICIT_SOME);
    let mut out =
        ron::ser::to_string_pretty(value, config).expect("quizline types always serialize");
    out.push('\n');
    out
}

/// Writes `contents` to `path` through a temporary file in the same
/// directory and a rename, so readers see the old file or the new one, never half.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let text = "ab\ncdé\nf";
        assert_eq!(position_of(text, 0), (1, 1));
        assert_eq!(position_of(text, 3), (2, 1));
        assert_eq!(position_of(text, text.find('f').unwrap()), (3, 1));
        assert_eq!(offset_of(text, 3, 1), text.find('f').unwrap());
    }

    #[test]
    fn literal_is_found_by_occurrence() {
        let text = "(\n  id: \"a\",\n  other: (id: \"a\"),\n)";
        assert_eq!(locate_literal(text, "a", 0), Some((2, 7)));
        assert_eq!(locate_literal(text, "a", 1), Some((3, 15)));
        assert_eq!(locate_literal(text, "a", 2), None);
    }
}
