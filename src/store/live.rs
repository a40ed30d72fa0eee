//! Live rooms, players and answers: the narrow interface the live handlers
//! use, and its SQLite implementation.
//!
//! The store keeps what the room decided (scores are computed by the engine
//! before a row is written) and hands it back at start-up; it never decides
//! anything itself. Options and the attempt travel as JSON text so that this
//! module does not depend on the live code's types.

use std::future::Future;
use std::pin::Pin;

use rusqlite::{OptionalExtension, params};

use super::{Sqlite, StoreError};

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

pub type Hash = [u8; 32];

#[derive(Debug, Clone)]
pub struct NewRoom {
    pub code: String,
    pub set_id: String,
    pub set_title: String,
    pub host_hash: Hash,
    /// The browser that created the room, when one did.
    pub owner: Option<Hash>,
    pub options_json: String,
    pub attempt_json: String,
    pub created_at_ms: i64,
}

/// Where a room is in its game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseRow {
    /// `lobby`, `question`, `reveal`, `leaderboard` or `ended`.
    pub phase: String,
    pub question: Option<u32>,
    pub seq: u64,
    pub opened_at_ms: Option<i64>,
    pub deadline_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewPlayer {
    pub code: String,
    pub id: u32,
    pub nickname: String,
    pub nick_key: String,
    pub token_hash: Hash,
    pub joined_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct StoredPlayer {
    pub id: u32,
    pub nickname: String,
    pub nick_key: String,
    pub token_hash: Hash,
    pub joined_at_ms: i64,
    pub kicked: bool,
    /// Still connected when the game ended.
    pub finished: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    pub code: String,
    pub player: u32,
    pub question: u32,
    /// What the player sent, trimmed.
    pub input: String,
    /// The engine's `Response`, as JSON.
    pub response_json: String,
    /// The response in words, with the room's labels.
    pub given: String,
    pub credit: f64,
    pub verdict: String,
    pub points: u32,
    pub elapsed_ms: u64,
    pub answered_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct StoredRoom {
    pub code: String,
    pub set_id: String,
    pub set_title: String,
    pub host_hash: Hash,
    pub options_json: String,
    pub attempt_json: String,
    pub created_at_ms: i64,
    pub phase: PhaseRow,
    pub players: Vec<StoredPlayer>,
    pub answers: Vec<AnswerRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSummary {
    pub code: String,
    pub set_title: String,
    pub created_at_ms: i64,
    pub phase: String,
    pub players: u32,
    pub ended_at_ms: Option<i64>,
}

/// What the live-quiz code needs from a store. Every write resolves only once
/// it is durable, so a caller may acknowledge what it wrote.
pub trait RoomStore: Send + Sync + 'static {
    /// Creates the live tables if they are missing.
    fn ensure_live_schema(&self) -> StoreFuture<'_, ()>;
    /// `false` when the code is already taken (by a live or a past room).
    fn create_room(&self, room: NewRoom) -> StoreFuture<'_, bool>;
    fn add_owner(&self, code: &str, owner: Hash) -> StoreFuture<'_, ()>;
    fn is_owner(&self, code: &str, owner: Hash) -> StoreFuture<'_, bool>;
    fn set_phase(&self, code: &str, phase: PhaseRow) -> StoreFuture<'_, ()>;
    /// Stores the ended phase and, in the same transaction, which players
    /// were there at the end.
    fn end_game(&self, code: &str, phase: PhaseRow, finished: Vec<u32>) -> StoreFuture<'_, ()>;
    fn add_player(&self, player: NewPlayer) -> StoreFuture<'_, ()>;
    fn kick_player(&self, code: &str, player: u32) -> StoreFuture<'_, ()>;
    /// `false` when the player already has an answer to that question: the
    /// first one stands.
    fn record_answer(&self, answer: AnswerRow) -> StoreFuture<'_, bool>;
    /// Rooms whose game has not ended, with their players and answers.
    fn active_rooms(&self) -> StoreFuture<'_, Vec<StoredRoom>>;
    fn load_room(&self, code: &str) -> StoreFuture<'_, Option<StoredRoom>>;
    /// The rooms a browser created or claimed, newest first.
    fn owned_rooms(&self, owner: Hash, limit: u32) -> StoreFuture<'_, Vec<RoomSummary>>;
}

const SCHEMA: &str = include_str!("migrations/0002_live.sql");

/// Columns added to the live tables after 0002 shipped, each with the
/// statement that adds it to a database made before. Applied at start-up
/// to any table that lacks them, so an old database opens as it is.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[(
    "live_players",
    "finished",
    "ALTER TABLE live_players ADD COLUMN finished INTEGER NOT NULL DEFAULT 0",
)];

fn add_missing_columns(tx: &rusqlite::Transaction) -> Result<(), StoreError> {
    for (table, column, add) in ADDED_COLUMNS {
        let present: bool = tx.query_row(
            "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2",
            params![table, column],
            |r| r.get::<_, i64>(0).map(|n| n > 0),
        )?;
        if !present {
            tx.execute_batch(add)?;
        }
    }
    Ok(())
}

fn update_phase(tx: &rusqlite::Transaction, code: &str, p: &PhaseRow) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE live_rooms SET phase = ?2, question = ?3, seq = ?4, opened_at_ms = ?5,
                deadline_ms = ?6, ended_at_ms = ?7
         WHERE code = ?1",
        params![
            code,
            p.phase,
            p.question.map(i64::from),
            p.seq as i64,
            p.opened_at_ms,
            p.deadline_ms,
            p.ended_at_ms
        ],
    )?;
    Ok(())
}

fn hash_from(v: Vec<u8>) -> Result<Hash, StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Corrupt("a stored hash is not 32 bytes".into()))
}

fn read_room(conn: &rusqlite::Connection, code: &str) -> Result<Option<StoredRoom>, StoreError> {
    let head = conn
        .query_row(
            "SELECT code, set_id, set_title, host_hash, options, attempt, created_at_ms,
                    phase, question, seq, opened_at_ms, deadline_ms, ended_at_ms
             FROM live_rooms WHERE code = ?1",
            [code],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                    PhaseRow {
                        phase: r.get(7)?,
                        question: r.get::<_, Option<i64>>(8)?.map(|q| q as u32),
                        seq: r.get::<_, i64>(9)? as u64,
                        opened_at_ms: r.get(10)?,
                        deadline_ms: r.get(11)?,
                        ended_at_ms: r.get(12)?,
                    },
                ))
            },
        )
        .optional()?;
    let Some((code, set_id, set_title, host_hash, options_json, attempt_json, created, phase)) =
        head
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, nickname, nick_key, token_hash, joined_at_ms, kicked, finished
         FROM live_players WHERE code = ?1 ORDER BY id",
    )?;
    let players = stmt
        .query_map([&code], |r| {
            Ok((
                r.get::<_, i64>(0)? as u32,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(
            |(id, nickname, nick_key, token, joined_at_ms, kicked, finished)| {
                Ok(StoredPlayer {
                    id,
                    nickname,
                    nick_key,
                    token_hash: hash_from(token)?,
                    joined_at_ms,
                    kicked,
                    finished,
                })
            },
        )
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT player, question, input, response, given, credit, verdict, points,
                elapsed_ms, answered_at_ms
         FROM live_answers WHERE code = ?1 ORDER BY question, player",
    )?;
    let answers = stmt
        .query_map([&code], |r| {
            Ok(AnswerRow {
                code: code.clone(),
                player: r.get::<_, i64>(0)? as u32,
                question: r.get::<_, i64>(1)? as u32,
                input: r.get(2)?,
                response_json: r.get(3)?,
                given: r.get(4)?,
                credit: r.get(5)?,
                verdict: r.get(6)?,
                points: r.get::<_, i64>(7)?.max(0) as u32,
                elapsed_ms: r.get::<_, i64>(8)?.max(0) as u64,
                answered_at_ms: r.get(9)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(StoredRoom {
        code,
        set_id,
        set_title,
        host_hash: hash_from(host_hash)?,
        options_json,
        attempt_json,
        created_at_ms: created,
        phase,
        players,
        answers,
    }))
}

impl RoomStore for Sqlite {
    fn ensure_live_schema(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.write(|tx| {
            tx.execute_batch(SCHEMA)?;
            add_missing_columns(tx)
        }))
    }

    fn create_room(&self, room: NewRoom) -> StoreFuture<'_, bool> {
        Box::pin(self.write(move |tx| {
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO live_rooms
                   (code, set_id, set_title, host_hash, options, attempt, created_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    room.code,
                    room.set_id,
                    room.set_title,
                    &room.host_hash[..],
                    room.options_json,
                    room.attempt_json,
                    room.created_at_ms
                ],
            )?;
            if inserted == 1
                && let Some(owner) = room.owner
            {
                tx.execute(
                    "INSERT OR IGNORE INTO live_owners (owner_hash, code) VALUES (?1, ?2)",
                    params![&owner[..], room.code],
                )?;
            }
            Ok(inserted == 1)
        }))
    }

    fn add_owner(&self, code: &str, owner: Hash) -> StoreFuture<'_, ()> {
        let code = code.to_string();
        Box::pin(self.write(move |tx| {
            tx.execute(
                "INSERT OR IGNORE INTO live_owners (owner_hash, code) VALUES (?1, ?2)",
                params![&owner[..], code],
            )?;
            Ok(())
        }))
    }

    fn is_owner(&self, code: &str, owner: Hash) -> StoreFuture<'_, bool> {
        let code = code.to_string();
        Box::pin(self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT 1 FROM live_owners WHERE owner_hash = ?1 AND code = ?2",
                    params![&owner[..], code],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
        }))
    }

    fn set_phase(&self, code: &str, p: PhaseRow) -> StoreFuture<'_, ()> {
        let code = code.to_string();
        Box::pin(self.write(move |tx| update_phase(tx, &code, &p)))
    }

    fn end_game(&self, code: &str, p: PhaseRow, finished: Vec<u32>) -> StoreFuture<'_, ()> {
        let code = code.to_string();
        Box::pin(self.write(move |tx| {
            update_phase(tx, &code, &p)?;
            let mut mark = tx.prepare_cached(
                "UPDATE live_players SET finished = 1 WHERE code = ?1 AND id = ?2",
            )?;
            for id in finished {
                mark.execute(params![code, i64::from(id)])?;
            }
            Ok(())
        }))
    }

    fn add_player(&self, p: NewPlayer) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |tx| {
            tx.execute(
                "INSERT INTO live_players (code, id, nickname, nick_key, token_hash, joined_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    p.code,
                    i64::from(p.id),
                    p.nickname,
                    p.nick_key,
                    &p.token_hash[..],
                    p.joined_at_ms
                ],
            )?;
            Ok(())
        }))
    }

    fn kick_player(&self, code: &str, player: u32) -> StoreFuture<'_, ()> {
        let code = code.to_string();
        Box::pin(self.write(move |tx| {
            tx.execute(
                "UPDATE live_players SET kicked = 1 WHERE code = ?1 AND id = ?2",
                params![code, i64::from(player)],
            )?;
            Ok(())
        }))
    }

    fn record_answer(&self, a: AnswerRow) -> StoreFuture<'_, bool> {
        Box::pin(self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO live_answers
                       (code, player, question, input, response, given, credit, verdict,
                        points, elapsed_ms, answered_at_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?
                .execute(params![
                    a.code,
                    i64::from(a.player),
                    i64::from(a.question),
                    a.input,
                    a.response_json,
                    a.given,
                    a.credit,
                    a.verdict,
                    i64::from(a.points),
                    a.elapsed_ms as i64,
                    a.answered_at_ms
                ])?;
            Ok(n == 1)
        }))
    }

    fn active_rooms(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
        Box::pin(self.read(|conn| {
            let codes: Vec<String> = conn
                .prepare(
                    "SELECT code FROM live_rooms WHERE phase <> 'ended' ORDER BY created_at_ms",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut rooms = Vec::with_capacity(codes.len());
            for code in codes {
                if let Some(room) = read_room(conn, &code)? {
                    rooms.push(room);
                }
            }
            Ok(rooms)
        }))
    }

    fn load_room(&self, code: &str) -> StoreFuture<'_, Option<StoredRoom>> {
        let code = code.to_string();
        Box::pin(self.read(move |conn| read_room(conn, &code)))
    }

    fn owned_rooms(&self, owner: Hash, limit: u32) -> StoreFuture<'_, Vec<RoomSummary>> {
        Box::pin(self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT r.code, r.set_title, r.created_at_ms, r.phase, r.ended_at_ms,
                        (SELECT COUNT(*) FROM live_players p WHERE p.code = r.code AND p.kicked = 0)
                 FROM live_owners o JOIN live_rooms r ON r.code = o.code
                 WHERE o.owner_hash = ?1
                 ORDER BY r.created_at_ms DESC LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![&owner[..], i64::from(limit)], |r| {
                    Ok(RoomSummary {
                        code: r.get(0)?,
                        set_title: r.get(1)?,
                        created_at_ms: r.get(2)?,
                        phase: r.get(3)?,
                        ended_at_ms: r.get(4)?,
                        players: r.get::<_, i64>(5)? as u32,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(code: &str) -> NewRoom {
        NewRoom {
            code: code.into(),
            set_id: "s".into(),
            set_title: "Set".into(),
            host_hash: [7; 32],
            owner: Some([9; 32]),
            options_json: "{}".into(),
            attempt_json: "{}".into(),
            created_at_ms: 1,
        }
    }

    fn answer(player: u32, input: &str) -> AnswerRow {
        AnswerRow {
            code: "123456".into(),
            player,
            question: 0,
            input: input.into(),
            response_json: "{}".into(),
            given: input.into(),
            credit: 1.0,
            verdict: "correct".into(),
            points: 900,
            elapsed_ms: 1500,
            answered_at_ms: 10,
        }
    }

    #[tokio::test]
    async fn rooms_players_answers_round_trip_and_first_answer_stands() {
        let dir = tempfile::tempdir().unwrap();
        let store = Sqlite::open(dir.path()).unwrap();
        store.ensure_live_schema().await.unwrap();
        assert!(store.create_room(room("123456")).await.unwrap());
        assert!(
            !store.create_room(room("123456")).await.unwrap(),
            "a code is never given twice"
        );
        store
            .add_player(NewPlayer {
                code: "123456".into(),
                id: 0,
                nickname: "Ann".into(),
                nick_key: "ann".into(),
                token_hash: [1; 32],
                joined_at_ms: 2,
            })
            .await
            .unwrap();
        assert!(store.record_answer(answer(0, "b")).await.unwrap());
        assert!(!store.record_answer(answer(0, "c")).await.unwrap());
        // An answer from a player who does not exist is refused by the key.
        assert!(store.record_answer(answer(5, "c")).await.is_err());
        let phase = PhaseRow {
            phase: "question".into(),
            question: Some(0),
            seq: 3,
            opened_at_ms: Some(100),
            deadline_ms: Some(20_100),
            ended_at_ms: None,
        };
        store.set_phase("123456", phase.clone()).await.unwrap();
        let rooms = store.active_rooms().await.unwrap();
        assert_eq!(rooms.len(), 1);
        let r = &rooms[0];
        assert_eq!(r.phase, phase);
        assert_eq!(r.players.len(), 1);
        assert_eq!(r.answers.len(), 1);
        assert_eq!(r.answers[0].input, "b");
        let owned = store.owned_rooms([9; 32], 10).await.unwrap();
        assert_eq!(owned.len(), 1);
        assert_eq!(owned[0].players, 1);
        assert!(store.owned_rooms([8; 32], 10).await.unwrap().is_empty());
        assert!(store.is_owner("123456", [9; 32]).await.unwrap());
        assert!(!store.is_owner("123456", [8; 32]).await.unwrap());
        store
            .set_phase(
                "123456",
                PhaseRow {
                    phase: "ended".into(),
                    question: None,
                    seq: 4,
                    opened_at_ms: None,
                    deadline_ms: None,
                    ended_at_ms: Some(5),
                },
            )
            .await
            .unwrap();
        assert!(store.active_rooms().await.unwrap().is_empty());
        assert!(store.load_room("123456").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn an_existing_database_gains_the_finished_column_and_keeps_its_players() {
        let dir = tempfile::tempdir().unwrap();
        let store = Sqlite::open(dir.path()).unwrap();
        // The versioned migrations alone make the tables as 0002 shipped
        // them: a player is written before the column exists.
        store.create_room(room("654321")).await.unwrap();
        let player = |id: u32, nick: &str| NewPlayer {
            code: "654321".into(),
            id,
            nickname: nick.into(),
            nick_key: nick.to_lowercase(),
            token_hash: [id as u8; 32],
            joined_at_ms: 2,
        };
        store.add_player(player(0, "Ann")).await.unwrap();
        store.ensure_live_schema().await.unwrap();
        store.ensure_live_schema().await.unwrap();
        store.add_player(player(1, "Bob")).await.unwrap();
        let r = store.load_room("654321").await.unwrap().unwrap();
        assert_eq!(r.players.len(), 2);
        assert!(r.players.iter().all(|p| !p.finished));
        let ended = PhaseRow {
            phase: "ended".into(),
            question: None,
            seq: 1,
            opened_at_ms: None,
            deadline_ms: None,
            ended_at_ms: Some(9),
        };
        store
            .end_game("654321", ended.clone(), vec![1])
            .await
            .unwrap();
        let r = store.load_room("654321").await.unwrap().unwrap();
        assert_eq!(r.phase, ended);
        let finished: Vec<bool> = r.players.iter().map(|p| p.finished).collect();
        assert_eq!(finished, [false, true]);
    }
}
