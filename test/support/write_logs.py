"""Writes log records through real loguru into a SQLite database, for sentinel's tests.

usage: write_logs.py DB SCHEMA < records.jsonl
SCHEMA is `default` (examples/loguru_sqlite_sink.py, WAL) or `alt` (another app's schema: epoch-float
times, numeric levels, other column names, rollback journal). Each stdin line is a JSON object:
{"level": "ERROR", "message": "...", "logger": "app.jobs", "function": "run", "exception": "ValueError: bad",
 "extra": {...}, "repeat": 1}
"""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
from loguru import logger  # noqa: E402
from loguru_sqlite_sink import SQLiteSink  # noqa: E402


class AltSink:
    def __init__(self, path):
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS events (event_id INTEGER PRIMARY KEY, ts REAL, severity INTEGER,"
            " text TEXT, source TEXT, func TEXT, lineno INTEGER, tb TEXT, ctx TEXT)"
        )

    def __call__(self, message):
        r = message.record
        tb = None
        if r["exception"] is not None:
            import traceback
            tb = "".join(traceback.format_exception(*r["exception"]))
        self._conn.execute(
            "INSERT INTO events (ts, severity, text, source, func, lineno, tb, ctx) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (r["time"].timestamp(), r["level"].no, r["message"], r["name"], r["function"], r["line"], tb,
             json.dumps(r["extra"], default=str) if r["extra"] else None),
        )


def main():
    path, schema = sys.argv[1], sys.argv[2]
    logger.remove()
    logger.add(SQLiteSink(path) if schema == "default" else AltSink(path), level="TRACE")
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        patched = logger.patch(
            lambda r, s=spec: r.update(name=s.get("logger", r["name"]), function=s.get("function", r["function"]))
        ).bind(**spec.get("extra", {}))
        for _ in range(spec.get("repeat", 1)):
            if spec.get("exception"):
                kind, _, text = spec["exception"].partition(": ")
                error = type(kind, (Exception,), {})(text)
                try:
                    raise error
                except Exception:
                    patched.opt(exception=True).log(spec["level"], spec["message"])
            else:
                patched.log(spec["level"], spec["message"])


main()
