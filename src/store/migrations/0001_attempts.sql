-- Self-test attempts.
--
-- An attempt's plan (which questions, in which order, with which option
-- order, and its seed) is the engine's `Attempt` serialised as JSON once, when
-- the attempt starts. Each answer is then one small row of its own, so
-- recording an answer never rewrites the plan.
CREATE TABLE attempts (
    id          TEXT PRIMARY KEY,          -- 128 random bits, lower-case hex
    browser     TEXT NOT NULL,             -- the browser cookie that started it
    set_id      TEXT NOT NULL,
    set_title   TEXT NOT NULL,             -- kept for the history if the set goes
    started_ms  INTEGER NOT NULL,          -- Unix epoch milliseconds
    deadline_ms INTEGER,                   -- NULL: no time limit
    retry_of    TEXT REFERENCES attempts (id),
    items       INTEGER NOT NULL,
    max_score   REAL NOT NULL,
    plan        TEXT NOT NULL              -- engine Attempt without outcomes, JSON
);

CREATE INDEX attempts_by_browser ON attempts (browser, started_ms DESC);

-- One row per answered item; the primary key is what refuses a second answer
-- to the same question, whichever process or machine tries.
CREATE TABLE answers (
    attempt_id  TEXT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    item        INTEGER NOT NULL,          -- 0-based position in the plan
    input       TEXT NOT NULL,             -- what was submitted, typed-answer syntax
    response    TEXT NOT NULL,             -- engine Response, JSON
    credit      REAL NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('correct', 'partial', 'incorrect')),
    points      REAL NOT NULL,
    max_points  REAL NOT NULL,
    answered_ms INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, item)
) WITHOUT ROWID;
