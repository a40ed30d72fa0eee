-- Live rooms, players and answers (live issue).
CREATE TABLE IF NOT EXISTS schema_note_live (note TEXT);
