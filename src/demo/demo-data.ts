import Database from 'better-sqlite3';

/** A deterministic PRNG (mulberry32): the demo looks the same on every machine. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MINUTE = 60_000;
const TRACEBACK = (frames: [string, number, string][], last: string) =>
  `Traceback (most recent call last):\n${frames.map(([file, line, fn]) => `  File "${file}", line ${line}, in ${fn}\n    ...\n`).join('')}${last}\n`;

interface DemoRow {
  time: number;
  level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
  message: string;
  name: string;
  function: string;
  line: number;
  exception?: string;
  extra?: Record<string, unknown>;
}

const LEVEL_NO = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;

/** The table examples/loguru_sqlite_sink.py creates, filled with three days of a TTS backend's life:
 * requests, a job queue, GPU work overflowing to Runpod, Gemini and Inworld calls, the usual warnings,
 * and in the last hour a new error and an Inworld rate-limit storm: retried calls push Inworld's calls
 * per minute near its quota and the queue backs up, while requests, Gemini and Runpod stay as usual
 * (the metrics of examples/sentinel.yaml; `sentinel health` flags the queue and Inworld). */
export function writeDemoDatabase(path: string, now: number, days = 3): number {
  const rand = random(42);
  const rows: DemoRow[] = [];
  const start = now - days * 24 * 60 * MINUTE;
  let depth = 8;
  for (let t = start; t < now; t += MINUTE) {
    const recent = now - t < 60 * MINUTE;
    const hour = new Date(t).getUTCHours();
    const busy = hour >= 8 && hour <= 20 ? 1.6 : 0.6;
    depth = recent ? Math.min(180, depth + 3 + rand() * 3) : Math.max(0, Math.round(10 * busy + (rand() - 0.5) * 6));
    rows.push({
      time: t,
      level: 'INFO',
      message: 'queue depth',
      name: 'app.queue',
      function: 'report_depth',
      line: 88,
      extra: { depth: Math.round(depth) },
    });
    const requests = Math.round(5 * busy + rand() * 3);
    for (let i = 0; i < requests; i++)
      rows.push({ time: t + 500 + i * 2100, level: 'INFO', message: 'request served', name: 'app.http', function: 'serve', line: 23 });
    const gemini = Math.round(8 * busy + rand() * 4);
    for (let i = 0; i < gemini; i++)
      rows.push({
        time: t + i * 900,
        level: 'INFO',
        message: 'api call',
        name: 'app.llm',
        function: 'generate',
        line: 51,
        extra: { api: 'gemini' },
      });
    // Retries of rate-limited calls: near the quota of 20 a minute whatever the hour.
    const inworld = Math.round(recent ? 15 + rand() * 3 : 3 * busy + rand() * 2);
    for (let i = 0; i < inworld; i++)
      rows.push({
        time: t + i * 1700,
        level: 'INFO',
        message: 'api call',
        name: 'app.tts',
        function: 'synthesize',
        line: 140,
        extra: { api: 'inworld' },
      });
    if (rand() < 0.08) {
      rows.push({
        time: t + 30_000,
        level: 'INFO',
        message: 'runpod overflow: job dispatched to serverless',
        name: 'app.gpu',
        function: 'dispatch',
        line: 203,
        extra: { runpod: true },
      });
    }
    if (rand() < 0.02) {
      rows.push({
        time: t + 5000,
        level: 'WARNING',
        message: `Retrying upload of job ${Math.floor(rand() * 9000 + 1000)} to storage (attempt 2)`,
        name: 'app.storage',
        function: 'upload',
        line: 77,
      });
    }
    if (rand() < 0.004) {
      rows.push({
        time: t + 12_000,
        level: 'ERROR',
        message: `Gemini request failed for job ${Math.floor(rand() * 9000 + 1000)}: 503 Service Unavailable`,
        name: 'app.llm',
        function: 'generate',
        line: 64,
        exception: TRACEBACK(
          [
            ['/srv/app/llm.py', 64, 'generate'],
            ['/srv/app/http.py', 31, 'post'],
          ],
          'httpx.HTTPStatusError: 503 Service Unavailable',
        ),
      });
    }
    if (recent && rand() < 0.8) {
      for (let i = 0; i < 1 + Math.floor(rand() * 4); i++) {
        rows.push({
          time: t + 20_000 + i * 3000,
          level: 'ERROR',
          message: `Inworld TTS rate limited (429) for voice ${['Ashley', 'Dennis', 'Olivia'][i % 3]}, retry in ${Math.floor(rand() * 20 + 5)}s`,
          name: 'app.tts',
          function: 'synthesize',
          line: 152,
          exception: TRACEBACK([['/srv/app/tts.py', 152, 'synthesize']], 'inworld.RateLimitError: 429 Too Many Requests'),
        });
      }
    }
    if (now - t < 25 * MINUTE && rand() < 0.3) {
      rows.push({
        time: t + 40_000,
        level: 'ERROR',
        message: `Job ${Math.floor(rand() * 9000 + 1000)} failed: voice settings missing for user alice@example.com (token sk-ant-api03-${'x'.repeat(20)}AbCd)`,
        name: 'app.worker',
        function: 'render_job',
        line: 219,
        exception: TRACEBACK(
          [
            ['/srv/app/worker.py', 219, 'render_job'],
            ['/srv/app/voices.py', 40, 'settings_for'],
          ],
          "KeyError: 'voice_id'",
        ),
      });
    }
  }
  rows.sort((a, b) => a.time - b.time);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS logs (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, level TEXT NOT NULL,
    level_no INTEGER NOT NULL, message TEXT NOT NULL, name TEXT, function TEXT, line INTEGER, module TEXT, process INTEGER,
    thread TEXT, exception TEXT, extra TEXT); CREATE INDEX IF NOT EXISTS logs_time ON logs (time);`);
  const insert =
    db.prepare(`INSERT INTO logs (time, level, level_no, message, name, function, line, module, process, thread, exception, extra)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 4242, 'MainThread', ?, ?)`);
  db.transaction(() => {
    for (const r of rows) {
      insert.run(
        new Date(r.time).toISOString().replace('Z', '+00:00'),
        r.level,
        LEVEL_NO[r.level],
        r.message,
        r.name,
        r.function,
        r.line,
        r.name.split('.').pop(),
        r.exception ?? null,
        r.extra ? JSON.stringify(r.extra) : null,
      );
    }
  })();
  db.close();
  return rows.length;
}
