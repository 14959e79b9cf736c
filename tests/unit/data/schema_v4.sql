-- The schema of a version-4 data file (PRAGMA user_version = 4), as Kongjian wrote it
-- from 8b151b7 (friend groups) until feed entries had kinds.
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
    created INTEGER NOT NULL, signature TEXT NOT NULL, head_portrait TEXT NOT NULL,
    skin TEXT NOT NULL, music TEXT NOT NULL, points INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS users_display_name ON users (lower(display_name));
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
CREATE TABLE IF NOT EXISTS friends (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE IF NOT EXISTS requests (frm TEXT NOT NULL, dst TEXT NOT NULL,
    PRIMARY KEY (frm, dst));
CREATE INDEX IF NOT EXISTS requests_dst ON requests (dst);
CREATE TABLE IF NOT EXISTS friend_groups (owner TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (owner, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_members (owner TEXT NOT NULL, name TEXT NOT NULL,
    member TEXT NOT NULL, PRIMARY KEY (owner, name, member)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS group_members_member ON group_members (member);
CREATE TABLE IF NOT EXISTS care (user TEXT NOT NULL, target TEXT NOT NULL,
    PRIMARY KEY (user, target)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS care_target ON care (target);
CREATE TABLE IF NOT EXISTS space_settings (user TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (owner TEXT NOT NULL, user TEXT NOT NULL,
    PRIMARY KEY (owner, user)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blocks_user ON blocks (user);
CREATE TABLE IF NOT EXISTS declined (frm TEXT NOT NULL, dst TEXT NOT NULL,
    ts INTEGER NOT NULL, PRIMARY KEY (frm, dst)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS space_writes (owner TEXT NOT NULL, author TEXT NOT NULL,
    window INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (owner, author, window)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS moods (
    id INTEGER PRIMARY KEY AUTOINCREMENT, author TEXT NOT NULL, text TEXT NOT NULL,
    visibility TEXT NOT NULL, tag TEXT NOT NULL, ts INTEGER NOT NULL,
    groups TEXT NOT NULL DEFAULT '');
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
CREATE TABLE IF NOT EXISTS entry_notes (entry_id INTEGER PRIMARY KEY,
    private INTEGER NOT NULL DEFAULT 0, reply TEXT, reply_ts INTEGER);
CREATE TABLE IF NOT EXISTS visits (owner TEXT NOT NULL, visitor TEXT NOT NULL,
    ts INTEGER NOT NULL, PRIMARY KEY (owner, visitor));
CREATE TABLE IF NOT EXISTS visit_counts (owner TEXT NOT NULL, day INTEGER NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (owner, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notes (user TEXT NOT NULL, id INTEGER PRIMARY KEY AUTOINCREMENT,
    cause TEXT NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, ts INTEGER NOT NULL,
    data TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS notes_cause ON notes (user, cause);
CREATE INDEX IF NOT EXISTS notes_user ON notes (user, id);
CREATE TABLE IF NOT EXISTS points_daily (user TEXT NOT NULL, action TEXT NOT NULL,
    day INTEGER NOT NULL, earned INTEGER NOT NULL, PRIMARY KEY (user, action, day));
CREATE TABLE IF NOT EXISTS inbox_epochs (user TEXT PRIMARY KEY, epoch TEXT NOT NULL,
    start INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY AUTOINCREMENT,
    body BLOB NOT NULL, recipients BLOB NOT NULL);
