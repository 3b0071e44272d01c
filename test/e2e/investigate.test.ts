import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeTurn } from '../fakes/fake-anthropic.js';
import { startFakeNtfy } from '../fakes/fake-ntfy.js';
import { FAKE_SECRETS } from '../fixtures/secrets.js';
import { execa } from 'execa';
import { CLI, makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';
import { killTree } from '../support/processes.js';

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const NTFY_TOKEN = 'tk_e2etokenforthefakentfyserver0';

const ANSWER = {
  verdict: 'real_issue',
  severity: 'high',
  title: 'Voice settings lookup fails for new users',
  summary: 'Jobs for users without saved voice settings fail with KeyError voice_id since the last deploy.',
  root_cause: { status: 'hypothesis', text: 'settings_for() assumes every user has a voice_id.' },
  evidence: [{ tool: 'rows_around', finding: 'The failing job row follows a settings read for a new user.' }],
  actions: ['Default voice_id in settings_for()', 'Backfill voice settings for users created this week'],
  suggested_ignore: [],
  confidence: 0.7,
};

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function setup(turns: FakeTurn[], claude: Record<string, unknown> = {}) {
  const api = await startFakeAnthropic(turns);
  const ntfy = await startFakeNtfy({ token: NTFY_TOKEN });
  servers.push(api, ntfy);
  const project = makeProject({
    claude: { enabled: true, command: CLAUDE, timeout: '60s', ...claude },
    notify: { ntfy: { url: ntfy.url, topic: 'sentinel-e2e', token_env: 'NTFY_TOKEN', click: 'https://git.example.com/incidents/{file}' } },
  });
  const env = { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: api.url, CLAUDE_CODE_MAX_RETRIES: '0', NTFY_TOKEN };
  const run = async (...args: string[]) => {
    const result = await runCli(['run', '--json', ...args], { cwd: project.dir, env, timeoutMs: 90_000 });
    expect(result.stderr).not.toMatch(/internal error/);
    return { ...result, json: result.exitCode === 0 ? (JSON.parse(result.stdout) as Record<string, unknown>) : null };
  };
  return { api, ntfy, ...project, env, run };
}

const incidents = (dir: string) => readdirSync(join(dir, 'incidents')).sort();

describe('sentinel run investigates with the real claude CLI and notifies through ntfy', () => {
  it('loguru errors → one Claude investigation → one incident file → one notification; a quiet run after sends nothing', async () => {
    const secret = FAKE_SECRETS.find((s) => s.kind === 'anthropic_key')!.secret;
    const t = await setup([
      { kind: 'tool_use', name: 'Bash', input: { command: 'cat /etc/passwd' } },
      { kind: 'tool_use', name: 'mcp__sentinel__error_group', input: { fingerprint: "x' OR 1=1 --" } },
      { kind: 'tool_use', name: 'mcp__sentinel__rows_around', input: { id: 2, before: 1, after: 1 } },
      { kind: 'structured_output', output: ANSWER },
    ]);
    await writeWithLoguru(t.db, [
      { level: 'INFO', message: 'loading settings for user 7' },
      {
        level: 'ERROR',
        message: `Job 4412 failed: voice settings missing (key ${secret})`,
        logger: 'app.worker',
        function: 'render_job',
        exception: "KeyError: 'voice_id'",
        repeat: 40,
      },
    ]);
    const first = await t.run();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ rows_read: 40, investigation: 'claude', notified: 1 });
    expect(incidents(t.dir)).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2}-incident-voice-settings-lookup-fails-for-new-users\.md$/)]);

    const file = readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8');
    expect(file).toMatch(/^---\n[\s\S]*severity: high[\s\S]*verdict: real_issue[\s\S]*---\n/);
    expect(file).toContain('rows_around'); // the tool Claude called is in the run details
    expect(file).not.toContain(secret);

    // The model saw the rows, redacted, and was offered only sentinel's tools.
    const bodies = t.api.messageBodies();
    const prompt = JSON.stringify(bodies[0]);
    expect(prompt).toContain('voice settings missing');
    expect(prompt).not.toContain(secret);
    const offered = (bodies[0] as { tools?: { name: string }[] }).tools!.map((tool) => tool.name).sort();
    expect(offered.every((name) => name.startsWith('mcp__sentinel__') || name === 'StructuredOutput')).toBe(true);
    expect(t.api.unexpectedRequests()).toEqual([]);
    // Bash does not exist for it, a hostile argument is refused, the real call answers with the rows.
    const results = JSON.stringify(t.api.messageBodies().at(-1));
    expect(results).toMatch(/No such tool available: Bash/);
    expect(results).toMatch(/a fingerprint is 1–64 letters/);
    expect(results).toContain('loading settings for user 7');

    expect(t.ntfy.messages).toHaveLength(1);
    expect(t.ntfy.messages[0]).toMatchObject({ topic: 'sentinel-e2e', title: ANSWER.title, priority: 4, markdown: true });
    expect(t.ntfy.messages[0]!.click).toBe(`https://git.example.com/incidents/${encodeURIComponent(incidents(t.dir)[0]!)}`);
    expect(t.ntfy.messages[0]!.message).toContain(ANSWER.actions[0]);

    const status = await runCli(['status', '--json'], { cwd: t.dir });
    expect(JSON.parse(status.stdout).reporting).toMatchObject({ claude_calls_today: 1, notifications_unsent: 0 });

    const quiet = await t.run();
    expect(quiet.json).toMatchObject({ rows_read: 0, investigation: 'none', notified: 0, incident: null });
    expect(t.api.messageBodies()).toHaveLength(bodies.length);
    expect(t.ntfy.messages).toHaveLength(1);
  });

  it('a storm of one error is one investigation with a bounded prompt', async () => {
    const t = await setup([
      { kind: 'structured_output', output: ANSWER },
      { kind: 'structured_output', output: ANSWER },
    ]);
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'Inworld TTS rate limited (429) for voice Ashley', repeat: 2000 }]);
    const storm = await t.run();
    expect(storm.json).toMatchObject({ rows_read: 2000, investigation: 'claude', notified: 1 });
    expect((storm.json!.groups as unknown[]).length).toBe(1);
    expect(t.api.messageBodies()).toHaveLength(1);
    expect(Buffer.byteLength(JSON.stringify(t.api.messageBodies()[0]))).toBeLessThan(60_000);
  });

  it('Claude failing (HTTP 500) pushes the deterministic report at once, is retried on later runs, then the file says it failed', async () => {
    const t = await setup([
      { kind: 'error', status: 500 },
      { kind: 'error', status: 529 },
    ]);
    // max_attempts 2 keeps the test short
    writeFileSync(t.configFile, `${readFileSync(t.configFile, 'utf8')}investigate:\n  max_attempts: 2\n`);
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500', repeat: 3 }]);
    const first = await t.run();
    expect(first.json).toMatchObject({ investigation: 'pending', notified: 1 });
    expect(first.stderr).toMatch(/attempt 1 of 2 failed: .*500/);
    expect(readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8')).toMatch(/diagnosis: pending/);
    const second = await t.run('--retry-now');
    expect(second.json).toMatchObject({ investigation: 'fallback', notified: 0 });
    expect(incidents(t.dir)).toHaveLength(1); // updated in place
    const file = readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8');
    expect(file).toMatch(/verdict: unclear/);
    expect(file).toMatch(/diagnosis: none/);
    expect(file).toMatch(/Claude failed after 2 attempts/);
    expect(t.ntfy.messages).toHaveLength(1);
  });

  it('a group whose investigation waits for a retry is not queued again by the next run (one incident, not two)', async () => {
    const t = await setup([
      { kind: 'error', status: 500 },
      { kind: 'error', status: 500 },
      { kind: 'error', status: 500 },
    ]);
    const add = await runCli(
      ['ignore', 'add', '--message', '^Retrying upload', '--reason', 'retries are expected', '--unless', '5/1h', '--author', 'ops'],
      { cwd: t.dir },
    );
    expect(add.exitCode, add.stderr).toBe(0);
    await writeWithLoguru(t.db, [{ level: 'WARNING', message: 'Retrying upload of job 1', repeat: 20 }]);
    const first = await t.run();
    expect(first.json).toMatchObject({ investigation: 'pending', groups: [expect.objectContaining({ trigger: 'escalating' })] });
    await writeWithLoguru(t.db, [{ level: 'WARNING', message: 'Retrying upload of job 1', repeat: 20 }]);
    const second = await t.run();
    expect(second.exitCode, second.stderr).toBe(0);
    // Still escalating, but the investigation queued for it in the first run covers it (cooldown).
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: t.dir, env: { NTFY_TOKEN } })).stdout);
    expect(status.reporting).toMatchObject({ investigations_queued: 1 });
  });

  it("Claude's tools read the state this run uses, also when systemd's $STATE_DIRECTORY names it", async () => {
    const turns: FakeTurn[] = [];
    const t = await setup(turns);
    const stateDir = join(t.dir, 'var-lib-sentinel');
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'voice settings missing', exception: "KeyError: 'voice_id'", repeat: 2 }]);
    const dry = await runCli(['run', '--dry-run', '--json'], { cwd: t.dir, env: { ...t.env, STATE_DIRECTORY: stateDir } });
    const fingerprint = (JSON.parse(dry.stdout) as { groups: { fingerprint: string }[] }).groups[0]!.fingerprint;
    turns.push(
      { kind: 'tool_use', name: 'mcp__sentinel__error_group', input: { fingerprint } },
      { kind: 'structured_output', output: ANSWER },
    );
    const run = await runCli(['run', '--json'], { cwd: t.dir, env: { ...t.env, STATE_DIRECTORY: stateDir } });
    expect(JSON.parse(run.stdout)).toMatchObject({ investigation: 'claude' });
    const toolResult = JSON.stringify(t.api.messageBodies().at(-1));
    expect(toolResult).toContain(`Group ${fingerprint}: ERROR`);
    expect(toolResult).not.toMatch(/no error group with fingerprint/);
  });

  it('a run killed during every Claude call still ends in the fallback report once the attempts are used up', async () => {
    const t = await setup([{ kind: 'hang' }, { kind: 'structured_output', output: ANSWER }]);
    writeFileSync(t.configFile, `${readFileSync(t.configFile, 'utf8')}investigate:\n  max_attempts: 1\n`);
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500' }]);
    const child = execa('node', [CLI, 'run'], {
      cwd: t.dir,
      env: { PATH: process.env.PATH ?? '', HOME: t.dir, ...t.env },
      extendEnv: false,
      reject: false,
      detached: true,
    });
    for (let i = 0; i < 200 && t.api.messageBodies().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(t.api.messageBodies()).toHaveLength(1); // Claude is mid-call …
    killTree(child.pid!); // … when the whole run dies, Claude included, as under a unit's start timeout
    await child;
    const next = await t.run('--retry-now');
    expect(next.json).toMatchObject({ investigation: 'fallback', notified: 1 });
    expect(t.api.messageBodies()).toHaveLength(1); // not asked again
    const file = readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8');
    expect(file).toMatch(/Claude failed after 1 attempt: the process was stopped during each Claude call/);
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: t.dir })).stdout);
    expect(status.reporting).toMatchObject({ claude_calls_today: 1 });
  });

  it('over the daily budget: the fallback report says why, and Claude is not started', async () => {
    const t = await setup([{ kind: 'structured_output', output: ANSWER }], { daily_max_runs: 0 });
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500' }]);
    const run = await t.run();
    expect(run.json).toMatchObject({ investigation: 'fallback', notified: 1 });
    expect(t.api.requests).toHaveLength(0);
    const file = readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8');
    expect(file).toMatch(/daily Claude budget is used up \(the daily limit of 0 Claude runs is reached/);
  });

  it('with Claude disabled every trigger still ends in a fallback incident and a notification', async () => {
    const t = await setup([], { enabled: false });
    await writeWithLoguru(t.db, [
      { level: 'CRITICAL', message: 'database disk image is malformed', exception: 'sqlite3.DatabaseError: malformed' },
    ]);
    const run = await t.run();
    expect(run.json).toMatchObject({ investigation: 'fallback', notified: 1 });
    expect(t.api.requests).toHaveLength(0);
    expect(t.ntfy.messages[0]).toMatchObject({ priority: 4 });
  });

  it('the fallback report shows each sample once: under Error groups, with the group activity under Analyses', async () => {
    const t = await setup([], { enabled: false });
    await writeWithLoguru(t.db, [
      { level: 'ERROR', message: 'payment 4711 declined for order 8812', exception: 'ValueError: card 4711 expired' },
    ]);
    expect((await t.run()).json).toMatchObject({ investigation: 'fallback' });
    const file = readFileSync(join(t.dir, 'incidents', incidents(t.dir)[0]!), 'utf8');
    const analyses = file.slice(file.indexOf('## Analyses'), file.indexOf('## Error groups'));
    expect(analyses).toMatch(/Rows per hour \(UTC\), last 24 h: 1 of 24 hours had rows/);
    expect(file.split('payment 4711 declined for order 8812')).toHaveLength(2);
    expect(file.split('card 4711 expired')).toHaveLength(2);
  });

  it('an incident that cannot be written fails the run loudly, but the notifications already due still go out', async () => {
    const t = await setup([], { enabled: false });
    t.ntfy.failNext(1, 429);
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'first failure' }]);
    expect((await t.run()).json).toMatchObject({ investigation: 'fallback', notified: 0 });
    // The incidents dir now lies under a regular file: no write can succeed, not even root's.
    writeFileSync(t.configFile, `${readFileSync(t.configFile, 'utf8')}incidents_dir: ${join(t.db, 'incidents')}\n`);
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'second failure' }]);
    const broken = await t.run('--retry-now');
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(/cannot write the incident .*kept in the queue for the next run/);
    expect(t.ntfy.messages.map((m) => m.message)).toEqual([expect.stringContaining('first failure')]);
  });

  it('ntfy answering 429 and 500 keeps the notification in the outbox until it is accepted', async () => {
    const t = await setup([], { enabled: false });
    t.ntfy.failNext(1, 429);
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'first failure' }]);
    const first = await t.run();
    expect(first.json).toMatchObject({ investigation: 'fallback', notified: 0 });
    expect(first.stderr).toMatch(/ntfy: .*429/);
    const status = await runCli(['status', '--json'], { cwd: t.dir, env: { NTFY_TOKEN } });
    expect(JSON.parse(status.stdout).reporting).toMatchObject({ investigations_queued: 0, notifications_unsent: 1 });
    t.ntfy.failNext(1, 500);
    expect((await t.run('--retry-now')).json).toMatchObject({ notified: 0 });
    expect((await t.run('--retry-now')).json).toMatchObject({ notified: 1 });
    expect(t.ntfy.messages).toHaveLength(1);
    expect((await t.run('--retry-now')).json).toMatchObject({ notified: 0 });
  });
});
