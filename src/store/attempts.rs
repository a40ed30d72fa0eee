//! Self-test attempts: the narrow interface the web handlers use, and its
//! SQLite implementation.
//!
//! The handlers grade with the engine and hand the store finished outcomes;
//! the store only keeps them. Anything that must hold across processes (one
//! answer per question) is enforced by the database, not by a cache, so a
//! store for several machines can implement the same trait.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use rusqlite::{OptionalExtension, params};

use super::{Sqlite, StoreError, blob};
use crate::engine::{Attempt, Grade, Outcome, Response, Verdict};

/// What every store method returns: boxed so the trait stays object safe.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// An attempt as kept: the engine's attempt (with every outcome so far) and
/// what the web front end needs around it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAttempt {
    /// 32 lower-case hex digits.
    pub id: String,
    /// The browser id of whoever started it.
    pub browser: String,
    pub set_title: String,
    pub started_ms: i64,
    /// When the time limit ends; `None` without a time limit.
    pub deadline_ms: Option<i64>,
    /// The attempt this one retries the missed questions of.
    pub retry_of: Option<String>,
    /// The most points the attempt can give.
    pub max_score: f64,
    pub attempt: Attempt,
}

/// What became of an answer handed to [`AttemptStore::record_answer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Committed and synced.
    Saved,
    /// The question already had an answer, which stays as it was.
    AlreadyAnswered,
}

/// One line of a browser's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub id: String,
    pub set_id: String,
    pub set_title: String,
    pub started_ms: i64,
    pub deadline_ms: Option<i64>,
    pub retry_of: Option<String>,
    pub items: usize,
    pub answered: usize,
    pub correct: usize,
    pub score: f64,
    pub max_score: f64,
    pub last_answer_ms: Option<i64>,
}

/// What the self-test handlers need from a store. Every write has been
/// committed durably by the time its future resolves.
pub trait AttemptStore: Send + Sync + 'static {
    /// Stores a new attempt; its items must not have outcomes yet.
    fn create_attempt<'a>(&'a self, attempt: &'a StoredAttempt) -> StoreFuture<'a, ()>;

    /// The attempt with every answer recorded so far; `None` if unknown.
    fn load_attempt<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredAttempt>>;

    /// Records the engine's outcome for item `item` (0-based), unless that
    /// item already has one.
    fn record_answer<'a>(
        &'a self,
        id: &'a str,
        item: usize,
        outcome: &'a Outcome,
    ) -> StoreFuture<'a, Recorded>;

    /// Moves or removes an attempt's time limit.
    fn set_deadline<'a>(&'a self, id: &'a str, deadline_ms: Option<i64>) -> StoreFuture<'a, ()>;

    /// A browser's attempts, newest first.
    fn history<'a>(&'a self, browser: &'a str, limit: usize) -> StoreFuture<'a, Vec<HistoryEntry>>;
}

/// [`AttemptStore`] on the embedded SQLite store, with a cache of the
/// attempts in use so that answering does not read the database: the hot path
/// is grading plus one small insert. The cache is only valid because one
/// process owns the database file.
pub struct SqliteAttempts {
    db: Arc<Sqlite>,
    cache: Mutex<Cache>,
}

/// Attempts kept in memory, at most this many.
const CACHE_MAX: usize = 4096;

#[derive(Default)]
struct Cache {
    map: HashMap<String, StoredAttempt>,
    /// Bumped by every committed change. A load that read the database
    /// while a change committed may hold stale data, and must not be cached.
    epoch: u64,
}

impl Cache {
    fn insert(&mut self, entry: StoredAttempt) {
        if self.map.len() >= CACHE_MAX {
            // Finished attempts are the least likely to be needed again.
            self.map.retain(|_, a| !a.attempt.is_finished());
            if self.map.len() >= CACHE_MAX {
                self.map.clear();
            }
        }
        self.map.insert(entry.id.clone(), entry);
    }
}

impl SqliteAttempts {
    pub fn new(db: Arc<Sqlite>) -> SqliteAttempts {
        SqliteAttempts {
            db,
            cache: Mutex::new(Cache::default()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A panic while holding the lock leaves at worst a cache entry that
        // is behind the database; dropping the cache makes that harmless.
        self.cache.lock().unwrap_or_else(|poisoned| {
            let mut guard = poisoned.into_inner();
            guard.map.clear();
            guard.epoch += 1;
            guard
        })
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn load_from(conn: &rusqlite::Connection, id: &str) -> Result<Option<StoredAttempt>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT browser, set_title, started_ms, deadline_ms, retry_of, max_score, plan
             FROM attempts WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, f64>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()?;
    let Some((browser, set_title, started_ms, deadline_ms, retry_of, max_score, plan)) = row else {
        return Ok(None);
    };
    let mut attempt: Attempt = blob::decode(&plan).map_err(StoreError::blob("attempt plan"))?;
    let mut stmt = conn.prepare_cached(
        "SELECT item, input, response, credit, verdict, points, max_points, answered_ms
         FROM answers WHERE attempt_id = ?1",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, f64>(3)?,
            r.get::<_, Verdict>(4)?,
            r.get::<_, f64>(5)?,
            r.get::<_, f64>(6)?,
            r.get::<_, i64>(7)?,
        ))
    })?;
    for row in rows {
        let (item, input, response, credit, verdict, points, max_points, answered_ms) = row?;
        let response: Response =
            blob::decode(&response).map_err(StoreError::blob("answer's response"))?;
        let slot = usize::try_from(item)
            .ok()
            .and_then(|i| attempt.items.get_mut(i))
            .ok_or_else(|| {
                corrupt(&format!(
                    "an answer to item {item}, which {id} does not have"
                ))
            })?;
        slot.outcome = Some(Outcome {
            input,
            response,
            grade: Grade {
                credit,
                verdict,
                points,
                max_points,
            },
            answered_at_ms: answered_ms,
        });
    }
    Ok(Some(StoredAttempt {
        id: id.to_string(),
        browser,
        set_title,
        started_ms,
        deadline_ms,
        retry_of,
        max_score,
        attempt,
    }))
}

impl AttemptStore for SqliteAttempts {
    fn create_attempt<'a>(&'a self, stored: &'a StoredAttempt) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut plan_attempt = stored.attempt.clone();
            for item in &mut plan_attempt.items {
                item.outcome = None;
            }
            let plan = blob::encode(&plan_attempt).map_err(StoreError::blob("attempt plan"))?;
            let row = stored.clone();
            self.db
                .write(move |tx| {
                    tx.prepare_cached(
                        "INSERT INTO attempts (id, browser, set_id, set_title, started_ms,
                             deadline_ms, retry_of, items, max_score, plan)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    )?
                    .execute(params![
                        row.id,
                        row.browser,
                        row.attempt.set_id,
                        row.set_title,
                        row.started_ms,
                        row.deadline_ms,
                        row.retry_of,
                        row.attempt.items.len() as i64,
                        row.max_score,
                        plan,
                    ])?;
                    Ok(())
                })
                .await?;
            let mut cache = self.cache();
            cache.epoch += 1;
            cache.insert(StoredAttempt {
                attempt: plan_attempt,
                ..stored.clone()
            });
            Ok(())
        })
    }

    fn load_attempt<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredAttempt>> {
        Box::pin(async move {
            let epoch = {
                let cache = self.cache();
                if let Some(hit) = cache.map.get(id) {
                    return Ok(Some(hit.clone()));
                }
                cache.epoch
            };
            let key = id.to_string();
            let loaded = self.db.read(move |conn| load_from(conn, &key)).await?;
            if let Some(entry) = &loaded {
                let mut cache = self.cache();
                if cache.epoch == epoch {
                    cache.insert(entry.clone());
                }
            }
            Ok(loaded)
        })
    }

    fn record_answer<'a>(
        &'a self,
        id: &'a str,
        item: usize,
        outcome: &'a Outcome,
    ) -> StoreFuture<'a, Recorded> {
        Box::pin(async move {
            let response =
                blob::encode(&outcome.response).map_err(StoreError::blob("answer's response"))?;
            let key = id.to_string();
            let row = outcome.clone();
            let inserted = self
                .db
                .write(move |tx| {
                    let n = tx
                        .prepare_cached(
                            "INSERT INTO answers (attempt_id, item, input, response, credit,
                                 verdict, points, max_points, answered_ms)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                             ON CONFLICT (attempt_id, item) DO NOTHING",
                        )?
                        .execute(params![
                            key,
                            item as i64,
                            row.input,
                            response,
                            row.grade.credit,
                            row.grade.verdict,
                            row.grade.points,
                            row.grade.max_points,
                            row.answered_at_ms,
                        ])?;
                    Ok(n == 1)
                })
                .await?;
            let mut cache = self.cache();
            cache.epoch += 1;
            if inserted {
                if let Some(slot) = cache
                    .map
                    .get_mut(id)
                    .and_then(|a| a.attempt.items.get_mut(item))
                {
                    slot.outcome = Some(outcome.clone());
                }
                Ok(Recorded::Saved)
            } else {
                // Whoever answered first may not be in this cache entry.
                cache.map.remove(id);
                Ok(Recorded::AlreadyAnswered)
            }
        })
    }

    fn set_deadline<'a>(&'a self, id: &'a str, deadline_ms: Option<i64>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let key = id.to_string();
            self.db
                .write(move |tx| {
                    tx.prepare_cached("UPDATE attempts SET deadline_ms = ?2 WHERE id = ?1")?
                        .execute(params![key, deadline_ms])?;
                    Ok(())
                })
                .await?;
            let mut cache = self.cache();
            cache.epoch += 1;
            if let Some(entry) = cache.map.get_mut(id) {
                entry.deadline_ms = deadline_ms;
            }
            Ok(())
        })
    }

    fn history<'a>(&'a self, browser: &'a str, limit: usize) -> StoreFuture<'a, Vec<HistoryEntry>> {
        Box::pin(async move {
            let browser = browser.to_string();
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            self.db
                .read(move |conn| {
                    let mut stmt = conn.prepare_cached(
                        "SELECT a.id, a.set_id, a.set_title, a.started_ms, a.deadline_ms,
                                a.retry_of, a.items, a.max_score,
                                COUNT(x.item),
                                COALESCE(SUM(x.verdict = ?3), 0),
                                COALESCE(SUM(x.points), 0.0),
                                MAX(x.answered_ms)
                         FROM attempts a LEFT JOIN answers x ON x.attempt_id = a.id
                         WHERE a.browser = ?1
                         GROUP BY a.id
                         ORDER BY a.started_ms DESC, a.id
                         LIMIT ?2",
                    )?;
                    let rows = stmt.query_map(params![browser, limit, Verdict::Correct], |r| {
                        Ok(HistoryEntry {
                            id: r.get(0)?,
                            set_id: r.get(1)?,
                            set_title: r.get(2)?,
                            started_ms: r.get(3)?,
                            deadline_ms: r.get(4)?,
                            retry_of: r.get(5)?,
                            items: r.get::<_, i64>(6)?.max(0) as usize,
                            max_score: r.get(7)?,
                            answered: r.get::<_, i64>(8)?.max(0) as usize,
                            correct: r.get::<_, i64>(9)?.max(0) as usize,
                            score: (r.get::<_, f64>(10)? * 100.0).round() / 100.0,
                            last_answer_ms: r.get(11)?,
                        })
                    })?;
                    Ok(rows.collect::<Result<Vec<_>, _>>()?)
                })
                .await
        })
    }
}
