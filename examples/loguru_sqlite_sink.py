"""A loguru sink that writes every record as one row of a SQLite table: sentinel's default schema.

    from loguru import logger
    from loguru_sqlite_sink import SQLiteSink

    logger.add(SQLiteSink("/srv/app/logs.db"), level="INFO")

The table (created if missing) is what sentinel's default `source.columns` expect:
id (the cursor; AUTOINCREMENT so ids are never reused after old rows are deleted), time (ISO 8601,
UTC), level (name), level_no, message, name (logger), function, line, module, process, thread,
exception (the formatted traceback, or NULL) and extra (JSON, or NULL).

An index of the ids of WARNING and above lets sentinel read (and count) only those rows, not every
INFO row between them; `sentinel doctor` prints the one to create for another min_level.

The database runs in WAL mode so sentinel (and people, and agents) can read while the app writes.
"""
import json
import sqlite3
import threading
import traceback
from datetime import timezone

SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    level TEXT NOT NULL,
    level_no INTEGER NOT NULL,
    message TEXT NOT NULL,
    name TEXT,
    function TEXT,
    line INTEGER,
    module TEXT,
    process INTEGER,
    thread TEXT,
    exception TEXT,
    extra TEXT
)
"""

# sentinel's level filter for min_level 30, repeated word for word: SQLite uses a partial index when
# the query's WHERE contains the index's WHERE.
LEVEL_INDEX = (
    'CREATE INDEX IF NOT EXISTS "{table}_level_30" ON "{table}" ("id") WHERE (CASE WHEN typeof("level")'
    " IN ('integer', 'real') THEN \"level\" >= 30 ELSE upper(trim(\"level\")) NOT IN ('TRACE', 'DEBUG', 'INFO', 'SUCCESS') END)"
)


class SQLiteSink:
    def __init__(self, path, table="logs", wal=True):
        if not table.isidentifier():
            raise ValueError(f"not a table name: {table!r}")
        self._table = table
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        if wal:
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(SCHEMA.format(table=table))
        self._conn.execute(f"CREATE INDEX IF NOT EXISTS {table}_time ON {table} (time)")
        self._conn.execute(LEVEL_INDEX.format(table=table))
        self._insert = (
            f"INSERT INTO {table} (time, level, level_no, message, name, function, line, module,"
            " process, thread, exception, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )

    def __call__(self, message):
        record = message.record
        exception = None
        if record["exception"] is not None:
            kind, value, tb = record["exception"]
            exception = "".join(traceback.format_exception(kind, value, tb))
        extra = json.dumps(record["extra"], default=str) if record["extra"] else None
        row = (
            record["time"].astimezone(timezone.utc).isoformat(),
            record["level"].name,
            record["level"].no,
            record["message"],
            record["name"],
            record["function"],
            record["line"],
            record["module"],
            record["process"].id,
            record["thread"].name,
            exception,
            extra,
        )
        with self._lock:
            self._conn.execute(self._insert, row)

    def close(self):
        with self._lock:
            self._conn.close()
