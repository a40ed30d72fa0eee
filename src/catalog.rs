//! The question sets a server offers: every valid set found under the
//! question directories. An invalid file, an unreadable directory or a
//! symbolic link loop is reported and skipped; it never stops the others
//! from being served.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::check::set_problem_messages;
use crate::files::{FileError, FileKind, load_set, read_text, sniff};
use crate::question::QuestionSet;

#[derive(Debug, Default)]
pub struct Catalog {
    sets: BTreeMap<String, Arc<QuestionSet>>,
}

/// What loading found: the catalog, and the files that were skipped.
pub struct Loaded {
    pub catalog: Catalog,
    pub skipped: Vec<FileError>,
}

/// Every `.ron` file below `dir`, sorted, so loading order never depends on
/// the file system, and what could not be walked. Links are followed (a set
/// directory may be linked in), but a link back to a directory above it is
/// a loop: it is reported and its branch skipped, never walked for ever.
pub fn ron_files(dir: &Path) -> (Vec<PathBuf>, Vec<FileError>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for entry in WalkDir::new(dir).follow_links(true) {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                if entry.file_type().is_file() && path.extension().is_some_and(|e| e == "ron") {
                    files.push(entry.into_path());
                }
            }
            Err(e) => problems.push(walk_problem(dir, &e)),
        }
    }
    files.sort();
    (files, problems)
}

fn walk_problem(root: &Path, e: &walkdir::Error) -> FileError {
    let path = e.path().unwrap_or(root);
    match (e.loop_ancestor(), e.io_error()) {
        (Some(ancestor), _) => FileError::plain(
            path,
            format!(
                "a symbolic link loop (back to {}); skipped",
                ancestor.display()
            ),
        ),
        (None, Some(io)) => FileError::plain(path, format!("cannot read: {io}; skipped")),
        (None, None) => FileError::plain(path, format!("{e}; skipped")),
    }
}

impl Catalog {
    /// Loads every question set below the given paths (files or directories).
    /// Datasets found there are passed over silently: they are not quizzes.
    pub fn load(paths: &[PathBuf]) -> Loaded {
        let mut catalog = Catalog::default();
        let mut skipped = Vec::new();
        for root in paths {
            let files = if root.is_dir() {
                let (files, problems) = ron_files(root);
                skipped.extend(problems);
                files
            } else {
                vec![root.clone()]
            };
            if files.is_empty() && !root.exists() {
                skipped.push(FileError::plain(root, "no such file or directory"));
            }
            for path in files {
                match read_text(&path) {
                    Ok(text) if sniff(&text) == FileKind::Dataset => continue,
                    Err(e) => {
                        skipped.push(e);
                        continue;
                    }
                    Ok(_) => {}
                }
                match load_set(&path) {
                    Err(e) => skipped.push(e),
                    Ok((set, _)) => {
                        let problems = set_problem_messages(&set);
                        if let Some(first) = problems.first() {
                            skipped.push(FileError::plain(&path, first.clone()));
                        } else if catalog.sets.contains_key(&set.id) {
                            skipped.push(FileError::plain(
                                &path,
                                format!("another file already has set id `{}`", set.id),
                            ));
                        } else {
                            catalog.sets.insert(set.id.clone(), Arc::new(set));
                        }
                    }
                }
            }
        }
        Loaded { catalog, skipped }
    }

    pub fn from_sets(sets: impl IntoIterator<Item = QuestionSet>) -> Catalog {
        Catalog {
            sets: sets
                .into_iter()
                .map(|s| (s.id.clone(), Arc::new(s)))
                .collect(),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Arc<QuestionSet>> {
        self.sets.get(id)
    }

    /// Sets in id order.
    pub fn sets(&self) -> impl Iterator<Item = &Arc<QuestionSet>> {
        self.sets.values()
    }

    pub fn len(&self) -> usize {
        self.sets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}
