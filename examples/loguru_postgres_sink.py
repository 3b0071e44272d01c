"""A loguru sink that writes every record as one row of a PostgreSQL table: sentinel's default schema.

    from loguru import logger
    from loguru_postgres_sink import PostgresSink

    logger.add(PostgresSink("postgresql://app@db.internal/app"), level="WARNING", enqueue=True)

Every app host writes to the same table; `host` says which one. Each record is its own short
autocommit transaction: never write it from inside one of your own transactions (a transaction
left open holds every later row back from sentinel until it ends). `enqueue=True` keeps a slow
database from blocking the app and makes the sink safe across processes.

The table (created if missing) is what sentinel's default PostgreSQL `columns` expect: id, txid
(the transaction that wrote the row: with the id, the cursor that never skips a late commit),
received_at (the database's clock), time (loguru's, UTC), host, level (name), level_no, message,
name (logger), function, line, module, process, thread, exception (the formatted traceback, or
NULL) and extra (JSON, or NULL). Needs PostgreSQL 13 or later and psycopg 3
(Debian: python3-psycopg).
"""
import json
import socket
import sys
import threading
import traceback

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    received_at timestamptz NOT NULL DEFAULT now(),
    time timestamptz NOT NULL,
    host text NOT NULL,
    level text NOT NULL,
    level_no integer NOT NULL,
    message text NOT NULL,
    name text,
    function text,
    line integer,
    module text,
    process integer,
    thread text,
    exception text,
    extra jsonb
);
CREATE INDEX IF NOT EXISTS {table}_cursor ON {table} (txid, id);
CREATE INDEX IF NOT EXISTS {table}_time ON {table} (time);
"""


class PostgresSink:
    def __init__(self, dsn, table="logs", host=None):
        if not table.isidentifier():
            raise ValueError(f"not a table name: {table!r}")
        self._dsn = dsn
        self._host = host or socket.gethostname()
        self._lock = threading.Lock()
        self._insert = (
            f"INSERT INTO {table} (time, host, level, level_no, message, name, function, line, module,"
            " process, thread, exception, extra) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        self._conn = self._connect()
        with self._lock:
            # Several processes may start at once: one creates the table, the others wait for it.
            self._conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (table,))
            try:
                self._conn.execute(SCHEMA.format(table=table))
            finally:
                self._conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (table,))

    def _connect(self):
        return psycopg.connect(self._dsn, autocommit=True, application_name="loguru")

    def __call__(self, message):
        record = message.record
        exception = None
        if record["exception"] is not None:
            kind, value, tb = record["exception"]
            exception = "".join(traceback.format_exception(kind, value, tb))
        extra = json.dumps(record["extra"], default=str) if record["extra"] else None
        row = (
            record["time"],
            self._host,
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
            try:
                self._conn.execute(self._insert, row)
            except psycopg.OperationalError:
                # The connection dropped (a restart, a failover): reconnect once, else drop the record.
                try:
                    self._conn.close()
                    self._conn = self._connect()
                    self._conn.execute(self._insert, row)
                except psycopg.Error as error:
                    # Not through loguru: a sink must not log into itself.
                    print(f"loguru_postgres_sink: record dropped: {error}", file=sys.stderr)

    def stop(self):
        with self._lock:
            self._conn.close()
