-- Live class quizzes: rooms, their hosts' browsers, players and answers.
-- Every statement is idempotent: the live code also runs this file at
-- start-up, so a database made while this migration was a placeholder gets
-- its tables too.

CREATE TABLE IF NOT EXISTS live_rooms (
    code            TEXT PRIMARY KEY,
    set_id          TEXT NOT NULL,
    set_title       TEXT NOT NULL,
    -- SHA-256 of the host secret; the secret itself is never stored.
    host_hash       BLOB NOT NULL,
    -- Room options and the engine's attempt (questions and option layouts), as JSON.
    options         TEXT NOT NULL,
    attempt         TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    -- lobby | question | reveal | leaderboard | ended
    phase           TEXT NOT NULL DEFAULT 'lobby',
    question        INTEGER,
    seq             INTEGER NOT NULL DEFAULT 0,
    -- Wall-clock instants (ms since the Unix epoch) of the open question.
    opened_at_ms    INTEGER,
    deadline_ms     INTEGER,
    ended_at_ms     INTEGER
);
CREATE INDEX IF NOT EXISTS live_rooms_active ON live_rooms(phase) WHERE phase <> 'ended';

-- Browsers that may list a room among their past rooms: SHA-256 of the
-- random key in their HttpOnly cookie.
CREATE TABLE IF NOT EXISTS live_owners (
    owner_hash  BLOB NOT NULL,
    code        TEXT NOT NULL REFERENCES live_rooms(code) ON DELETE CASCADE,
    PRIMARY KEY (owner_hash, code)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS live_players (
    code            TEXT NOT NULL REFERENCES live_rooms(code) ON DELETE CASCADE,
    id              INTEGER NOT NULL,
    nickname        TEXT NOT NULL,
    -- Case-folded nickname: unique in the room.
    nick_key        TEXT NOT NULL,
    token_hash      BLOB NOT NULL,
    joined_at_ms    INTEGER NOT NULL,
    kicked          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (code, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS live_players_nick ON live_players(code, nick_key);

-- One row per player and question: the primary key is what makes a second
-- answer change nothing, even across a restart.
CREATE TABLE IF NOT EXISTS live_answers (
    code            TEXT NOT NULL,
    player          INTEGER NOT NULL,
    question        INTEGER NOT NULL,
    input           TEXT NOT NULL,
    response        TEXT NOT NULL,
    given           TEXT NOT NULL,
    credit          REAL NOT NULL,
    verdict         TEXT NOT NULL,
    points          INTEGER NOT NULL,
    elapsed_ms      INTEGER NOT NULL,
    answered_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (code, player, question),
    FOREIGN KEY (code, player) REFERENCES live_players(code, id) ON DELETE CASCADE
) WITHOUT ROWID;
