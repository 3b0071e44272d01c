import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeLogDb, type RowSpec } from '../analysis/support.js';
import { startFakeAnthropic, type FakeTurn } from '../fakes/fake-anthropic.js';
import { startFakeNtfy } from '../fakes/fake-ntfy.js';
import { CLI, makeProject, runCli } from '../support/cli.js';
import { execa } from 'execa';
import { writeWithLoguru } from '../support/loguru.js';
import { killTree, processesWorkingIn, survivors } from '../support/processes.js';

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function setup(config: Record<string, unknown> = {}) {
  const ntfy = await startFakeNtfy();
  servers.push(ntfy);
  const project = makeProject({ notify: { ntfy: { url: ntfy.url, topic: 'sentinel-alerts' } }, ...config });
  const run = async (...args: string[]) => {
    const result = await runCli(['run', ...args], { cwd: project.dir, timeoutMs: 90_000 });
    expect(result.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(result.exitCode, result.stderr).toBe(0);
    return result;
  };
  const status = async () => (await runCli(['status'], { cwd: project.dir })).stdout;
  return { ntfy, ...project, run, status };
}

const incidents = (dir: string) => readdirSync(join(dir, 'incidents')).sort();
const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const ANSWER = {
  verdict: 'real_issue',
  severity: 'high',
  title: 'Payment webhook rejects signed payloads',
  summary: 'The payment provider rotated its signing key; every webhook since 14:02 fails verification.',
  root_cause: { status: 'hypothesis', text: 'The webhook secret in the config is the old one.' },
  evidence: [{ tool: 'error_group', finding: 'All rows carry the same signature error since 14:02.' }],
  actions: ['Rotate the webhook secret', 'Replay the failed webhooks'],
  suggested_ignore: [],
  confidence: 0.6,
};

/** A run with Claude behind `turns` (or unreachable), timed from the rows written to the first push. */
async function timedRun(turns: FakeTurn[] | 'unreachable', investigate: Record<string, unknown> = {}) {
  const api = await startFakeAnthropic(turns === 'unreachable' ? [] : turns);
  servers.push(api);
  const baseUrl = api.url;
  if (turns === 'unreachable') await api.close(); // the port is closed: connection refused
  const t = await setup({ claude: { enabled: true, command: CLAUDE, timeout: '20s' }, investigate: { max_attempts: 2, ...investigate } });
  await writeWithLoguru(t.db, [
    { level: 'ERROR', message: 'payment webhook signature invalid', logger: 'app.pay', exception: 'ValueError: bad signature', repeat: 5 },
  ]);
  const written = Date.now();
  const env = { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: baseUrl, CLAUDE_CODE_MAX_RETRIES: '0' };
  const running = runCli(['run', '--json'], { cwd: t.dir, env, timeoutMs: 90_000 });
  let firstPushMs: number | null = null;
  let finished = false;
  void running.then(() => (finished = true));
  while (!finished) {
    if (firstPushMs === null && t.ntfy.messages.length > 0) firstPushMs = Date.now() - written;
    await new Promise((r) => setTimeout(r, 25));
  }
  const result = await running;
  const runMs = Date.now() - written;
  if (firstPushMs === null && t.ntfy.messages.length > 0) firstPushMs = runMs;
  return { ...t, api, env, result, json: JSON.parse(result.stdout) as Record<string, unknown>, firstPushMs, runMs };
}

const figures: string[] = [];
afterAll(() => {
  if (figures.length) console.log(['rows written → first push (ms) | whole run (ms) | Claude', ...figures].join('\n'));
});

describe('every alert on time', () => {
  it('a regression after `sentinel resolve` alerts inside the cooldown', async () => {
    const t = await setup();
    await writeWithLoguru(t.db, [
      { level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay', exception: 'RuntimeError: upstream 500', repeat: 3 },
    ]);
    const first = JSON.parse((await t.run('--json')).stdout) as { groups: { fingerprint: string }[] };
    expect(t.ntfy.messages).toHaveLength(1);
    const fingerprint = first.groups[0]!.fingerprint;
    const resolved = await runCli(['resolve', fingerprint], { cwd: t.dir });
    expect(resolved.exitCode, resolved.stderr).toBe(0);

    await writeWithLoguru(t.db, [
      { level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay', exception: 'RuntimeError: upstream 500' },
    ]);
    const again = await t.run();
    expect(again.stdout).toMatch(/regressed/);
    expect(again.stdout).toMatch(/^incident: /m);
    expect(again.stdout).not.toMatch(/held back/);
    expect(incidents(t.dir)).toHaveLength(2);
    expect(t.ntfy.messages).toHaveLength(2);
    expect(t.ntfy.messages[1]!.title).toMatch(/^Regressed ERROR RuntimeError/);
  });

  it('a trigger held back by the cooldown is said by `run` in one line and listed by `status` with its end', async () => {
    const t = await setup();
    const add = await runCli(
      ['ignore', 'add', '--message', '^Retrying upload', '--reason', 'retries are expected', '--unless', '5/1h', '--author', 'ops'],
      { cwd: t.dir },
    );
    expect(add.exitCode, add.stderr).toBe(0);
    await writeWithLoguru(t.db, [{ level: 'WARNING', message: 'Retrying upload of job 1', repeat: 20 }]);
    expect((await t.run()).stdout).toMatch(/^incident: /m);
    await writeWithLoguru(t.db, [{ level: 'WARNING', message: 'Retrying upload of job 1', repeat: 20 }]);
    const held = await t.run();
    const lines = held.stdout.split('\n').filter((l) => l.startsWith('held back:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^held back: in cooldown until \d\d:\d\d UTC: [0-9a-f]{16} \(escalating\)/);
    expect(t.ntfy.messages).toHaveLength(1);
    // With the date when the cooldown ends on another day (a run after 18:00 UTC with a 6 h cooldown).
    expect(await t.status()).toMatch(
      /held back {2}1 triggered group\n {2}[0-9a-f]{16} {2}escalating +in cooldown until (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC/,
    );
    const fingerprint = /\(escalating\)/.test(lines[0]!) ? /([0-9a-f]{16}) \(escalating\)/.exec(lines[0]!)![1]! : '';
    expect((await runCli(['resolve', fingerprint], { cwd: t.dir })).exitCode).toBe(0);
    expect(await t.status()).not.toMatch(/held back/);
  });
});

describe('no alert waits for Claude', () => {
  it('healthy: one push, with the diagnosis, in the run', async () => {
    const t = await timedRun([{ kind: 'structured_output', output: ANSWER }]);
    figures.push(`${t.firstPushMs} | ${t.runMs} | healthy`);
    expect(t.json).toMatchObject({ investigation: 'claude', notified: 1 });
    expect(t.ntfy.messages.map((m) => m.title)).toEqual([ANSWER.title]);
    expect(readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8')).toMatch(/^diagnosis: done$/m);
  });

  it.each([
    ['failing (HTTP 500)', [{ kind: 'error', status: 500 }] as FakeTurn[]],
    ['unreachable', 'unreachable' as const],
  ])('%s: the deterministic report is pushed in the run that found the trigger; the diagnosis follows in place', async (name, turns) => {
    const t = await timedRun(turns);
    figures.push(`${t.firstPushMs} | ${t.runMs} | ${name}`);
    expect(t.json).toMatchObject({ investigation: 'pending', notified: 1 });
    expect(t.firstPushMs).not.toBeNull();
    const [file] = incidents(t.dir);
    const first = readFileSync(join(t.dir, 'incidents', file!), 'utf8');
    expect(first).toMatch(/^diagnosis: pending$/m);
    expect(first).toMatch(/\*\*No diagnosis:\*\* not yet: attempt 1 of 2 failed/);
    if (turns === 'unreachable') return;
    // Claude is back: the next attempt updates the same file and sends one follow-up.
    const api = await startFakeAnthropic([{ kind: 'structured_output', output: ANSWER }]);
    servers.push(api);
    const retry = await runCli(['run', '--json', '--retry-now'], {
      cwd: t.dir,
      env: { ...t.env, ANTHROPIC_BASE_URL: api.url },
      timeoutMs: 90_000,
    });
    expect(JSON.parse(retry.stdout)).toMatchObject({ investigation: 'claude', notified: 1 });
    expect(incidents(t.dir)).toEqual([file]);
    const updated = readFileSync(join(t.dir, 'incidents', file!), 'utf8');
    expect(updated).toMatch(/^diagnosis: done$/m);
    expect(updated).toContain(ANSWER.summary);
    expect(updated.match(/^created: .*$/m)![0]).toBe(first.match(/^created: .*$/m)![0]);
    expect(t.ntfy.messages.map((m) => m.title)).toEqual([expect.stringMatching(/^New ERROR ValueError/), `Diagnosis: ${ANSWER.title}`]);
  });

  it('hanging: the deterministic report leaves after investigate.first_push_within while Claude is still asked', async () => {
    const t = await timedRun([{ kind: 'hang' }], { first_push_within: '3s' });
    figures.push(`${t.firstPushMs} | ${t.runMs} | hanging (first_push_within 3s, claude.timeout 20s)`);
    expect(t.json).toMatchObject({ investigation: 'pending', notified: 1 });
    expect(t.firstPushMs!).toBeLessThan(t.runMs - 5_000); // well before Claude's timeout ended the run
    expect(readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8')).toMatch(/not yet: Claude had not answered within 3s/);
  });
});

describe('led by what matters', () => {
  it('the push leads with the errors, carries their exception and frame, says why there is no diagnosis, and uses emoji tags', async () => {
    // Claude is on, but no credential: the push must say that, not "unavailable".
    const t = await setup({ claude: { enabled: true, command: CLAUDE } });
    await writeWithLoguru(t.db, [
      { level: 'WARNING', message: 'slow request to /api/feed took 2300 ms', logger: 'app.api', repeat: 172 },
      { level: 'WARNING', message: 'cache miss for key feed', logger: 'app.cache', repeat: 90 },
      { level: 'WARNING', message: 'retrying upload', logger: 'app.storage', repeat: 40 },
      {
        level: 'ERROR',
        message: 'job 4412 failed',
        logger: 'app.worker',
        function: 'render_job',
        exception: "KeyError: 'voice_id'",
        repeat: 2,
      },
      { level: 'ERROR', message: 'payment webhook rejected', logger: 'app.pay', exception: 'ValueError: bad signature', repeat: 1 },
    ]);
    await t.run();
    expect(t.ntfy.messages).toHaveLength(1);
    const push = t.ntfy.messages[0]!;
    expect(push.title).toBe('New ERROR KeyError in app.worker (+4 more groups)');
    expect(push.priority).toBe(4);
    expect(push.tags).toEqual(['warning', 'new']);
    const lines = push.message!.split('\n');
    expect(lines[0]).toMatch(/^No diagnosis: no Claude credential: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN/);
    const bullets = lines.filter((l) => l.startsWith('- '));
    expect(bullets[0]).toMatch(/^- 2× ERROR new `job <num> failed`$/);
    expect(bullets[1]).toMatch(/^- 1× ERROR new `payment webhook rejected`$/);
    expect(bullets[2]).toMatch(/^- 172× WARNING new/);
    expect(lines[lines.indexOf(bullets[0]!) + 1]).toMatch(/^ {2}`KeyError: 'voice_id'` at `support\/write_logs\.py:\d+ in main`$/);
    const file = readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8');
    const analysed = [...file.matchAll(/^### `error_group ([0-9a-f]{16})`$/gm)].map((m) => m[1]);
    const table = file
      .split('\n')
      .filter((l) => /^\| \d/.test(l))
      .map((l) => l.split(' | ')[2]);
    expect(table).toEqual(['ERROR', 'ERROR', 'WARNING', 'WARNING', 'WARNING']);
    const errors = file
      .split('\n')
      .filter((l) => /^\| \d .* \| ERROR \|/.test(l))
      .map((l) => /`([0-9a-f]{16})`/.exec(l)![1]);
    expect(analysed.slice(0, 2)).toEqual(errors);
    expect(file).not.toMatch(/WARNING error group|no triggered group over 100 rows/);
  });

  it('a warning digest is pushed below a new error', async () => {
    const t = await setup();
    await writeWithLoguru(t.db, [{ level: 'WARNING', message: 'slow request to /api/feed took 2300 ms', logger: 'app.api', repeat: 172 }]);
    await t.run();
    expect(t.ntfy.messages[0]).toMatchObject({ title: 'New WARNING in app.api', priority: 2, tags: ['information_source', 'new'] });
  });

  it('the app stopped logging is its own alert, at high priority', async () => {
    const t = await setup({ source: { silence_after: '1s' } });
    await writeWithLoguru(t.db, [{ level: 'INFO', message: 'started' }]);
    await t.run();
    await new Promise((r) => setTimeout(r, 2_100));
    await t.run();
    expect(t.ntfy.messages).toHaveLength(1);
    expect(t.ntfy.messages[0]!.title).toMatch(/^app stopped logging: no rows for \d+m, last at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(t.ntfy.messages[0]).toMatchObject({ priority: 4, tags: ['warning', 'mute', 'new'] });
  });
});

describe('a channel that works as ntfy documents it', () => {
  it('a topic inside notify.ntfy.url is taken apart: the phone gets the alert, not raw JSON', async () => {
    const ntfy = await startFakeNtfy();
    servers.push(ntfy);
    const p = makeProject({ notify: { ntfy: { url: `${ntfy.url}/mytopic` } } });
    await writeWithLoguru(p.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay' }]);
    const run = await runCli(['run'], { cwd: p.dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(ntfy.messages).toEqual([expect.objectContaining({ topic: 'mytopic', title: 'New ERROR in app.pay', priority: 4 })]);
    expect(ntfy.messages[0]!.message).not.toMatch(/^\{/);
    const bad = makeProject({ notify: { ntfy: { url: `${ntfy.url}/a/b`, topic: 'ops' } } });
    const refused = await runCli(['run'], { cwd: bad.dir });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /notify\.ntfy\.url: give the server root \(http:\/\/127\.0\.0\.1:\d+\) and the topic apart, not the path \/a\/b/,
    );
  });

  it('the token is optional: unset, a public topic still gets the push, and doctor says "!" not "✗"', async () => {
    const ntfy = await startFakeNtfy();
    servers.push(ntfy);
    const p = makeProject({ notify: { ntfy: { url: ntfy.url, topic: 'public-topic', token_env: 'NTFY_TOKEN' } } });
    await writeWithLoguru(p.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay' }]);
    const run = await runCli(['run'], { cwd: p.dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(ntfy.messages).toHaveLength(1);
    expect(ntfy.requests[0]!.headers.authorization).toBeUndefined();
    const doctor = await runCli(['doctor'], { cwd: p.dir });
    expect(doctor.stdout).toMatch(/^! ntfy token missing: not in \$NTFY_TOKEN.*; sending without one \(fine for a public topic\)$/m);
    expect(doctor.stdout).not.toMatch(/^✗ ntfy/m);
  });

  it('the example config needs no ntfy token', () => {
    const example = readFileSync(fileURLToPath(new URL('../../examples/sentinel.yaml', import.meta.url)), 'utf8');
    expect(example).not.toMatch(/^\s+token_(env|file):/m);
  });
});

describe('a fixed channel sends at once', () => {
  it('status names each unsent notification with its last error and next attempt; a changed token ends the backoff', async () => {
    const ntfy = await startFakeNtfy({ token: 'tk_therightone' });
    servers.push(ntfy);
    const p = makeProject({ notify: { ntfy: { url: ntfy.url, topic: 'ops', token_env: 'NTFY_TOKEN' } } });
    await writeWithLoguru(p.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay' }]);
    const wrong = await runCli(['run'], { cwd: p.dir, env: { NTFY_TOKEN: 'tk_wrong' } });
    expect(wrong.exitCode, wrong.stderr).toBe(0);
    expect(ntfy.messages).toHaveLength(0);
    const status = await runCli(['status'], { cwd: p.dir });
    expect(status.stdout).toMatch(
      /^ {2}unsent ntfy \d{4}-\d\d-\d\d-incident-new-error-in-app-pay\.md: 1 attempt, last error: ntfy: HTTP 401 unauthorized \(code 40101\); next attempt (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC \(or run --retry-now\)$/m,
    );
    expect(status.stdout).not.toContain('tk_wrong');
    // The same wrong token again: still in its backoff, nothing is tried.
    await runCli(['run'], { cwd: p.dir, env: { NTFY_TOKEN: 'tk_wrong' } });
    expect(ntfy.requests).toHaveLength(1);
    // The token fixed: sent in the next run, without --retry-now.
    const fixed = await runCli(['run', '--json'], { cwd: p.dir, env: { NTFY_TOKEN: 'tk_therightone' } });
    expect(JSON.parse(fixed.stdout)).toMatchObject({ notified: 1 });
    expect(ntfy.messages).toHaveLength(1);
  });
});

describe('runs that were stopped', () => {
  /** A `sentinel run` started as a unit or a shell would (a process group of its own), once its
   * Claude is in the middle of an API call that never answers. */
  async function runWithClaudeMidCall() {
    const api = await startFakeAnthropic([{ kind: 'hang' }]);
    servers.push(api);
    const t = await setup({ claude: { enabled: true, command: CLAUDE, timeout: '60s' } });
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay' }]);
    const env = { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: api.url, CLAUDE_CODE_MAX_RETRIES: '0' };
    const child = execa('node', [CLI, 'run'], {
      cwd: t.dir,
      env: { ...env, PATH: process.env.PATH ?? '', HOME: t.dir },
      extendEnv: false,
      reject: false,
      detached: true,
    });
    for (let i = 0; i < 200 && api.messageBodies().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(api.messageBodies()).toHaveLength(1);
    return { api, t, env, child, runsDir: join(t.dir, '.sentinel', 'claude') };
  }

  it('a run killed while Claude works: the next run pushes the deterministic report at once, not after the retry backoff', async () => {
    const { api, t, env, child } = await runWithClaudeMidCall();
    killTree(child.pid!); // Claude included, as a unit's stop kills its cgroup
    await child;
    expect(t.ntfy.messages).toHaveLength(0);
    const next = await runCli(['run', '--json'], { cwd: t.dir, env });
    expect(JSON.parse(next.stdout)).toMatchObject({ notified: 1 });
    expect(api.messageBodies()).toHaveLength(1); // Claude is asked again only after the backoff
    const file = readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8');
    expect(file).toMatch(/^diagnosis: pending$/m);
    expect(file).toMatch(/not yet: the run asking Claude was stopped before it answered/);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const)(
    'a run stopped by %s shows as interrupted, and while it ran, with its pid; its Claude is stopped with it',
    async (signal) => {
      const { t, child, runsDir } = await runWithClaudeMidCall();
      expect(await t.status()).toMatch(new RegExp(`^ {2}#1 run +\\S+ {2}running \\(pid ${child.pid}\\) `, 'm'));
      const claude = processesWorkingIn(runsDir); // Claude and its MCP server, in the run's directory
      expect(claude.length).toBeGreaterThan(0);
      // SIGKILL as a unit's stop sends it, to the whole cgroup: Claude, in a group of its own, included.
      // The others as Ctrl-C, a closed SSH session or a `kill` send them: to sentinel's group only.
      if (signal === 'SIGKILL') killTree(child.pid!);
      else process.kill(-child.pid!, signal);
      const stopped = await child;
      expect(stopped.signal).toBe(signal);
      expect(await survivors(claude)).toEqual([]);
      expect(await t.status()).toMatch(/^ {2}#1 run +\S+ {2}interrupted .* — stopped before it finished/m);
    },
  );

  it('a run SIGKILLed alone (by hand, or the OOM killer): the next run ends the Claude it left and removes its directory', async () => {
    const { api, t, env, child, runsDir } = await runWithClaudeMidCall();
    const [runDir] = readdirSync(runsDir);
    process.kill(child.pid!, 'SIGKILL'); // sentinel alone: it has no chance to stop Claude
    await child;
    const orphans = processesWorkingIn(runsDir);
    expect(orphans.length).toBeGreaterThan(0);
    // The next run asks no Claude (the retry waits for its backoff), and still ends the one left.
    const next = await runCli(['run'], { cwd: t.dir, env, timeoutMs: 90_000 });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(await survivors(orphans)).toEqual([]);
    expect(readdirSync(runsDir)).not.toContain(runDir);
    expect(api.messageBodies()).toHaveLength(1);
  });
});

describe('tidying up after a killed run', () => {
  it('never stands in the way of the next run: a warning in one line, and the alert still goes out', async () => {
    const t = await setup();
    mkdirSync(join(t.dir, '.sentinel'), { recursive: true });
    writeFileSync(join(t.dir, '.sentinel', 'claude'), 'not a directory');
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay' }]);
    const result = await runCli(['run', '--json'], { cwd: t.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^sentinel: warning: \S+claude: an earlier run's directory not removed: ENOTDIR\b.*$/m);
    expect(JSON.parse(result.stdout)).toMatchObject({ notified: 1 });
  });
});

// Skipped: a race, not yet closed. Sentinel's SIGTERM reaches Claude and its MCP server at once, and
// the server passes the stop on to the analysis; but Claude's own shutdown may kill the server first,
// and the analysis then runs to its end. CI on Node 24 lost it once in about eight runs of each case.
describe.skip('what Claude started', () => {
  /** A project whose Claude calls an analysis that runs for a minute; `probe()` is its pid once it runs. */
  async function slowAnalysis(claudeTimeout: string) {
    const pidFile = join(tmpdir(), `sentinel-probe-${process.pid}-${Date.now()}.pid`);
    const api = await startFakeAnthropic([{ kind: 'tool_use', name: 'mcp__sentinel__slow_probe', input: {} }, { kind: 'hang' }]);
    servers.push(api);
    const t = await setup({
      claude: { enabled: true, command: CLAUDE, timeout: claudeTimeout },
      scripts: [
        {
          name: 'slow_probe',
          command: ['/bin/sh', '-c', `echo $$ > ${pidFile}.part; mv ${pidFile}.part ${pidFile}; exec sleep 60`],
          timeout: '60s',
        },
      ],
    });
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay' }]);
    const env = { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: api.url, CLAUDE_CODE_MAX_RETRIES: '0' };
    const probe = async () => {
      for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(pidFile), 'Claude never got to run the analysis').toBe(true);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      rmSync(pidFile);
      return pid;
    };
    return { t, env, probe };
  }

  it('an analysis that was running when Claude timed out is stopped with it, not left to run on', async () => {
    const { t, env, probe } = await slowAnalysis('10s');
    const run = await runCli(['run', '--json'], { cwd: t.dir, env, timeoutMs: 90_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await survivors([await probe()])).toEqual([]);
  });

  it('an analysis that was running when the run was stopped with Ctrl-C is stopped with it', async () => {
    const { t, env, probe } = await slowAnalysis('60s');
    const child = execa('node', [CLI, 'run'], { cwd: t.dir, env: { ...env, HOME: t.dir }, reject: false, detached: true });
    const pid = await probe();
    process.kill(-child.pid!, 'SIGINT'); // as Ctrl-C: sentinel's group only
    expect((await child).signal).toBe('SIGINT');
    expect(await survivors([pid])).toEqual([]);
  });
});

describe('health tells the truth while it warms up', () => {
  it('a young series is "warming up (N of 24 h)", never normal; a limit breach alerts at once and leads the push', async () => {
    const t = await setup({
      system: { mounts: [] },
      metrics: [
        // Listed after the latency: the order of the push comes from what is most actionable, not from here.
        { name: 'latency_ms', sql: "SELECT time, json_extract(extra, '$.ms') FROM logs WHERE message = 'latency' AND time >= :since" },
        {
          name: 'queue_depth',
          sql: "SELECT time, json_extract(extra, '$.depth') FROM logs WHERE message = 'queue depth' AND time >= :since",
          limit: 100,
        },
        { name: 'signups', sql: "SELECT time, json_extract(extra, '$.n') FROM logs WHERE message = 'signup' AND time >= :since" },
      ],
    });
    // Three days of a steady latency (about 10 ms), written straight into the sink's table.
    const now = Date.now();
    const rows: RowSpec[] = [];
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let at = now - 3 * 86_400_000; at < now - 30 * 60_000; at += 5 * 60_000)
      rows.push({ time: at, level: 'INFO', message: 'latency', extra: JSON.stringify({ ms: 9 + rand() * 2 }) });
    writeLogDb(t.db, rows);
    // Now, through loguru: the latency far above its usual, and a queue that is new and over its limit.
    for (const ms of [90, 95, 100, 110, 120, 130]) await writeWithLoguru(t.db, [{ level: 'INFO', message: 'latency', extra: { ms } }]);
    for (const depth of [150, 160, 170]) await writeWithLoguru(t.db, [{ level: 'INFO', message: 'queue depth', extra: { depth } }]);
    for (const n of [1, 2, 3]) await writeWithLoguru(t.db, [{ level: 'INFO', message: 'signup', extra: { n } }]);
    const health = await runCli(['health'], { cwd: t.dir });
    expect(health.exitCode, health.stderr).toBe(0);
    expect(health.stdout).toMatch(/^ {2}warming up \(0 of 24 h\) {2}metric:signups$/m);
    expect(health.stdout).not.toMatch(/normal +metric:signups/);
    expect(health.stdout).toMatch(/^ {2}CONCERNING {2}metric:queue_depth: queue_depth .*limit/m);
    expect(health.stdout).toMatch(/^ {2}CONCERNING {2}metric:latency_ms: /m);
    expect(t.ntfy.messages).toHaveLength(1);
    const push = t.ntfy.messages[0]!;
    // (The test machine's own load may be concerning too: a threshold, as actionable as a limit.)
    expect(push.title).toMatch(/^Concerning: (load per core, )?queue_depth, latency_ms/);
    const series = push
      .message!.split('\n')
      .filter((l) => l.startsWith('**'))
      .map((l) => /^\*\*(.+?)\*\*/.exec(l)![1]);
    expect(series.filter((name) => name !== 'load per core')).toEqual(['queue_depth', 'latency_ms']);
    expect(push.priority).toBe(4);
  });
});

describe('the whole incident one tap away', () => {
  it('notify.ntfy.attach uploads the incident file with the push; a server that keeps no files still gets the push', async () => {
    for (const attachments of [true, false]) {
      const ntfy = await startFakeNtfy({ attachments });
      servers.push(ntfy);
      const p = makeProject({
        notify: { ntfy: { url: ntfy.url, topic: 'ops', attach: true, click: 'https://git.example.com/ops/incidents/{file}' } },
      });
      await writeWithLoguru(p.db, [
        { level: 'ERROR', message: 'payment webhook rejected — signature ✗', logger: 'app.pay', exception: 'ValueError: bad signature' },
      ]);
      const run = await runCli(['run'], { cwd: p.dir });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(ntfy.messages).toHaveLength(1);
      const [file] = incidents(p.dir);
      const push = ntfy.messages[0]!;
      expect(push).toMatchObject({
        topic: 'ops',
        title: 'New ERROR ValueError in app.pay',
        priority: 4,
        tags: ['warning', 'new'],
        markdown: true,
      });
      expect(push.click).toBe(`https://git.example.com/ops/incidents/${file}`);
      expect(push.message).toContain('signature ✗');
      if (attachments) expect(push.attachment).toEqual({ name: file, body: readFileSync(join(p.dir, 'incidents', file!), 'utf8') });
      else expect(push.attachment).toBeUndefined();
    }
  });
});
