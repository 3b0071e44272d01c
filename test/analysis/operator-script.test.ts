import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/adapters/state-store.js';
import type { AnalysisDeps } from '../../src/analysis/define.js';
import { openLogRows } from '../../src/analysis/log-rows.js';
import { buildScriptArgv, createScriptAnalysis, runOperatorScript } from '../../src/analysis/operator-script.js';
import { parseConfig, type ScriptConfig } from '../../src/core/config.js';
import { createRedactor } from '../../src/core/redact.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('sentinel-scripts-');
/** A tiny executable fixture: prints its argv (after the script path) and env names as JSON. */
const show = join(dir, 'show.mjs');
writeFileSync(show, 'console.log(JSON.stringify({ argv: process.argv.slice(2), env: Object.keys(process.env).sort() }));\n');

function scriptOf(entry: Record<string, unknown>): ScriptConfig {
  const parsed = parseConfig({ source: { path: 'logs.db' }, scripts: [{ name: 'probe', command: [process.execPath, show], ...entry }] });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config.scripts[0] as ScriptConfig;
}
/** Gone, or a zombie waiting for a reaper: either way it is no longer running. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
const run = (script: ScriptConfig, args: Record<string, string>, env: NodeJS.ProcessEnv = { PATH: process.env.PATH }) =>
  runOperatorScript(script, args, { env, redactor: createRedactor() });
const stdoutOf = (outcome: Awaited<ReturnType<typeof run>>) => (outcome.kind === 'finished' ? JSON.parse(outcome.stdout) : outcome);

describe('script arguments', () => {
  const script = scriptOf({ args: { window: { enum: ['1h', '24h', '7d'] }, job: { pattern: '[a-z]+-[0-9]+' }, note: {} } });

  it.each([
    [{ region: 'eu' }, 'probe: unknown argument --region (declared: window, job, note)'],
    [{ window: '30d' }, 'probe: --window: "30d" is not one of 1h, 24h, 7d'],
    [{ job: 'tts-42; rm -rf /' }, 'probe: --job: "tts-42; rm -rf /" does not match [a-z]+-[0-9]+'],
    [{ job: 'x tts-42' }, 'probe: --job: "x tts-42" does not match [a-z]+-[0-9]+'],
    [{ note: 'two\nlines' }, 'probe: --note: at most 256 printable characters'],
  ])('%j is refused before anything runs', async (args, message) => {
    expect(buildScriptArgv(script, args)).toEqual({ ok: false, message });
    expect(await run(script, args)).toEqual({ kind: 'rejected', message });
  });

  it('passes declared values as --name=value, in the config order, after the command', async () => {
    expect(stdoutOf(await run(script, { job: 'tts-42', window: '24h' })).argv).toEqual(['--window=24h', '--job=tts-42']);
  });

  it('passes shell metacharacters literally and never interprets them', async () => {
    const marker = join(dir, 'pwned');
    const value = `24h; touch ${marker} $(touch ${marker}) \`touch ${marker}\` | & > ${marker} '"`;
    expect(stdoutOf(await run(script, { note: value })).argv).toEqual([`--note=${value}`]);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('running a script', () => {
  it('gives it PATH and the declared env names only', async () => {
    const env = { PATH: process.env.PATH, RUNPOD_API_KEY: 'k', ANTHROPIC_API_KEY: 'secret', HOME: '/root', NTFY_TOKEN: 't' };
    const outcome = await run(scriptOf({ env: ['RUNPOD_API_KEY', 'NOT_SET'] }), {}, env);
    expect(stdoutOf(outcome).env).toEqual(['PATH', 'RUNPOD_API_KEY']);
  });

  it('kills the whole process group when the timeout passes', async () => {
    const pidFile = join(dir, 'child.pid');
    const script = scriptOf({ command: ['/bin/sh', '-c', `echo started; sleep 30 & echo $! > ${pidFile}; wait`], timeout: '300ms' });
    const outcome = await run(script, {});
    expect(outcome).toMatchObject({ kind: 'timeout', stdout: 'started' });
    const child = Number(readFileSync(pidFile, 'utf8'));
    await expect.poll(() => isRunning(child)).toBe(false);
  });

  it('reports a failing exit with the last lines of stderr', async () => {
    const script = scriptOf({
      command: ['/bin/sh', '-c', 'echo partial; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "err $i" >&2; done; exit 3'],
    });
    const outcome = await run(script, {});
    expect(outcome).toMatchObject({ kind: 'finished', exitCode: 3, stdout: 'partial' });
    expect(outcome.kind === 'finished' && outcome.stderrTail.split('\n')).toEqual([
      'err 3',
      'err 4',
      'err 5',
      'err 6',
      'err 7',
      'err 8',
      'err 9',
      'err 10',
      'err 11',
      'err 12',
    ]);
  });

  it('reports a command that does not exist', async () => {
    const outcome = await run(scriptOf({ command: [join(dir, 'missing.sh')] }), {});
    expect(outcome).toEqual({ kind: 'failed', message: `probe: ${join(dir, 'missing.sh')}: ENOENT` });
  });
});

describe('the script analysis', () => {
  const logDb = join(dir, 'logs.db');
  const db = new Database(logDb);
  db.exec(
    'CREATE TABLE logs (id INTEGER PRIMARY KEY, time TEXT, level TEXT, message TEXT, name TEXT, function TEXT, line INTEGER, exception TEXT, extra TEXT)',
  );
  db.close();
  const config = parseConfig({ source: { path: logDb } });
  if (!config.ok) throw new Error('bad config');
  const deps = (): AnalysisDeps => ({
    config: config.config,
    state: openStateStore(tempDir('sentinel-state-'), { readonly: true }),
    logs: openLogRows(logDb, config.config.source),
    redactor: createRedactor(),
    clock: { now: () => Date.now() },
  });

  it('bounds the output to 8 KB with a cut note, and redacts secrets in it', async () => {
    const secret = `sk-ant-api03-${'a1B2'.repeat(12)}`;
    const script = scriptOf({ command: ['/bin/sh', '-c', `echo "key ${secret}"; yes 'some line of output' | head -c 200000`] });
    const analysis = createScriptAnalysis(script, { env: { PATH: process.env.PATH }, cwd: dir });
    const result = await analysis.run({}, deps());
    expect(result.kind).toBe('ok');
    expect(result.text.split('\n')[0]).toMatch(/^probe: output cut at 64 KB, so the script was stopped after \d+\.\d s/);
    expect(Buffer.byteLength(result.text)).toBeLessThanOrEqual(8192);
    expect(result.text).toMatch(/… output cut at 8 KB/);
    expect(result.text).not.toContain(secret);
    expect(result.kind === 'ok' && result.truncated).toBe(true);
  });

  it('validates its arguments through its schema', async () => {
    const script = scriptOf({ args: { window: { enum: ['1h', '24h'] } } });
    const analysis = createScriptAnalysis(script, { env: {}, cwd: dir });
    expect(await analysis.run({ window: '5y' }, deps())).toMatchObject({ kind: 'rejected' });
    expect(await analysis.run({ extra: 'x' }, deps())).toMatchObject({
      kind: 'rejected',
      text: expect.stringMatching(/extra: unknown key/),
    });
  });
});
