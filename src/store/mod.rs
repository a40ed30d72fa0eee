//! The embedded store: SQLite in WAL mode, one writer thread that commits in
//! groups, and a few read connections. Handlers never see SQL: they use the
//! narrow traits [`AttemptStore`] and [`RoomStore`], so another database can be
//! added behind them without touching a handler. The store keeps what the
//! engine decided; it never decides a score.

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use rusqlite::{Connection, OpenFlags, Transaction};
use tokio::sync::oneshot;

pub mod attempts;
pub mod blob;
pub mod live;

pub use attempts::{AttemptStore, HistoryEntry, Recorded, SqliteAttempts, StoredAttempt};
pub use live::RoomStore;

/// Why the store failed. Each message says what failed at this level; the
/// cause is its [`source`](std::error::Error::source), and
/// [`StoreError::chain`] writes them all on one line for a log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create the data directory {path}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the store's writer thread")]
    Writer(#[source] std::io::Error),
    #[error("the store's writer has stopped")]
    Closed,
    /// The group's commit failed: none of its writes were kept. Shared by
    /// every write of the group, hence the `Arc`.
    #[error("the commit failed, so the write was not kept")]
    Commit(#[source] Arc<rusqlite::Error>),
    /// A JSON value could not be written or read back.
    #[error("stored {what} could not be read or written")]
    Blob {
        what: &'static str,
        #[source]
        source: blob::BlobError,
    },
    /// Rows that contradict each other or the schema, such as an answer to
    /// an item its attempt does not have.
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// This error and every cause below it: "a: b: c".
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            out.push_str(": ");
            out.push_str(&e.to_string());
            cause = e.source();
        }
        out
    }

    /// `source` as a [`StoreError::Blob`] about `what`.
    pub fn blob(what: &'static str) -> impl FnOnce(blob::BlobError) -> StoreError {
        move |source| StoreError::Blob { what, source }
    }
}

/// A verdict is stored by its name, and read back typed: a name the engine
/// does not know is a read error, never a guess.
impl rusqlite::types::ToSql for crate::engine::Verdict {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for crate::engine::Verdict {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

/// Versioned migrations, applied in order at start-up; `PRAGMA user_version`
/// records how many have run. Append only: never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_attempts.sql"),
    include_str!("migrations/0002_live.sql"),
];

/// A write: runs inside the group's transaction and returns what to report
/// once the group's commit is known.
type Job = Box<dyn FnOnce(&Transaction) -> Completion + Send>;
type Completion = Box<dyn FnOnce(Result<(), Arc<rusqlite::Error>>) + Send>;

fn run_in_savepoint<T>(
    tx: &Transaction,
    f: impl FnOnce(&Transaction) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    tx.execute_batch("SAVEPOINT job")?;
    match f(tx) {
        Ok(v) => {
            tx.execute_batch("RELEASE job")?;
            Ok(v)
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

/// Most jobs one transaction takes; bounds the latency one fsync adds.
const GROUP_MAX: usize = 512;
const READERS: usize = 4;

pub struct Sqlite {
    path: PathBuf,
    writer: std_mpsc::SyncSender<Job>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

impl Sqlite {
    /// Opens (creating if needed) `DATA_DIR/quizline.db`, applies migrations
    /// and starts the writer thread.
    pub fn open(data_dir: &Path) -> Result<Sqlite, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join("quizline.db");
        let mut conn = connect(&path, OpenFlags::default())?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit is on disk before the writer reports it, so an
        // acknowledged answer survives kill -9 and power loss alike.
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate(&mut conn)?;

        let mut readers = Vec::new();
        for _ in 0..READERS {
            readers.push(connect(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?);
        }
        let (tx, rx) = std_mpsc::sync_channel::<Job>(8192);
        thread::Builder::new()
            .name("quizline-store-writer".into())
            .spawn(move || write_loop(conn, rx))
            .map_err(StoreError::Writer)?;
        Ok(Sqlite {
            path,
            writer: tx,
            readers: Arc::new(Mutex::new(readers)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in a write transaction and resolves once that transaction is
    /// committed and synced. Concurrent writes share one commit (group
    /// commit); each runs in its own savepoint, so one failing write does not
    /// undo the others.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, StoreError> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |tx: &Transaction| {
            let outcome = run_in_savepoint(tx, f);
            // Reported only after the whole group commits (or fails to).
            Box::new(move |committed: Result<(), Arc<rusqlite::Error>>| {
                let _ = done.send(match committed {
                    Ok(()) => outcome,
                    Err(e) => Err(StoreError::Commit(e)),
                });
            })
        });
        // Hot path: hand the job over without leaving the task. Only when the
        // bounded channel is full does the send wait, and then off the runtime.
        match self.writer.try_send(job) {
            Ok(()) => {}
            Err(std_mpsc::TrySendError::Full(job)) => {
                let writer = self.writer.clone();
                tokio::task::spawn_blocking(move || writer.send(job))
                    .await
                    .map_err(|_| StoreError::Closed)?
                    .map_err(|_| StoreError::Closed)?;
            }
            Err(std_mpsc::TrySendError::Disconnected(_)) => return Err(StoreError::Closed),
        }
        result.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a read-only connection, off the async runtime.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let readers = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.lock().expect("reader pool").pop();
            let conn = match conn {
                Some(c) => c,
                None => connect(
                    &path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?,
            };
            let out = f(&conn);
            let mut pool = readers.lock().expect("reader pool");
            if pool.len() < READERS {
                pool.push(conn);
            }
            out
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let done: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

fn write_loop(mut conn: Connection, jobs: std_mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let tx = match conn.transaction() {
            Ok(tx) => tx,
            Err(e) => {
                tracing::error!("store: cannot begin a transaction: {e}");
                for job in batch {
                    drop(job);
                }
                continue;
            }
        };
        let completions: Vec<Completion> = batch.into_iter().map(|job| job(&tx)).collect();
        let committed = tx.commit().map_err(|e| {
            tracing::error!("store: commit failed: {e}");
            Arc::new(e)
        });
        for complete in completions {
            complete(committed.clone());
        }
    }
}
