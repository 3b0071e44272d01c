import Database from 'better-sqlite3';
import { execa, execaSync } from 'execa';
import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeNtfy, type FakeNtfy } from '../fakes/fake-ntfy.js';
import { CLI, makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';
import './support/figures.js';
import { isAlive } from '../support/processes.js';
import { readIncidents, readState } from './support/project.js';
import { startSwitchProxy } from './support/switch-proxy.js';

const HOLD_LOCK = fileURLToPath(new URL('./support/hold_lock.py', import.meta.url));
const GARBAGE_CLAUDE = fileURLToPath(new URL('../fixtures/garbage-claude.mjs', import.meta.url));

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function setup(config: Record<string, unknown> = {}, ntfyUrl?: (fake: FakeNtfy) => Promise<string>) {
  const ntfy = await startFakeNtfy();
  cleanups.push(() => ntfy.close());
  const url = ntfyUrl ? await ntfyUrl(ntfy) : ntfy.url;
  const project = makeProject({ notify: { ntfy: { url, topic: 'sentinel-faults' } }, ...config });
  cleanups.push(() => rmSync(project.dir, { recursive: true, force: true }));
  const stateDb = join(project.dir, '.sentinel', 'state.db');
  const run = async (args: string[] = [], env: Record<string, string> = {}) => {
    const result = await runCli(['run', '--json', '--retry-now', ...args], { cwd: project.dir, env, timeoutMs: 60_000 });
    expect(result.stderr).not.toMatch(/internal error/);
    return { ...result, json: result.exitCode === 0 ? (JSON.parse(result.stdout) as Record<string, unknown>) : null };
  };
  const total = () => readState(stateDb).groups.reduce((sum, g) => sum + g.total, 0);
  return { ntfy, ...project, stateDb, run, total };
}

/** A process holding a SQLite lock until `release()`. */
async function holdLock(db: string, mode: 'immediate' | 'exclusive', rows = 0) {
  const holder = execa('/usr/bin/python3', [HOLD_LOCK, db, mode, String(rows)], { stdin: 'pipe', buffer: false, reject: false });
  cleanups.push(() => holder.kill('SIGKILL'));
  await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
  return {
    release: async () => {
      holder.stdin!.end();
      await holder;
    },
  };
}

const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('notification faults', () => {
  it('ntfy down, hung past the timeout, answering 429 and 500 for several runs, then back: every notification arrives once, in order', async ({
    task,
  }) => {
    task.meta.reliability = { fault: 'ntfy down, slow, 429, 500, back' };
    let proxy!: Awaited<ReturnType<typeof startSwitchProxy>>;
    const t = await setup({}, async (fake) => {
      proxy = await startSwitchProxy(fake.url);
      cleanups.push(() => proxy.close());
      return proxy.url;
    });
    const steps: [string, () => void][] = [
      ['down', () => (proxy.mode = 'down')],
      ['hung', () => (proxy.mode = 'hang')],
      ['429', () => ((proxy.mode = 'forward'), t.ntfy.failNext(1, 429))],
      ['500', () => t.ntfy.failNext(1, 500)],
    ];
    const titles: string[] = [];
    for (const [i, [name, apply]] of steps.entries()) {
      apply();
      await writeWithLoguru(t.db, [{ level: 'ERROR', message: `failure number ${i}`, logger: `app.part${'abcd'[i]}` }]);
      const result = await t.run();
      expect(result.exitCode, `${name}: ${result.stderr}`).toBe(0);
      expect(result.json, name).toMatchObject({ investigation: 'fallback', notified: 0 });
      expect(result.stderr, name).toMatch(/sentinel: warning: ntfy/);
      titles.push(readIncidents(join(t.dir, 'incidents')).length === i + 1 ? `part${'abcd'[i]}` : 'missing');
    }
    const back = await t.run();
    expect(back.json).toMatchObject({ notified: 4 });
    expect(t.ntfy.messages.map((m) => /in app\.(part\w)/.exec(m.title ?? '')?.[1])).toEqual(titles);
    expect(readState(t.stateDb).pendingOutbox).toBe(0);
  }, 90_000);
});

describe('Claude faults end in fallback reports, with no orphan and no lost group', () => {
  const scripts: Record<string, (dir: string) => string> = {
    hanging: (dir) => `const { spawn } = require('node:child_process');
const child = spawn('sleep', ['300'], { stdio: 'ignore' });
require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'pids'))}, process.pid + ' ' + child.pid);
process.stdin.resume();
setInterval(() => {}, 1000);`,
    'exiting 1': () => `process.stderr.write('Error: something broke inside the CLI\\n'); process.exit(1);`,
    'printing garbage': () =>
      `process.stdout.write('{"type":"result", broken\\n\\u001b[31mnot json at all\\n{"type":"result","subtype":"success","is_error":false}\\n');`,
  };
  it.for(['missing', 'hanging', 'exiting 1', 'printing garbage', 'printing 50 MB'])(
    'claude %s',
    { timeout: 60_000 },
    async (kind, { task }) => {
      task.meta.reliability = { fault: `claude ${kind}` };
      const t = await setup({ investigate: { max_attempts: 1 } });
      let command = join(t.dir, 'no-such-claude');
      const script = scripts[kind];
      if (kind === 'printing 50 MB') command = GARBAGE_CLAUDE;
      else if (script) {
        command = join(t.dir, 'fake-claude.cjs');
        writeFileSync(command, `#!/usr/bin/env node\n${script(t.dir)}\n`);
        chmodSync(command, 0o755);
      }
      writeFileSync(
        t.configFile,
        readFileSync(t.configFile, 'utf8').replace(
          'claude:\n  enabled: false',
          `claude:\n  enabled: true\n  command: ${command}\n  timeout: 3s`,
        ),
      );
      await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.billing', repeat: 7 }]);
      const result = await t.run([], { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.json).toMatchObject({ investigation: 'fallback', notified: 1 });
      const [incident] = readIncidents(join(t.dir, 'incidents'));
      const state = readState(t.stateDb);
      expect(incident!.fingerprints).toEqual(state.groups.map((g) => g.fingerprint));
      expect(state.groups.map((g) => g.total)).toEqual([7]);
      expect(state.unfinished).toBe(0);
      expect(t.ntfy.messages).toHaveLength(1);
      if (kind === 'hanging') {
        expect(incident!.text).toMatch(/timed out after 3 s/);
        const pids = readFileSync(join(t.dir, 'pids'), 'utf8').split(' ').map(Number);
        expect(pids.filter(isAlive)).toEqual([]);
      }
    },
  );
});

describe('incident directory faults', () => {
  it('unwritable (a path under a regular file, which stops root too): the run fails loudly, the queue keeps the groups, the next good run writes them', async ({
    task,
  }) => {
    task.meta.reliability = { fault: 'incidents dir unwritable' };
    const t = await setup({ incidents_dir: './blocked/incidents' });
    writeFileSync(join(t.dir, 'blocked'), 'a file where a directory should be\n');
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'disk quota exceeded', logger: 'app.storage', repeat: 3 }]);
    const failed = await t.run();
    expect(failed.exitCode).toBe(1);
    expect(oneLine(failed.stderr)).toEqual([
      expect.stringMatching(/^sentinel: cannot write the incident to .*blocked\/incidents: .*ENOTDIR.*kept in the queue/),
    ]);
    expect(readState(t.stateDb).unfinished).toBe(1);
    rmSync(join(t.dir, 'blocked'));
    const good = await t.run();
    expect(good.json).toMatchObject({ notified: 1 });
    const incidents = readIncidents(join(t.dir, 'blocked', 'incidents'));
    expect(incidents.flatMap((i) => i.fingerprints)).toEqual(readState(t.stateDb).groups.map((g) => g.fingerprint));
    expect(t.total()).toBe(3);
  });

  const canMount = execaSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=16k tmpfs /mnt'], { reject: false }).exitCode === 0;
  it.skipIf(!canMount)(
    'full (a 16 KB tmpfs, in a private mount namespace): the run fails loudly, the next good run writes the incident',
    async ({ task }) => {
      task.meta.reliability = { fault: 'incidents dir full' };
      const t = await setup();
      const incidentsDir = join(t.dir, 'incidents');
      execaSync('mkdir', ['-p', incidentsDir]);
      await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'no space left for reports', logger: 'app.reports' }]);
      const fill = `mount -t tmpfs -o size=16k tmpfs "$1" && (head -c 1000000 /dev/zero > "$1/filler" 2>/dev/null; true) && shift && exec "$@"`;
      const full = await execa('unshare', ['-m', 'sh', '-c', fill, 'sh', incidentsDir, 'node', CLI, 'run', '--json'], {
        cwd: t.dir,
        env: { PATH: process.env.PATH ?? '', HOME: t.dir },
        extendEnv: false,
        reject: false,
        timeout: 30_000,
      });
      expect(full.exitCode).toBe(1);
      expect(oneLine(full.stderr)).toEqual([
        expect.stringMatching(/^sentinel: cannot write the incident to .*: .*ENOSPC.*kept in the queue/),
      ]);
      expect(readState(t.stateDb).unfinished).toBe(1);
      const good = await t.run();
      expect(good.json).toMatchObject({ notified: 1 });
      expect(readIncidents(incidentsDir)).toHaveLength(1);
    },
  );
});

describe('state and log database faults', () => {
  it('state DB held by another writer: exit 5 with a clear line after the busy timeout, no corruption, nothing lost after', async ({
    task,
  }) => {
    task.meta.reliability = { fault: 'state DB locked' };
    const t = await setup();
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'first', logger: 'app.one' }]);
    expect((await t.run()).exitCode).toBe(0);
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'second', logger: 'app.two', repeat: 4 }]);
    const lock = await holdLock(t.stateDb, 'immediate');
    const locked = await t.run();
    await lock.release();
    expect(locked.exitCode).toBe(5);
    expect(oneLine(locked.stderr)).toEqual([
      expect.stringMatching(/^sentinel: state database .*state\.db: .*database is locked \(SQLITE_BUSY\)$/),
    ]);
    expect(readState(t.stateDb).integrity).toBe('ok');
    expect((await t.run()).exitCode).toBe(0);
    expect(t.total()).toBe(5);
  }, 30_000);

  it.for(['vacuumed', 'emptied (DELETE)', 'replaced by a smaller one', 'replaced by a larger one'])(
    'log DB %s between runs: every row counted once, a replacement announced',
    async (change, { task }) => {
      task.meta.reliability = { fault: `log DB ${change}` };
      const t = await setup();
      await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'before the change', logger: 'app.before', repeat: 20 }]);
      expect((await t.run()).exitCode).toBe(0);
      const db = new Database(t.db);
      if (change === 'vacuumed') db.exec('DELETE FROM logs WHERE id % 3 = 0; VACUUM');
      if (change === 'emptied (DELETE)') db.exec('DELETE FROM logs');
      db.close();
      let extra = 0;
      if (change.startsWith('replaced')) {
        const other = join(t.dir, 'other.db');
        const rows = change.endsWith('smaller one') ? 5 : 30;
        await writeWithLoguru(other, [{ level: 'ERROR', message: 'in the new database', logger: 'app.after', repeat: rows }]);
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${t.db}${suffix}`, { force: true });
        copyFileSync(other, t.db);
        if (existsSync(`${other}-wal`)) copyFileSync(`${other}-wal`, `${t.db}-wal`);
        extra = rows;
      }
      await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'after the change', logger: 'app.after', repeat: 3 }]);
      const after = await t.run();
      expect(after.exitCode, after.stderr).toBe(0);
      if (change.startsWith('replaced'))
        expect(after.stderr).toMatch(/sentinel: warning: .*(replaced or truncated|not the row read last time).*reading it from the start/);
      else expect(after.stderr).toBe('');
      expect(t.total()).toBe(20 + extra + 3);
    },
  );

  it('a writer holding the log DB (rollback journal) during the read: the run waits for it, or says so clearly', async ({ task }) => {
    task.meta.reliability = { fault: 'log DB write-locked (rollback journal)' };
    const t = await setup();
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'seed row', logger: 'app.seed' }]);
    const db = new Database(t.db);
    db.pragma('journal_mode = DELETE');
    db.close();
    // A commit that holds the lock for a second: the run waits and reads the committed rows.
    const brief = await holdLock(t.db, 'exclusive', 4);
    const waited = t.run();
    setTimeout(() => void brief.release(), 1000);
    const first = await waited;
    expect(first.exitCode, first.stderr).toBe(0);
    expect(t.total()).toBe(5);
    // A lock held past the busy timeout: exit 3 with one line, and the next run catches up.
    const stuck = await holdLock(t.db, 'exclusive', 2);
    const locked = await t.run();
    await stuck.release();
    expect(locked.exitCode).toBe(3);
    expect(oneLine(locked.stderr)).toEqual([
      expect.stringMatching(/^sentinel: log database .*logs\.db: .*database is locked \(SQLITE_BUSY\)$/),
    ]);
    expect((await t.run()).exitCode).toBe(0);
    expect(t.total()).toBe(7);
  }, 30_000);
});
