-- The schema of a version-2 data file (PRAGMA user_version = 2), as Kongjian wrote it
-- from 06e333b: the inbox journaled one row per recipient (inbox) beside inbox_bodies.
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
    created INTEGER NOT NULL, signature TEXT NOT NULL, head_portrait TEXT NOT NULL,
    skin TEXT NOT NULL, music TEXT NOT NULL, points INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
CREATE TABLE IF NOT EXISTS friends (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE IF NOT EXISTS requests (frm TEXT NOT NULL, dst TEXT NOT NULL,
    PRIMARY KEY (frm, dst));
CREATE INDEX IF NOT EXISTS requests_dst ON requests (dst);
CREATE TABLE IF NOT EXISTS declined (frm TEXT NOT NULL, dst TEXT NOT NULL,
    ts INTEGER NOT NULL, PRIMARY KEY (frm, dst)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS space_writes (owner TEXT NOT NULL, author TEXT NOT NULL,
    window INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (owner, author, window)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS moods (
    id INTEGER PRIMARY KEY AUTOINCREMENT, author TEXT NOT NULL, text TEXT NOT NULL,
    visibility TEXT NOT NULL, tag TEXT NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS moods_source ON moods (author, visibility, id);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, subject_id INTEGER NOT NULL, author TEXT NOT NULL,
    text TEXT NOT NULL, reply_to INTEGER, ts INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'mood');
CREATE INDEX IF NOT EXISTS comments_subject ON comments (kind, subject_id, id);
CREATE TABLE IF NOT EXISTS likes (kind TEXT NOT NULL, subject_id INTEGER NOT NULL,
    user TEXT NOT NULL, PRIMARY KEY (kind, subject_id, user));
CREATE TABLE IF NOT EXISTS gifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, frm TEXT NOT NULL, dst TEXT NOT NULL,
    gift TEXT NOT NULL, name TEXT NOT NULL, animation TEXT NOT NULL, message TEXT NOT NULL,
    ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS gifts_dst ON gifts (dst, id);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, author TEXT NOT NULL,
    text TEXT NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_owner ON entries (owner, id);
CREATE TABLE IF NOT EXISTS visits (owner TEXT NOT NULL, visitor TEXT NOT NULL,
    ts INTEGER NOT NULL, PRIMARY KEY (owner, visitor));
CREATE TABLE IF NOT EXISTS points_daily (user TEXT NOT NULL, action TEXT NOT NULL,
    day INTEGER NOT NULL, earned INTEGER NOT NULL, PRIMARY KEY (user, action, day));
CREATE TABLE IF NOT EXISTS inbox_epochs (user TEXT PRIMARY KEY, epoch TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbox_bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS inbox (user TEXT NOT NULL, seq INTEGER NOT NULL,
    body_id INTEGER NOT NULL, PRIMARY KEY (user, seq)) WITHOUT ROWID;
