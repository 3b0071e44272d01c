import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeRunner, type ClaudeOutcome, type ClaudeRunnerOptions } from '../../src/adapters/claude-runner.js';
import { startFakeAnthropic, type ContentBlock, type FakeAnthropic, type FakeTurn } from '../fakes/fake-anthropic.js';
import { tempDir } from '../support/temp.js';

const CLAUDE = resolve('node_modules/.bin/claude');
const ECHO_MCP = resolve('test/fixtures/echo-mcp.mjs');
const SCHEMA = {
  type: 'object',
  properties: { verdict: { type: 'string' }, summary: { type: 'string' } },
  required: ['verdict', 'summary'],
};
const ANSWER = { verdict: 'bug', summary: 'the payment worker retries forever' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setUp(turns: FakeTurn[], overrides: Partial<ClaudeRunnerOptions> = {}) {
  const fake = await startFakeAnthropic(turns);
  const dir = tempDir('sentinel-claude-');
  cleanups.push(
    () => fake.close(),
    () => rm(dir, { recursive: true, force: true }),
  );
  const mcpPidFile = join(dir, 'mcp.pid');
  const options: ClaudeRunnerOptions = {
    command: CLAUDE,
    model: 'claude-sonnet-4-5',
    maxTurns: 4,
    maxBudgetUsd: 1,
    timeoutMs: 15_000,
    privateDir: join(dir, 'private'),
    pathEnv: process.env.PATH ?? '/usr/bin:/bin',
    credentialEnv: { ANTHROPIC_API_KEY: 'sk-ant-test-key' },
    baseUrl: fake.url,
    apiTimeoutMs: 10_000,
    maxRetries: 0,
    mcpServer: { command: process.execPath, args: [ECHO_MCP, '--pid-file', mcpPidFile], env: {} },
    tools: ['group_detail', 'env_report'],
    ...overrides,
  };
  return { fake, mcpPidFile, runner: createClaudeRunner(options), options };
}

const investigate = (runner: ReturnType<typeof createClaudeRunner>) =>
  runner.investigate({ prompt: 'Investigate error group fp1.', jsonSchema: SCHEMA });

/** The tool_result blocks the CLI sent back to the model, over all requests. */
function toolResults(fake: FakeAnthropic): Extract<ContentBlock, { type: 'tool_result' }>[] {
  const last = fake.messageBodies().at(-1);
  return (last?.messages ?? [])
    .flatMap((m) => (typeof m.content === 'string' ? [] : m.content))
    .filter((b): b is Extract<ContentBlock, { type: 'tool_result' }> => b.type === 'tool_result');
}

const resultText = (block: { content: unknown }) => JSON.stringify(block.content);

function expectKind<K extends ClaudeOutcome['kind']>(outcome: ClaudeOutcome, kind: K): Extract<ClaudeOutcome, { kind: K }> {
  expect(outcome.kind, JSON.stringify(outcome)).toBe(kind);
  return outcome as Extract<ClaudeOutcome, { kind: K }>;
}

describe('createClaudeRunner with the real claude CLI and a fake API', () => {
  it('returns the structured answer after the model used an MCP tool, and records the call', async () => {
    const { fake, runner, options, mcpPidFile } = await setUp([
      { kind: 'tool_use', name: 'mcp__sentinel__group_detail', input: { fingerprint: 'fp1' } },
      { kind: 'structured_output', output: ANSWER },
    ]);
    const progress: number[] = [];
    const outcome = await runner.investigate({
      prompt: 'Investigate error group fp1.',
      jsonSchema: SCHEMA,
      onProgress: (p) => progress.push(p.toolCalls),
    });

    const ok = expectKind(outcome, 'ok');
    expect(ok.answer).toEqual(ANSWER);
    expect(ok.toolCalls).toEqual([{ name: 'mcp__sentinel__group_detail', input: { fingerprint: 'fp1' }, isError: false }]);
    expect(ok.numTurns).toBe(3);
    expect(ok.costUsd).toBeGreaterThan(0);
    expect(ok.permissionDenials).toEqual([]);
    expect(progress.at(-1)).toBe(1);

    const [first] = fake.messageBodies();
    expect(first?.tools?.map((t) => t.name).sort()).toEqual([
      'StructuredOutput',
      'mcp__sentinel__env_report',
      'mcp__sentinel__group_detail',
    ]);
    expect(first?.tools?.find((t) => t.name === 'StructuredOutput')?.input_schema).toEqual(SCHEMA);
    expect(JSON.stringify(first?.messages)).toContain('Investigate error group fp1.');
    expect(resultText(toolResults(fake)[0]!)).toContain('group fp1: 42 rows');
    expect(fake.unexpectedRequests()).toEqual([]);
    expect(await readdir(options.privateDir)).toEqual([]); // the run's HOME, tmp and cwd are gone
    expect(isAlive(Number(readFileSync(mcpPidFile, 'utf8')))).toBe(false);
  });

  it('gives the model no built-in tool: Bash, Read and Write calls run nothing', async () => {
    const dir = tempDir('sentinel-markers-');
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { fake, runner } = await setUp([
      { kind: 'tool_use', name: 'Bash', input: { command: `touch ${dir}/marker-bash` } },
      { kind: 'tool_use', name: 'Write', input: { file_path: `${dir}/marker-write`, content: 'x' } },
      { kind: 'tool_use', name: 'Read', input: { file_path: '/etc/hostname' } },
      { kind: 'structured_output', output: ANSWER },
    ]);
    const ok = expectKind(await investigate(runner), 'ok');

    expect(existsSync(join(dir, 'marker-bash'))).toBe(false);
    expect(existsSync(join(dir, 'marker-write'))).toBe(false);
    expect(ok.toolCalls.map((c) => [c.name, c.isError])).toEqual([
      ['Bash', true],
      ['Write', true],
      ['Read', true],
    ]);
    const results = toolResults(fake).slice(0, 3);
    expect(results.every((r) => r.is_error === true && resultText(r).includes('No such tool available'))).toBe(true);
  });

  it('denies an MCP tool that was not allowed and reports the denial', async () => {
    const { runner } = await setUp(
      [
        { kind: 'tool_use', name: 'mcp__sentinel__env_report', input: {} },
        { kind: 'structured_output', output: ANSWER },
      ],
      { tools: ['group_detail'] },
    );
    const ok = expectKind(await investigate(runner), 'ok');
    expect(ok.permissionDenials).toEqual(['mcp__sentinel__env_report']);
    expect(ok.toolCalls).toEqual([{ name: 'mcp__sentinel__env_report', input: {}, isError: true }]);
  });

  it.each([
    [500, 'HTTP 500', 'Internal server error'],
    [529, 'HTTP 529', 'Overloaded'],
    [401, 'HTTP 401', 'Invalid API key'],
    [429, 'HTTP 429', 'rate limit'],
  ] as const)('fails with a readable reason on HTTP %i without retrying', async (status, code, words) => {
    const { fake, runner } = await setUp([{ kind: 'error', status }]);
    const failed = expectKind(await investigate(runner), 'failed');
    expect(failed.reason).toContain(code);
    expect(failed.reason).toContain(words);
    expect(failed.reason).toContain('exit code 1');
    expect(failed.costUsd).toBe(0);
    expect(fake.messageBodies()).toHaveLength(1);
  });

  it('kills the CLI and its MCP server when the API hangs past our timeout', async () => {
    const { runner, mcpPidFile } = await setUp([{ kind: 'hang' }], { timeoutMs: 4_000, apiTimeoutMs: 60_000 });
    const running = investigate(runner);
    const mcpPid = await waitForPid(mcpPidFile);
    const pgid = readStat(mcpPid)?.pgid ?? -1;

    const timeout = expectKind(await running, 'timeout');
    expect(timeout.reason).toBe('claude timed out after 4 s and was killed (0 tool calls)');
    expect(pgid).toBeGreaterThan(1);
    expect(pgid).not.toBe(readStat(process.pid)?.pgid); // the CLI ran in a group of its own
    expect(isAlive(mcpPid)).toBe(false);
    expect(livePidsInGroup(pgid)).toEqual([]);
  });

  it('fails when the turn cap is reached', async () => {
    const call: FakeTurn = { kind: 'tool_use', name: 'mcp__sentinel__group_detail', input: { fingerprint: 'fp1' } };
    const { runner } = await setUp([call, call, call, call], { maxTurns: 2 });
    const failed = expectKind(await investigate(runner), 'failed');
    expect(failed.subtype).toBe('error_max_turns');
    expect(failed.reason).toBe('claude failed (error_max_turns, exit code 1): Reached maximum number of turns (2)');
    expect(failed.toolCalls).toHaveLength(2);
    expect(failed.costUsd).toBeGreaterThan(0);
  });

  it('fails when the model never gives a structured answer', async () => {
    const { fake, runner } = await setUp([
      { kind: 'text', text: 'It is probably fine.' },
      { kind: 'text', text: 'Really, it is fine.' },
    ]);
    const failed = expectKind(await investigate(runner), 'failed');
    expect(failed.reason).toBe('claude ended without a structured answer (success, 2 turns): Really, it is fine.');
    // The CLI nudged the model once to call StructuredOutput, then gave up.
    expect(JSON.stringify(fake.messageBodies()[1]?.messages)).toContain('You MUST call the StructuredOutput tool');
  });

  it('passes only the allowed variables to the CLI, never a secret of ours', async () => {
    process.env.NTFY_TOKEN = 'tk_secret_of_the_parent';
    cleanups.push(async () => void delete process.env.NTFY_TOKEN);
    const { fake, runner } = await setUp([
      { kind: 'tool_use', name: 'mcp__sentinel__env_report', input: {} },
      { kind: 'structured_output', output: ANSWER },
    ]);
    expectKind(await investigate(runner), 'ok');

    const report = JSON.parse(JSON.parse(resultText(toolResults(fake)[0]!))[0].text) as { own: string[]; parent: string[] };
    expect(report.parent).toEqual([
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_BASE_URL',
      'API_TIMEOUT_MS',
      'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
      'CLAUDE_CODE_MAX_RETRIES',
      'CLAUDE_CODE_TMPDIR',
      'DISABLE_AUTOUPDATER',
      'HOME',
      'PATH',
    ]);
    expect(report.own).not.toContain('NTFY_TOKEN');
    expect(fake.messageBodies()).toHaveLength(2);
    expect(fake.requests.find((r) => r.method === 'POST')?.headers['x-api-key']).toBe('sk-ant-test-key');
  });

  it('keeps a flood of output bounded and reports the last stderr line', async () => {
    const { runner } = await setUp([], { command: resolve('test/fixtures/garbage-claude.mjs') });
    const failed = expectKind(await investigate(runner), 'failed');
    expect(failed.reason).toBe('claude exit code 3, no result event: fatal: the last words of a broken CLI');
    expect(failed.toolCalls).toEqual([{ name: 'mcp__sentinel__group_detail', input: {}, isError: false }]);
  });

  it('says so when the CLI cannot be started', async () => {
    const { runner } = await setUp([], { command: '/nonexistent/claude' });
    const failed = expectKind(await investigate(runner), 'failed');
    expect(failed.reason).toMatch(/^claude could not be started: .*ENOENT/);
  });
});

async function waitForPid(file: string): Promise<number> {
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  return Number(readFileSync(file, 'utf8'));
}

/** State and process group of a live (not zombie) process, from /proc. */
function readStat(pid: number): { pgid: number; state: string } | null {
  try {
    // After "(comm)": state ppid pgrp …; comm may contain spaces, so split after the last ')'.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    return { state: fields[0]!, pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

// A killed process whose parent already died stays a zombie until PID 1 reaps it; it runs nothing.
const isAlive = (pid: number) => {
  const stat = readStat(pid);
  return stat !== null && stat.state !== 'Z';
};

function livePidsInGroup(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => readStat(pid)?.pgid === pgid && isAlive(pid));
}
