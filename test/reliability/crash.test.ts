import Database from 'better-sqlite3';
import { execa, type ResultPromise } from 'execa';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeTurn } from '../fakes/fake-anthropic.js';
import { startFakeNtfy } from '../fakes/fake-ntfy.js';
import { CLI, makeProject } from '../support/cli.js';
import './support/figures.js';
import { killTree } from '../support/processes.js';
import { createPrng } from './support/prng.js';
import { answer, CLAUDE, readIncidents, readState, sleep, waitFor } from './support/project.js';

const SEED = Number(process.env.SENTINEL_CRASH_SEED ?? 20260501);
const KILLS = 32;
const IGNORED = /^Retrying upload/;
const WRITER = fileURLToPath(new URL('./support/loguru_writer.py', import.meta.url));

type Mode = 'random' | 'claude' | 'delivery' | 'none';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('sentinel run SIGKILLed at random moments while loguru keeps writing', () => {
  it(`loses no row, counts none twice, reports every group and notifies every incident (seed ${SEED})`, async ({ task }) => {
    const prng = createPrng(SEED);
    const turns: FakeTurn[] = [];
    for (let i = 0; i < 300; i++) {
      turns.push({ kind: 'tool_use', name: 'mcp__sentinel__rows_around', input: { id: 1, before: 2, after: 2 } });
      turns.push({ kind: 'structured_output', output: answer(`Crash test incident ${i}`) });
    }
    const api = await startFakeAnthropic(turns);
    const ntfy = await startFakeNtfy();
    cleanups.push(
      () => api.close(),
      () => ntfy.close(),
    );
    const project = makeProject({
      claude: { enabled: true, command: CLAUDE, timeout: '60s', daily_max_runs: 10_000, daily_budget_usd: 10_000 },
      notify: { ntfy: { url: ntfy.url, topic: 'sentinel-crash' } },
    });
    cleanups.push(() => rmSync(project.dir, { recursive: true, force: true }));
    writeFileSync(
      join(project.dir, 'ignore.yaml'),
      '- id: upload-retries\n  match: {message: "^Retrying upload"}\n  reason: retries are expected\n',
    );
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: project.dir,
      ANTHROPIC_API_KEY: 'sk-ant-test-key',
      ANTHROPIC_BASE_URL: api.url,
      CLAUDE_CODE_MAX_RETRIES: '0',
    };

    const writer = execa('/usr/bin/python3', [WRITER, project.db, String(SEED)], { reject: false, buffer: false });
    cleanups.push(() => void writer.kill('SIGKILL'));
    await new Promise<void>((resolve) => writer.stdout!.once('data', () => resolve()));

    const run = (...args: string[]): ResultPromise<{ reject: false; env: typeof env; extendEnv: false; cwd: string; timeout: number }> =>
      execa('node', [CLI, 'run', '--json', ...args], { cwd: project.dir, env, extendEnv: false, reject: false, timeout: 90_000 });

    const kills = { total: 0, inClaude: 0, inDelivery: 0 };
    let runs = 0;
    const started = Date.now();
    while (kills.total < KILLS && Date.now() - started < 120_000) {
      runs++;
      await sleep(prng.between(0, 150)); // let the writer add rows between runs
      const mode: Mode = prng.next() < 0.15 ? 'none' : prng.pick(['random', 'claude', 'delivery'] as const);
      const child = run();
      const before = { claude: api.messageBodies().length, ntfy: ntfy.requests.length };
      let armed = true;
      if (mode === 'random') await Promise.race([sleep(prng.between(50, 1600)), child]);
      else if (mode === 'claude') armed = await waitFor(() => api.messageBodies().length > before.claude, child, 20_000);
      else if (mode === 'delivery') {
        ntfy.delayNext(1, 600); // the server holds the request, so the kill lands while it is in flight
        armed = await waitFor(() => ntfy.requests.length > before.ntfy, child, 20_000);
      }
      if (mode !== 'none' && armed) {
        if (mode !== 'random') await sleep(prng.between(0, 400));
        const inClaude = api.messageBodies().length > before.claude && ntfy.requests.length === before.ntfy;
        const inDelivery = ntfy.requests.length > before.ntfy;
        killTree(child.pid!);
        const result = await child;
        if (result.signal === 'SIGKILL') {
          kills.total++;
          if (inDelivery) kills.inDelivery++;
          else if (inClaude) kills.inClaude++;
        }
        continue;
      }
      const result = await child;
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    writer.kill('SIGTERM');
    await writer;

    // The clean runs: until the queue and the outbox are empty.
    let state = readState(join(project.dir, '.sentinel', 'state.db'));
    for (let i = 0; i < 40 && (i === 0 || state.unfinished > 0 || state.pendingOutbox > 0); i++) {
      const result = await run('--retry-now');
      expect(result.exitCode, result.stderr).toBe(0);
      state = readState(join(project.dir, '.sentinel', 'state.db'));
    }

    // Expected counts straight from the log database, per logger (a lost row and a doubled one
    // elsewhere must not cancel out).
    const logs = new Database(project.db, { readonly: true });
    const expected = new Map<string, number>();
    for (const row of logs.prepare('SELECT name, message FROM logs WHERE level_no >= 30').iterate() as Iterable<{
      name: string;
      message: string;
    }>) {
      if (!IGNORED.test(row.message)) expected.set(row.name, (expected.get(row.name) ?? 0) + 1);
    }
    logs.close();
    const counted = new Map<string, number>();
    for (const g of state.groups) counted.set(g.logger ?? '', (counted.get(g.logger ?? '') ?? 0) + g.total);
    let lost = 0;
    let twice = 0;
    for (const logger of new Set([...expected.keys(), ...counted.keys()])) {
      const diff = (counted.get(logger) ?? 0) - (expected.get(logger) ?? 0);
      if (diff < 0) lost -= diff;
      else twice += diff;
    }

    const incidents = readIncidents(join(project.dir, 'incidents'));
    const reported = new Set(incidents.flatMap((i) => i.fingerprints));
    const perFile = new Map(incidents.map((i) => [i.name, 0]));
    const strays: string[] = [];
    // A diagnosis that came after the first push is its one follow-up, not a duplicate.
    const followUps = new Map<string, number>();
    for (const message of ntfy.messages) {
      if (message.title?.startsWith('Diagnosis: ')) {
        const file = message.message?.split('\n').at(-1) ?? '';
        if (perFile.has(file)) followUps.set(file, (followUps.get(file) ?? 0) + 1);
        else strays.push(file);
        continue;
      }
      const file = message.message?.split('\n').at(-1) ?? '';
      if (perFile.has(file)) perFile.set(file, perFile.get(file)! + 1);
      else strays.push(file);
    }
    const duplicates = [...perFile.values(), ...followUps.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const checked = [...expected.values()].reduce((a, b) => a + b, 0);
    task.meta.reliability = { kills, rows: { checked, lost, twice }, duplicates };
    console.log(
      `crash: seed ${SEED}, ${runs} runs, ${kills.total} kills (${kills.inClaude} in Claude, ${kills.inDelivery} in delivery), ` +
        `${checked} rows checked, ${lost} lost, ${twice} twice, ${state.groups.length} groups, ${incidents.length} incidents, ` +
        `${ntfy.messages.length} notifications (${duplicates} duplicates), ${api.messageBodies().length} API calls`,
    );

    expect(kills.total).toBeGreaterThanOrEqual(KILLS);
    expect(kills.inClaude).toBeGreaterThan(0);
    expect(kills.inDelivery).toBeGreaterThan(0);
    expect(state.integrity).toBe('ok');
    expect({ unfinished: state.unfinished, pendingOutbox: state.pendingOutbox }).toEqual({ unfinished: 0, pendingOutbox: 0 });
    expect(checked).toBeGreaterThan(1000);
    expect({ lost, twice }).toEqual({ lost: 0, twice: 0 });
    expect(state.groups.map((g) => g.fingerprint).filter((fp) => !reported.has(fp))).toEqual([]);
    expect([...perFile].filter(([, n]) => n === 0).map(([file]) => file)).toEqual([]);
    expect(strays).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(kills.total);
    // Killed runs leave their private Claude directories; a later Claude call removes them.
    const claudeDir = join(project.dir, '.sentinel', 'claude');
    expect(existsSync(claudeDir) ? readdirSync(claudeDir) : []).toEqual([]);
  }, 240_000);
});
