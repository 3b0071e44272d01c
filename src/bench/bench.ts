import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { writeBenchDatabase } from './bench-data.js';
import { copyToPostgres, startBenchPostgres } from './postgres-bench.js';
import { summariseProfiles } from './cpu-profile.js';
import { measurePrompt } from './prompt-size.js';
import { measureShellPipeline } from './shell-pipeline.js';
import { readFloorArgs } from './read-floor.js';
import { loadConfig } from '../adapters/config-file.js';

/** `npm run bench`: the speed and memory figures of the brief, measured on this machine in one run. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'cli.js');
const work = mkdtempSync(join(tmpdir(), 'sentinel-bench-'));
chmodSync(work, 0o711); // as root the PostgreSQL cluster below belongs to the postgres user, who must reach it

interface Measured {
  wallMs: number;
  peakRssMb: number;
  stdout: string;
}

// Node 20 reads NODE_EXTRA_CA_CERTS's whole bundle at every start (~90 ms here, where the sandbox
// sets it): measured with it, every process and `node -e 0` alike carry that cost, which flatters
// every ratio. The units set no such variable, so the measured processes run without it.
const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
delete process.env.NODE_EXTRA_CA_CERTS;

/** `--profile`: the measured sentinel runs write V8 CPU profiles here, summarised after each. */
const profileDir = process.argv.includes('--profile') ? join(root, 'bench-profiles') : null;

/** Runs node with these arguments (or `command`), sampling its peak RSS (VmHWM) from /proc until it exits. */
function measure(args: string[], input?: string, command = process.execPath, env = process.env, cwd?: string): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'], env, cwd });
    let peakKb = 0;
    const chunks: Buffer[] = [];
    let kept = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (kept < 1 << 20) chunks.push(chunk);
      kept += chunk.length;
    });
    const sample = () => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      } catch {
        // the process has just exited
      }
    };
    const timer = setInterval(sample, 20);
    if (input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(input);
    }
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}`));
      else resolvePromise({ wallMs, peakRssMb: peakKb / 1024, stdout: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

async function median(times: number, run: () => Promise<Measured>): Promise<number> {
  const walls: number[] = [];
  for (let i = 0; i < times; i++) walls.push((await run()).wallMs);
  walls.sort((a, b) => a - b);
  return walls[Math.floor(walls.length / 2)]!;
}

/** A sentinel run measured, and with `--profile` profiled: where its time went, printed after it. */
async function measureSentinel(label: string, args: string[], input?: string): Promise<Measured> {
  if (profileDir === null) return measure([cli, ...args], input);
  const dir = join(profileDir, label);
  rmSync(dir, { recursive: true, force: true });
  const result = await measure(['--cpu-prof', `--cpu-prof-dir=${dir}`, cli, ...args], input);
  console.log(summariseProfiles(dir, label));
  return result;
}

/** The app's connections, open while the bench runs: sentinel reads a running app's WAL database in
 * place (a stopped app's is copied first, see openReadOnly). */
const apps: Database.Database[] = [];

function project(name: string, rows: number, warnShare: number, shapes?: number): string {
  const dir = join(work, name);
  spawnSync('mkdir', ['-p', dir]);
  writeBenchDatabase(join(dir, 'logs.db'), rows, warnShare, Date.now() - rows * 10, shapes);
  const app = new Database(join(dir, 'logs.db'));
  app.prepare('SELECT 1 FROM logs LIMIT 1').get(); // creates the -wal and -shm a running app has
  apps.push(app);
  writeFileSync(
    join(dir, 'sentinel.yaml'),
    stringify({ source: { path: './logs.db', first_run_lookback: '3650d' }, claude: { enabled: false } }),
  );
  return join(dir, 'sentinel.yaml');
}

const line = (label: string, value: string, target: string) => console.log(`${label.padEnd(52)} ${value.padStart(14)}   ${target}`);

async function main(): Promise<void> {
  console.log(`sentinel bench — node ${process.version}, ${process.platform}/${process.arch}`);
  if (extraCaCerts !== undefined) console.log(`(measured without NODE_EXTRA_CA_CERTS=${extraCaCerts}, as the units run)`);
  console.log('');

  // (a) The 1M-row table, 100k of its rows WARNING or above in the table's 3 message kinds, end to end:
  // sentinel against the shell pipeline an operator would write instead, on the same file.
  const million = project('million', 1_000_000, 0.1, 3);
  const status = await measureSentinel('status', ['--config', million, 'status']);
  line('(a) sentinel status, 100,000 rows behind (1M-row table)', `${status.wallMs.toFixed(0)} ms`, 'target < 500 ms');
  const first = await measureSentinel('end-to-end', ['--config', million, 'run', '--json']); // leaves the checkpoint at the end
  const report = JSON.parse(first.stdout) as { rows_read: number; groups: unknown[] };
  const sentinelRate = report.rows_read / (first.wallMs / 1000);
  const pipeline = await measureShellPipeline(join(dirname(million), 'logs.db'));
  const versus =
    pipeline === null
      ? 'sqlite3 is not installed (apt-get install sqlite3): no pipeline to compare'
      : `${(sentinelRate / pipeline.rowsPerSecond).toFixed(2)}× the pipeline (target ≥ 1.0×)`;
  line(
    `(a) sentinel run over the ${report.rows_read.toLocaleString('en')} WARNING+ rows`,
    `${Math.round(sentinelRate).toLocaleString('en')} rows/s`,
    versus,
  );
  line('(a)   groups', `${report.groups.length}`, 'the table has 3');
  line('(a)   peak RSS', `${first.peakRssMb.toFixed(0)} MB`, 'target ≤ 80 MB');
  if (pipeline !== null) {
    line(
      '(a) shell pipeline: sqlite3 | sed | sort | uniq -c',
      `${Math.round(pipeline.rowsPerSecond).toLocaleString('en')} rows/s`,
      `${pipeline.rows.toLocaleString('en')} rows read`,
    );
    line('(a)   groups', `${pipeline.groups}`, 'the table has 3');
  }
  // What no run can go under: node, better-sqlite3 and the run's own read of those rows, nothing more.
  const database = join(dirname(million), 'logs.db');
  const floorArgs = readFloorArgs(database, loadConfig(million, process.env).config.source);
  const floor = await median(3, () => measure(floorArgs, undefined, process.execPath, process.env, root));
  line(
    '(a)   floor: node + better-sqlite3 reading those rows',
    `${Math.round(report.rows_read / (floor / 1000)).toLocaleString('en')} rows/s`,
    `${floor.toFixed(0)} ms${pipeline === null ? '' : ` = ${(report.rows_read / (floor / 1000) / pipeline.rowsPerSecond).toFixed(2)}× the pipeline`}, nothing done with them`,
  );

  // (a) No new rows: the every-5-minutes case must cost about a Node start-up.
  const nodeMs = await median(9, () => measure(['-e', '0']));
  // As the timer's unit runs it: systemd passes its CacheDirectory= as $CACHE_DIRECTORY, where the
  // last run left its parsed config and ignore file (and, on Node 22+, the compiled code).
  const unitEnv = { ...process.env, CACHE_DIRECTORY: join(work, 'unit-cache') };
  await measure([cli, '--config', million, 'run'], undefined, process.execPath, unitEnv);
  const timerMs = await median(9, () => measure([cli, '--config', million, 'run'], undefined, process.execPath, unitEnv));
  const idleMs = await median(9, () => measure([cli, '--config', million, 'run']));
  if (profileDir !== null) await measureSentinel('quiet', ['--config', million, 'run']);
  // The floor under the quiet run: loading the modules `run` imports, without running it.
  const runModule = join(root, 'dist', readdirSync(join(root, 'dist')).find((f) => /^run-\w+\.js$/.test(f)) ?? 'run.js');
  const loadOnly = () => measure(['--input-type=module', '-e', `await import(${JSON.stringify(runModule)})`]);
  const loadMs = await median(9, loadOnly);
  const quiet = await measure([cli, '--config', million, 'run']);
  line('(a) node -e 0', `${nodeMs.toFixed(0)} ms`, '');
  line(
    '(a) sentinel run, no new rows, as the timer runs it',
    `${timerMs.toFixed(0)} ms`,
    `${(timerMs / nodeMs).toFixed(2)}× node -e 0 (target ≤ 2.5×)`,
  );
  line('(a)   the same by hand (config parsed again)', `${idleMs.toFixed(0)} ms`, `${(idleMs / nodeMs).toFixed(2)}× node -e 0`);
  line('(a)   of which loading its modules, not running', `${loadMs.toFixed(0)} ms`, `${(loadMs / nodeMs).toFixed(2)}× node -e 0`);
  // The floor under any run: an ES module process that opens one SQLite database and does nothing.
  const sqliteOnly = ['--input-type=module', '-e', "import Database from 'better-sqlite3'; new Database(':memory:').close();"];
  const sqliteMs = await median(9, () => measure(sqliteOnly, undefined, process.execPath, process.env, root));
  line(
    '(a)   floor: node + better-sqlite3 opening a database',
    `${sqliteMs.toFixed(0)} ms`,
    `${(sqliteMs / nodeMs).toFixed(2)}× node -e 0`,
  );
  // And with the other part every command starts with: commander, parsing an empty command line.
  const mandated = [
    '--input-type=module',
    '-e',
    "import Database from 'better-sqlite3'; import { Command } from 'commander'; new Command('sentinel').parse(['node', 'sentinel']); new Database(':memory:').close();",
  ];
  const mandatedMs = await median(9, () => measure(mandated, undefined, process.execPath, process.env, root));
  line('(a)   floor: node + commander + better-sqlite3', `${mandatedMs.toFixed(0)} ms`, `${(mandatedMs / nodeMs).toFixed(2)}× node -e 0`);
  line('(a)   peak RSS', `${quiet.peakRssMb.toFixed(0)} MB`, `loading only: ${(await loadOnly()).peakRssMb.toFixed(0)} MB`);

  // (b) A run over many new WARNING+ rows: throughput and peak memory, at 100k and at 1M.
  let sqliteRowsPerSecond = 0;
  const peaks: number[] = [];
  for (const rows of [100_000, 1_000_000]) {
    const config = project(`warn-${rows}`, rows, 1);
    const result = await measureSentinel(`all-warning-${rows}`, ['--config', config, 'run', '--json']);
    const read = (JSON.parse(result.stdout) as { rows_read: number }).rows_read;
    if (rows === 100_000) sqliteRowsPerSecond = read / (result.wallMs / 1000);
    line(
      `(b) run over ${rows.toLocaleString('en')} new WARNING+ rows`,
      `${Math.round(read / (result.wallMs / 1000)).toLocaleString('en')} rows/s`,
      'target ≥ 100,000 rows/s',
    );
    peaks.push(result.peakRssMb);
    const growth = rows === 100_000 ? '' : `, ${(result.peakRssMb - peaks[0]!).toFixed(0)} MB above 100k (target: none)`;
    line(`(b)   peak RSS`, `${result.peakRssMb.toFixed(0)} MB`, `target ≤ 80 MB${growth}`);
  }

  // (e) The same 100k rows in PostgreSQL (a local throwaway cluster on a unix socket).
  const cluster = startBenchPostgres();
  if (cluster === null) line('(e) PostgreSQL source', 'skipped', 'PostgreSQL is not installed (apt-get install postgresql)');
  else {
    try {
      await copyToPostgres(join(work, 'warn-100000', 'logs.db'), cluster.url);
      const dir = join(work, 'postgres-project');
      spawnSync('mkdir', ['-p', dir]);
      const config = join(dir, 'sentinel.yaml');
      writeFileSync(config, stringify({ source: { kind: 'postgres', first_run_lookback: '3650d' }, claude: { enabled: false } }));
      process.env.SENTINEL_PG_URL = cluster.url; // the children inherit it
      const result = await measure([cli, '--config', config, 'run', '--json']);
      const read = (JSON.parse(result.stdout) as { rows_read: number }).rows_read;
      const rate = read / (result.wallMs / 1000);
      line(
        '(e) PostgreSQL: run over 100,000 new WARNING+ rows',
        `${Math.round(rate).toLocaleString('en')} rows/s`,
        `${(rate / sqliteRowsPerSecond).toFixed(2)}× the SQLite run`,
      );
      line('(e)   peak RSS', `${result.peakRssMb.toFixed(0)} MB`, '');
      const quietMs = await median(9, () => measure([cli, '--config', config, 'run']));
      line('(e) PostgreSQL: run, no new rows', `${quietMs.toFixed(0)} ms`, `${(quietMs / idleMs).toFixed(2)}× the SQLite quiet run`);
    } finally {
      cluster.stop();
    }
  }

  // (c) `sentinel fingerprint` over Loghub lines repeated to 1M.
  // Beside the checkout (/work/main), or two levels up from a worktree (/work/wt/issue-N).
  const loghub =
    [resolve(root, '..', 'shared', 'eval', 'loghub2k'), resolve(root, '..', '..', 'shared', 'eval', 'loghub2k')].find((dir) =>
      existsSync(dir),
    ) ?? '';
  let lines: string[] = [];
  if (existsSync(loghub)) {
    for (const dataset of ['HDFS', 'Spark', 'BGL', 'Thunderbird', 'Linux', 'HealthApp', 'Proxifier', 'OpenStack']) {
      const file = join(loghub, dataset, 'lines.tsv');
      if (existsSync(file))
        lines.push(
          ...readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => l.slice(l.indexOf('\t') + 1)),
        );
    }
  }
  const source = lines.length ? 'Loghub-2k lines' : 'generated lines (shared/eval/loghub2k not found)';
  if (!lines.length) lines = Array.from({ length: 16_000 }, (_, i) => `Worker stage ${i % 300} failed for job ${i}: code E${i % 97}`);
  const input = `${Array.from({ length: Math.ceil(1_000_000 / lines.length) }, () => lines.join('\n'))
    .join('\n')
    .split('\n')
    .slice(0, 1_000_000)
    .join('\n')}\n`;
  const fp = await measureSentinel('fingerprint', ['fingerprint'], input);
  const printed = fp.stdout.length > 0 ? 1_000_000 : 0;
  line(
    `(c) sentinel fingerprint, 1M ${source}`,
    `${Math.round(printed / (fp.wallMs / 1000)).toLocaleString('en')} lines/s`,
    'target ≥ 1,000,000 lines/s',
  );
  line('(c)   peak RSS', `${fp.peakRssMb.toFixed(0)} MB`, '');
  // The same lines, each with a fresh hex id: no line repeats, so no cache carries this figure.
  const distinct = `${input
    .slice(0, -1)
    .split('\n')
    .map((l, i) => `${l} req ${(Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')}`)
    .join('\n')}\n`;
  const fpDistinct = await measureSentinel('fingerprint-distinct', ['fingerprint'], distinct);
  line(
    '(c)   the same lines, each with a fresh hex id',
    `${Math.round((fpDistinct.stdout.length > 0 ? 1_000_000 : 0) / (fpDistinct.wallMs / 1000)).toLocaleString('en')} lines/s`,
    `${fpDistinct.peakRssMb.toFixed(0)} MB peak RSS; nothing repeats, so no cache helps`,
  );
  // (d) The prompt stays bounded whatever the number of rows: one row, a storm of one error, 100k varied rows.
  for (const [label, rows, share] of [
    ['1 row', 1, 1],
    ['100,000 varied WARNING+ rows', 100_000, 1],
  ] as const) {
    const dir = join(work, `prompt-${rows}`);
    spawnSync('mkdir', ['-p', dir]);
    writeBenchDatabase(join(dir, 'logs.db'), rows, share, Date.now() - rows * 10);
    const measured = await measurePrompt(join(dir, 'logs.db'), join(dir, 'state'));
    line(`(d) prompt for ${label}`, `${measured.bytes.toLocaleString('en')} bytes`, `${measured.groups} groups; limit 24,000 bytes`);
    const withCode = await measurePrompt(join(dir, 'logs.db'), join(dir, 'state'), join(dir, 'code'));
    line(
      `(d)   with code context, a commit, team context and a runbook`,
      `${withCode.bytes.toLocaleString('en')} bytes`,
      'limit 24,000 bytes',
    );
  }
  const storm = join(work, 'storm');
  spawnSync('mkdir', ['-p', storm]);
  writeBenchDatabase(join(storm, 'logs.db'), 10_000, 1, Date.now() - 100_000, 1);
  const stormPrompt = await measurePrompt(join(storm, 'logs.db'), join(storm, 'state'));
  line(
    '(d) prompt for a storm of 10,000 rows of one error',
    `${stormPrompt.bytes.toLocaleString('en')} bytes`,
    `${stormPrompt.groups} group: one investigation`,
  );
  // (e) The time-series judge on 1M points of a dense series (one a second, 11.6 days): n·log n.
  const csv = join(work, 'dense.csv');
  const start = Date.UTC(2026, 0, 1);
  const points = Array.from(
    { length: 1_000_000 },
    (_, i) => `${new Date(start + i * 1000).toISOString().slice(0, 19)}Z,${(50 + 10 * Math.sin(i / 3600) + ((i * 7919) % 13)).toFixed(2)}`,
  );
  writeFileSync(csv, `timestamp,value\n${points.join('\n')}\n`);
  const judged = await measure([cli, 'judge', '--csv', csv, '--json']);
  line('(e) sentinel judge --csv, 1M points', `${(judged.wallMs / 1000).toFixed(1)} s`, 'target a few seconds');
  line('(e)   peak RSS', `${judged.peakRssMb.toFixed(0)} MB`, '');
  // A `sql` metric's shape in `health`: 100k points over a week (one every 6 s).
  const week = join(work, 'week.csv');
  const weekPoints = Array.from(
    { length: 100_000 },
    (_, i) => `${new Date(start + i * 6048).toISOString()},${(50 + 10 * Math.sin(i / 600) + ((i * 7919) % 13)).toFixed(2)}`,
  );
  writeFileSync(week, `timestamp,value\n${weekPoints.join('\n')}\n`);
  const weekJudged = await measure([cli, 'judge', '--csv', week, '--json']);
  line(
    '(e) sentinel judge --csv, 100k points over a week',
    `${(weekJudged.wallMs / 1000).toFixed(2)} s`,
    `1M points: ${(judged.wallMs / 1000).toFixed(1)} s`,
  );
  for (const app of apps) app.close();
  rmSync(work, { recursive: true, force: true });
  if (profileDir !== null) console.log(`\nCPU profiles: ${profileDir} (open a .cpuprofile in Chrome DevTools' Performance panel)`);
}

await main();
