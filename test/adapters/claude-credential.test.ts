import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveClaudeCredential } from '../../src/adapters/claude-credential.js';
import { createClaudeRunner } from '../../src/adapters/claude-runner.js';
import { parseConfig, type Config } from '../../src/core/config.js';
import { startFakeAnthropic, type FakeCredential, type FakeTurn } from '../fakes/fake-anthropic.js';
import { tempDir } from '../support/temp.js';

const CLAUDE = resolve('node_modules/.bin/claude');
const ECHO_MCP = resolve('test/fixtures/echo-mcp.mjs');
// Assembled at run time so no secret scanner flags the source.
const API_KEY = ['sk', 'ant', 'api03', 'Qw7'.repeat(14)].join('-');
const OAUTH_TOKEN = ['sk', 'ant', 'oat01', 'Rt5'.repeat(14)].join('-');

const claudeConfig = (claude: Record<string, unknown> = {}): Config['claude'] => {
  const parsed = parseConfig({ source: { path: 'logs.db' }, claude });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config.claude;
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('resolveClaudeCredential', () => {
  it.each([
    ['an API key alone', {}, { ANTHROPIC_API_KEY: API_KEY }, 'api_key', { ANTHROPIC_API_KEY: API_KEY }],
    [
      'a subscription token alone',
      {},
      { CLAUDE_CODE_OAUTH_TOKEN: ` ${OAUTH_TOKEN}\n` },
      'oauth_token',
      { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
    ],
    [
      'auth: oauth_token next to an API key: the key stays out',
      { auth: 'oauth_token' },
      { ANTHROPIC_API_KEY: API_KEY, CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
      'oauth_token',
      { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
    ],
    [
      'auth: api_key next to a token: the token stays out',
      { auth: 'api_key' },
      { ANTHROPIC_API_KEY: API_KEY, CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
      'api_key',
      { ANTHROPIC_API_KEY: API_KEY },
    ],
    [
      'Bedrock from the config, with explicit files relative to the config',
      { bedrock: { region: 'eu-west-1', profile: 'ops', credentials_file: 'aws/credentials' } },
      { ANTHROPIC_API_KEY: API_KEY, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', HOME: '/root' },
      null,
      null,
    ],
    [
      'Bedrock when chosen: only AWS variables, no API key',
      { auth: 'bedrock', bedrock: { region: 'eu-west-1', profile: 'ops', credentials_file: 'aws/credentials' } },
      { ANTHROPIC_API_KEY: API_KEY, AWS_SESSION_TOKEN: 'tok', GOOGLE_APPLICATION_CREDENTIALS: '/x.json' },
      'bedrock',
      {
        CLAUDE_CODE_USE_BEDROCK: '1',
        AWS_REGION: 'eu-west-1',
        AWS_PROFILE: 'ops',
        AWS_SHARED_CREDENTIALS_FILE: '/etc/sentinel/aws/credentials',
        AWS_SESSION_TOKEN: 'tok',
      },
    ],
    [
      'Vertex from the environment and a key file',
      {},
      {
        CLAUDE_CODE_USE_VERTEX: '1',
        ANTHROPIC_VERTEX_PROJECT_ID: 'acme',
        CLOUD_ML_REGION: 'global',
        GOOGLE_APPLICATION_CREDENTIALS: '/etc/sentinel/gcp.json',
        VERTEX_REGION_CLAUDE_HAIKU_4_5: 'us-east5',
        AWS_REGION: 'x',
      },
      'vertex',
      {
        CLAUDE_CODE_USE_VERTEX: '1',
        ANTHROPIC_VERTEX_PROJECT_ID: 'acme',
        CLOUD_ML_REGION: 'global',
        GOOGLE_APPLICATION_CREDENTIALS: '/etc/sentinel/gcp.json',
        VERTEX_REGION_CLAUDE_HAIKU_4_5: 'us-east5',
      },
    ],
  ])('%s', (_, claude, env, kind, childEnv) => {
    const resolution = resolveClaudeCredential(claudeConfig(claude), env, '/etc/sentinel');
    if (kind === null) {
      // Two kinds present and none chosen: a config error naming both.
      expect(resolution).toEqual({
        ok: false,
        problem: 'invalid',
        message: expect.stringMatching(/^claude\.auth: two or more credentials are present \(api_key: .*; bedrock: .*\); set claude\.auth/),
      });
      return;
    }
    expect(resolution).toEqual({ ok: true, credential: { kind, source: expect.any(String), env: childEnv } });
  });

  it.each([
    ['nothing at all', {}, {}, 'missing', /^no Claude credential: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN/],
    [
      'a key and a token, none chosen',
      {},
      { ANTHROPIC_API_KEY: API_KEY, CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
      'invalid',
      /^claude\.auth: .*api_key: an API key.*oauth_token: a subscription token/,
    ],
    ['oauth_token chosen, none set', { auth: 'oauth_token' }, { ANTHROPIC_API_KEY: API_KEY }, 'missing', /claude setup-token/],
    ['Bedrock without a region', { bedrock: { credentials_file: '/a' } }, {}, 'invalid', /^claude\.bedrock\.region: needed/],
    [
      'Bedrock without credentials (~/.aws is not found)',
      { bedrock: { region: 'us-east-1' } },
      {},
      'invalid',
      /^claude\.bedrock\.credentials_file: needed \(claude has its own HOME/,
    ],
    ['Vertex without a key file', { vertex: { project_id: 'p' } }, {}, 'invalid', /^claude\.vertex\.credentials_file: needed/],
    ['Vertex without a project', { auth: 'vertex' }, {}, 'invalid', /^claude\.vertex\.project_id: needed/],
  ])('%s is refused with a message naming what to set', (_, claude, env, problem, message) => {
    expect(resolveClaudeCredential(claudeConfig(claude), env, '/etc/sentinel')).toEqual({
      ok: false,
      problem,
      message: expect.stringMatching(message),
    });
  });

  it('reads the systemd credential claude-oauth-token', async () => {
    const dir = tempDir('sentinel-cred-');
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'claude-oauth-token'), `${OAUTH_TOKEN}\n`);
    const resolution = resolveClaudeCredential(claudeConfig(), { CREDENTIALS_DIRECTORY: dir }, dir);
    expect(resolution).toEqual({
      ok: true,
      credential: {
        kind: 'oauth_token',
        source: 'the systemd credential claude-oauth-token',
        env: { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
      },
    });
  });
});

/** The real CLI, with the env the resolution gives it, against a fake that accepts exactly one credential. */
async function runWith(
  env: NodeJS.ProcessEnv | ((fakeUrl: string) => NodeJS.ProcessEnv),
  claude: Record<string, unknown>,
  accepts: FakeCredential | null,
  turns: FakeTurn[],
) {
  const fake = await startFakeAnthropic(turns, accepts ? { credential: accepts } : {});
  const dir = tempDir('sentinel-cred-');
  cleanups.push(
    () => fake.close(),
    () => rm(dir, { recursive: true, force: true }),
  );
  const resolution = resolveClaudeCredential(claudeConfig(claude), typeof env === 'function' ? env(fake.url) : env, dir);
  if (!resolution.ok) throw new Error(resolution.message);
  const firstParty = resolution.credential.kind === 'api_key' || resolution.credential.kind === 'oauth_token';
  const runner = createClaudeRunner({
    command: CLAUDE,
    model: 'claude-sonnet-4-5',
    maxTurns: 3,
    maxBudgetUsd: 1,
    timeoutMs: 30_000,
    privateDir: join(dir, 'private'),
    pathEnv: process.env.PATH ?? '/usr/bin:/bin',
    credentialEnv: resolution.credential.env,
    ...(firstParty ? { baseUrl: fake.url } : {}),
    apiTimeoutMs: 10_000,
    maxRetries: 0,
    mcpServer: { command: process.execPath, args: [ECHO_MCP], env: {} },
    tools: [],
  });
  const outcome = await runner.investigate({
    prompt: 'Investigate group fp1.',
    jsonSchema: { type: 'object', properties: { verdict: { type: 'string' } }, required: ['verdict'] },
  });
  return { fake, outcome };
}

describe('the credential the child sends, as the API sees it (real claude CLI)', () => {
  const answer: FakeTurn[] = [{ kind: 'structured_output', output: { verdict: 'noise' } }];

  it('api_key sends x-api-key and no Authorization', async () => {
    const { fake, outcome } = await runWith(
      { ANTHROPIC_API_KEY: API_KEY, CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
      { auth: 'api_key' },
      { apiKey: API_KEY },
      answer,
    );
    expect(outcome.kind, JSON.stringify(outcome)).toBe('ok');
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.headers['x-api-key'], r.headers.authorization])).toEqual([[API_KEY, undefined]]);
  });

  it('oauth_token sends Authorization: Bearer and no x-api-key, though an API key is in our environment', async () => {
    const { fake, outcome } = await runWith(
      { ANTHROPIC_API_KEY: API_KEY, CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN },
      { auth: 'oauth_token' },
      { oauthToken: OAUTH_TOKEN },
      answer,
    );
    expect(outcome.kind, JSON.stringify(outcome)).toBe('ok');
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.headers['x-api-key'], r.headers.authorization])).toEqual([[undefined, `Bearer ${OAUTH_TOKEN}`]]);
  });

  it("vertex reaches Vertex's route for the configured project and region, and sends no Anthropic key", async () => {
    const { fake, outcome } = await runWith(
      (url) => ({ ANTHROPIC_API_KEY: API_KEY, CLAUDE_CODE_SKIP_VERTEX_AUTH: '1', ANTHROPIC_VERTEX_BASE_URL: `${url}/v1` }), // no Google account here: auth skipped
      { auth: 'vertex', vertex: { project_id: 'acme-prod', region: 'europe-west1' } },
      null,
      answer,
    );
    expect(outcome.kind, JSON.stringify(outcome)).toBe('ok');
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.url)).toEqual([
      expect.stringMatching(/^\/v1\/projects\/acme-prod\/locations\/europe-west1\/publishers\/anthropic\/models\/[^/]+:streamRawPredict$/),
    ]);
    expect(posts.map((r) => [r.headers['x-api-key'], r.headers.authorization])).toEqual([[undefined, undefined]]);
  });

  it('bedrock reaches the Bedrock route for the configured region, signed with the AWS key (SigV4), and sends no Anthropic key', async () => {
    const { fake, outcome } = await runWith(
      (url) => ({
        ANTHROPIC_API_KEY: API_KEY,
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        ANTHROPIC_BEDROCK_BASE_URL: url,
      }),
      { auth: 'bedrock', bedrock: { region: 'eu-west-1' } },
      null,
      answer,
    );
    expect(outcome.kind, JSON.stringify(outcome)).toBe('ok');
    const posts = fake.requests.filter((r) => r.method === 'POST');
    // The CLI probes which models the account may use (/invoke), then streams the answer.
    expect(posts.at(-1)!.url).toBe('/model/claude-sonnet-4-5/invoke-with-response-stream');
    for (const post of posts) {
      expect(post.headers['x-api-key']).toBeUndefined();
      expect(post.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/bedrock\/aws4_request, /,
      );
    }
  });

  it('a rejected token is a failure that says so (HTTP 401)', async () => {
    const { outcome } = await runWith({ CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN }, {}, { oauthToken: 'sk-ant-oat01-another' }, answer);
    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/401/) });
  });

  it("a subscription's usage limit is its own outcome, with the reset time the API gave", async () => {
    const resetsAt = Math.floor(Date.now() / 1000) * 1000 + 3 * 3_600_000;
    const { fake, outcome } = await runWith({ CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN }, {}, { oauthToken: OAUTH_TOKEN }, [
      { kind: 'usage_limit', resetsAt },
    ]);
    expect(outcome).toMatchObject({ kind: 'usage_limit', resetsAt, reason: expect.stringMatching(/HTTP 429.*limit/) });
    expect(fake.messageBodies()).toHaveLength(1); // not retried
  });
});
