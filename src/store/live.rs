//! Live rooms, players and answers: the narrow interface the live handlers use, and its SQLite implementation.

use super::Sqlite;

/// What the live-quiz code needs from a store.
pub trait RoomStore: Send + Sync + 'static {}

impl RoomStore for Sqlite {}
