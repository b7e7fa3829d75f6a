/** The store's tables. `user_version` marks the schema; a newer one is left alone (treated as unreadable). */
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

/** Per-connection settings: the database lives in memory and is saved whole, so no journal on disk is needed. */
export const CONNECTION_SQL = `PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;`;
