import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeCredential, type FakeTurn } from '../fakes/fake-anthropic.js';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
// Assembled at run time so no secret scanner flags the source.
const OAUTH_TOKEN = ['sk', 'ant', 'oat01', 'Hy3'.repeat(14)].join('-');
const API_KEY = ['sk', 'ant', 'api03', 'Kp2'.repeat(14)].join('-');

const ANSWER = {
  verdict: 'real_issue',
  severity: 'medium',
  title: 'Payment webhook fails',
  summary: 'The payment webhook returns 500 for every call since 09:00.',
  root_cause: { status: 'hypothesis', text: 'The provider changed its payload.' },
  evidence: [{ tool: 'error_group', finding: '3 rows, one per retry.' }],
  actions: ['Check the provider status page'],
  suggested_ignore: [],
  confidence: 0.5,
};

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function setup(turns: FakeTurn[], credential: FakeCredential, env: Record<string, string>, claude: Record<string, unknown> = {}) {
  const api = await startFakeAnthropic(turns, { credential });
  servers.push(api);
  const project = makeProject({ claude: { enabled: true, command: CLAUDE, timeout: '60s', ...claude } });
  const fullEnv = { ...env, ANTHROPIC_BASE_URL: api.url, CLAUDE_CODE_MAX_RETRIES: '0' };
  const run = async (...args: string[]) => {
    const result = await runCli(['run', '--json', ...args], { cwd: project.dir, env: fullEnv, timeoutMs: 90_000 });
    expect(result.stderr).not.toMatch(/internal error/);
    return { ...result, json: result.exitCode === 0 ? (JSON.parse(result.stdout) as Record<string, unknown>) : null };
  };
  const incidents = () =>
    readdirSync(join(project.dir, 'incidents'))
      .sort()
      .map((name) => readFileSync(join(project.dir, 'incidents', name), 'utf8'));
  return { api, ...project, env: fullEnv, run, incidents };
}

describe('sentinel run on a Claude subscription (CLAUDE_CODE_OAUTH_TOKEN)', () => {
  it('investigates with the Bearer token only, though an API key is in the environment, and labels the cost an estimate', async () => {
    const t = await setup(
      [{ kind: 'structured_output', output: ANSWER }],
      { oauthToken: OAUTH_TOKEN },
      { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN, ANTHROPIC_API_KEY: API_KEY },
      { auth: 'oauth_token' },
    );
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500', repeat: 3 }]);
    const run = await t.run();
    expect(run.json, run.stderr).toMatchObject({ investigation: 'claude' });
    expect(t.api.requests.filter((r) => r.method === 'POST').every((r) => r.headers['x-api-key'] === undefined)).toBe(true);
    const [incident] = t.incidents();
    expect(incident).toMatch(
      /- Model `sonnet`, \d+ turns, \$\d+\.\d{4} \(estimate: the API-equivalent price; a subscription is not billed per call\)/,
    );
  });

  it('two credentials and no claude.auth: the incident still goes out, saying which two', async () => {
    const t = await setup([], { oauthToken: OAUTH_TOKEN }, { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN, ANTHROPIC_API_KEY: API_KEY });
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500' }]);
    const run = await t.run();
    expect(run.json).toMatchObject({ investigation: 'fallback' });
    expect(t.api.messageBodies()).toEqual([]);
    expect(t.incidents()[0]).toMatch(
      /Claude could not be started \(claude\.auth: two or more credentials are present \(api_key: .*; oauth_token: .*\)/,
    );
  });

  it('a usage limit pauses Claude until its reset: fallback reports meanwhile, said once in status, no call before the reset', async () => {
    const resetsAt = Math.floor(Date.now() / 1000 + 3 * 3600) * 1000;
    const t = await setup([{ kind: 'usage_limit', resetsAt }], { oauthToken: OAUTH_TOKEN }, { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN });
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500', repeat: 3 }]);
    const first = await t.run();
    expect(first.json, first.stderr).toMatchObject({ investigation: 'fallback' });
    const until = `${new Date(resetsAt).toISOString().slice(0, 19)}Z`;
    expect(t.incidents()[0]).toContain(
      `**No diagnosis:** the Claude subscription's usage limit is reached; investigations resume after ${until}.`,
    );

    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'disk quota exceeded for bucket uploads', exception: 'OSError: quota' }]);
    const second = await t.run();
    expect(second.json).toMatchObject({ investigation: 'fallback' });
    expect(t.api.messageBodies()).toHaveLength(1); // the limit is a state: no second call before the reset
    expect(t.incidents()[1]).toContain(`investigations resume after ${until}`);

    const status = await runCli(['status'], { cwd: t.dir, env: t.env });
    const paused = status.stdout.split('\n').filter((line) => line.includes('Claude paused until'));
    expect(paused).toEqual([
      `  ! Claude paused until ${new Date(resetsAt).toISOString().replace(/\.\d+Z$/, 'Z')}: the subscription's usage limit is reached; incidents get the fallback report`,
    ]);
    expect(status.stdout.match(/claude_usage_limit/g)).toHaveLength(1); // one warning for the one limit, not one per run
    const json = JSON.parse((await runCli(['status', '--json'], { cwd: t.dir, env: t.env })).stdout);
    expect(json.reporting.claude_paused_until).toBe(new Date(resetsAt).toISOString());
  });
});
