"""Holds a SQLite write lock the way another process would.

usage: hold_lock.py DB (immediate|exclusive) [ROWS]
Begins the transaction, inserts ROWS error rows into the loguru sink's `logs` table when given,
prints "locked", and commits when stdin closes."""
import sqlite3
import sys

conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
conn.execute(f"BEGIN {sys.argv[2].upper()}")
for i in range(int(sys.argv[3]) if len(sys.argv) > 3 else 0):
    conn.execute(
        "INSERT INTO logs (time, level, level_no, message, name, function, line) VALUES"
        " (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'ERROR', 40, ?, 'app.locked', 'write', 1)",
        (f"written under a held lock {i}",),
    )
print("locked", flush=True)
sys.stdin.read()
conn.execute("COMMIT")
conn.close()
