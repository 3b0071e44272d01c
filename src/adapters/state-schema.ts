/** The state DB's schema, one entry per version; `migrate` applies the ones a database lacks. */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE groups (
    fingerprint TEXT PRIMARY KEY,
    template TEXT NOT NULL,
    exception_type TEXT,
    logger TEXT,
    function TEXT,
    level_no INTEGER NOT NULL,
    level_name TEXT NOT NULL,
    samples TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    total INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    resolved_at INTEGER,
    last_investigated_at INTEGER,
    last_investigated_rate REAL
  );
  CREATE TABLE group_hours (
    fingerprint TEXT NOT NULL,
    hour INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (fingerprint, hour)
  ) WITHOUT ROWID;
  CREATE TABLE aliases (alias TEXT PRIMARY KEY, fingerprint TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE rule_hits (
    rule_id TEXT NOT NULL,
    minute INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (rule_id, minute)
  ) WITHOUT ROWID;
  CREATE TABLE rule_last_hit (rule_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    rows_read INTEGER NOT NULL DEFAULT 0,
    ignored INTEGER NOT NULL DEFAULT 0,
    redactions INTEGER NOT NULL DEFAULT 0,
    groups INTEGER NOT NULL DEFAULT 0,
    triggered INTEGER NOT NULL DEFAULT 0,
    checkpoint_from INTEGER,
    checkpoint_to INTEGER,
    outcome TEXT NOT NULL DEFAULT 'running',
    message TEXT
  );
  CREATE TABLE warnings (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);
  CREATE TABLE investigations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    errors TEXT NOT NULL DEFAULT '[]',
    report TEXT,
    incident_path TEXT
  );
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    channel TEXT NOT NULL,
    incident_path TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    sent_at INTEGER
  );
  CREATE TABLE claude_calls (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    cost_usd REAL NOT NULL DEFAULT 0,
    num_turns INTEGER,
    duration_ms INTEGER,
    subtype TEXT,
    permission_denials TEXT NOT NULL DEFAULT '[]'
  );
  CREATE TABLE system_samples (at INTEGER PRIMARY KEY, sample TEXT NOT NULL);
  CREATE TABLE health_alerts (series TEXT PRIMARY KEY, alerted_at INTEGER NOT NULL) WITHOUT ROWID;
  -- Every run prunes buckets older than 8 days: by index, not by scanning every group's hours.
  CREATE INDEX group_hours_by_hour ON group_hours (hour);
  CREATE INDEX rule_hits_by_minute ON rule_hits (minute);
  `,
  `
  -- issue 9: splinter groups folded into the group they belong to; aliases keep mapping their fingerprints
  CREATE TABLE folds (alias TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, at INTEGER NOT NULL, rows INTEGER NOT NULL, template TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX folds_by_fingerprint ON folds (fingerprint);
  `,
  `-- issue 15: the channel configuration a notification last failed with: a changed one is tried at once.
  ALTER TABLE outbox ADD COLUMN channel_config TEXT;
  -- issue 15: the process of a run, so status tells one in progress from one that was killed.
  ALTER TABLE runs ADD COLUMN pid INTEGER;
  `,
  `
  -- issue 10: autofix jobs, one persisted state machine per attempt (queued → … → notified, or stopped)
  CREATE TABLE autofix_jobs (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    incident_path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    stop_reason TEXT,
    next_attempt_at INTEGER NOT NULL,
    claude_at INTEGER,
    opened_at INTEGER,
    data TEXT NOT NULL
  );
  CREATE INDEX autofix_jobs_by_fingerprint ON autofix_jobs (fingerprint);
  `,
];
