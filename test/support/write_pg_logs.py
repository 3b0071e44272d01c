"""Writes log records through real loguru and examples/loguru_postgres_sink.py, for sentinel's tests.

usage: write_pg_logs.py DSN HOST < records.jsonl
Each stdin line is a JSON object as for write_logs.py: {"level": "ERROR", "message": "...",
"logger": "app.jobs", "function": "run", "exception": "ValueError: bad", "repeat": 1}.
The sink runs with enqueue=True, as recommended: records go through loguru's queue.
"""
import builtins
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
from loguru import logger  # noqa: E402
from loguru_postgres_sink import PostgresSink  # noqa: E402


def main():
    dsn, host = sys.argv[1], sys.argv[2]
    logger.remove()
    logger.add(PostgresSink(dsn, host=host), level="TRACE", enqueue=True, catch=False)
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        patched = logger.patch(
            lambda r, s=spec: r.update(name=s.get("logger", r["name"]), function=s.get("function", r["function"]))
        )
        for _ in range(spec.get("repeat", 1)):
            if spec.get("exception"):
                kind, _, text = spec["exception"].partition(": ")
                # A class loguru's queue can pickle: a builtin, or one made a global of this module.
                error = getattr(builtins, kind, None) or globals().setdefault(kind, type(kind, (Exception,), {}))
                try:
                    raise error(text)
                except Exception:
                    patched.opt(exception=True).log(spec["level"], spec["message"])
            else:
                patched.log(spec["level"], spec["message"])
    logger.remove()  # waits for the queue to drain


main()
