import Database from 'better-sqlite3';
import { levelIndexSql } from '../adapters/log-source.js';

/** Message shapes of a busy backend, with their variable parts, for benchmark databases. */
const SHAPES: ((n: number) => string)[] = [
  (n) => `Timeout calling gemini after ${20 + (n % 40)}s (job ${n})`,
  (n) => `Inworld TTS rate limited (429) for voice v${n % 50}, retry in ${n % 30}s`,
  (n) => `Job ${n} failed: voice settings missing for user u${n % 997}`,
  (n) => `Retrying upload of job ${n} to storage (attempt ${1 + (n % 3)})`,
  (n) => `runpod endpoint ep-${(n % 7919).toString(16)} returned 503 for request ${n}`,
  (n) => `queue depth ${n % 200} above soft limit 150`,
  (n) => `Slow query: SELECT * FROM jobs WHERE id = ${n} took ${n % 5000}ms`,
  (n) => `User ${n % 10007}@example.com hit quota on plan pro`,
  (n) => `Failed to decode audio chunk ${n} from /data/uploads/${n % 311}/chunk-${n}.wav`,
  (n) => `Connection reset by peer while streaming to 10.0.${n % 255}.${(n * 7) % 255}:8443`,
];
for (let i = 0; i < 190; i++) SHAPES.push((n) => `Worker stage ${i} failed for job ${n}: code E${i}`);

/** Writes `rows` rows in the default schema; `warnShare` of them WARNING or above, drawn from the
 * first `shapes` message shapes. */
export function writeBenchDatabase(path: string, rows: number, warnShare: number, startTime: number, shapes = SHAPES.length): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS logs (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, level TEXT NOT NULL,
    level_no INTEGER NOT NULL, message TEXT NOT NULL, name TEXT, function TEXT, line INTEGER, module TEXT, process INTEGER,
    thread TEXT, exception TEXT, extra TEXT)`);
  // The index examples/loguru_sqlite_sink.py creates.
  db.exec(levelIndexSql({ table: 'logs', min_level: 30, columns: { id: 'id', level: 'level' } }));
  const insert =
    db.prepare(`INSERT INTO logs (time, level, level_no, message, name, function, line, module, process, thread, exception, extra)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'app', 1, 'MainThread', ?, ?)`);
  const every = Math.round(1 / warnShare);
  const chunk = 50_000;
  for (let from = 0; from < rows; from += chunk) {
    db.transaction(() => {
      for (let i = from; i < Math.min(rows, from + chunk); i++) {
        const time = new Date(startTime + i * 10).toISOString();
        if (i % every !== 0) {
          insert.run(time, 'INFO', 20, `request ${i} served in ${i % 300}ms`, 'app.http', 'serve', 12, null, null);
          continue;
        }
        const shape = (i * 2654435761) % shapes;
        const error = shape % 3 === 0;
        insert.run(
          time,
          error ? 'ERROR' : 'WARNING',
          error ? 40 : 30,
          SHAPES[shape]!(i),
          `app.mod${shape % 17}`,
          `fn${shape % 23}`,
          shape,
          error
            ? `Traceback (most recent call last):\n  File "/srv/app/mod.py", line ${shape}, in fn\n    run()\nValueError: stage ${shape} failed\n`
            : null,
          shape % 5 === 0 ? JSON.stringify({ job: i, api: 'gemini' }) : null,
        );
      }
    })();
  }
  db.close();
}
