/**
 * The store's tables. `user_version` marks the schema; a file with a newer one is left alone (opening it fails).
 * `requests.json` holds each record as UTF-8 bytes; rows from earlier versions hold text, and both are read.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS originals (
  hash TEXT PRIMARY KEY,
  body BLOB NOT NULL,
  kind TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_access INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS originals_lru ON originals (last_access);
CREATE TABLE IF NOT EXISTS memo (
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL,
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_access INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS memo_lru ON memo (last_access);
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uid TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_at ON requests (at);
`;

/**
 * Per-connection settings. The database lives in sql.js's in-memory file system and is saved as a
 * whole image, so it needs no journal and no locking between statements: with the default settings
 * every statement re-validates the page cache, which makes a lookup ~20x slower. Without a journal a
 * ROLLBACK is not possible, so the store never relies on one.
 */
export const CONNECTION_SQL = `PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;`;
