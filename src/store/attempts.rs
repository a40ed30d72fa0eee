//! Self-test attempts: the narrow interface the web handlers use, and its SQLite implementation.

use super::Sqlite;

/// What the self-test handlers need from a store. Implemented for SQLite;
/// another database can implement it without touching a handler.
pub trait AttemptStore: Send + Sync + 'static {}

impl AttemptStore for Sqlite {}
