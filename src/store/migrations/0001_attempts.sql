-- Self-test attempts (web issue). Owned by the web front end's store code.
CREATE TABLE IF NOT EXISTS schema_note (note TEXT);
