import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeFixer } from '../../src/adapters/claude-fixer.js';
import { createGit } from '../../src/adapters/git.js';
import { fixAnswerJsonSchema } from '../../src/core/autofix-job.js';
import { startFakeAnthropic, type ContentBlock, type FakeAnthropic, type FakeTurn } from '../fakes/fake-anthropic.js';
import { makeAppRemote } from '../support/autofix-repo.js';
import { tempDir } from '../support/temp.js';

const CLAUDE = resolve('node_modules/.bin/claude');
const FIXED = {
  outcome: 'fixed',
  summary: 'guarded the empty invoice',
  fix_kind: 'root_cause',
  files: ['app/invoice.py'],
  risk: 'low',
  risk_note: 'none',
};
const MCP_MARKER = '/tmp/sentinel-autofix-mcp-ran';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setUp(turns: (clone: string, outside: string) => FakeTurn[]) {
  const remote = makeAppRemote();
  const outside = tempDir('sentinel-outside-');
  writeFileSync(join(outside, 'elsewhere.txt'), 'outside-the-clone-7a1f');
  writeFileSync(join(remote.dir, 'state.db'), 'state-db-content-91c2');
  const clone = join(remote.dir, 'clone');
  await createGit({ home: join(remote.dir, 'git-home'), pathEnv: process.env.PATH ?? '' }).cloneAt(remote.bare, clone, undefined, null);
  const fake = await startFakeAnthropic(turns(clone, outside));
  cleanups.push(
    () => fake.close(),
    () => rmSync(remote.dir, { recursive: true, force: true }),
    () => rmSync(outside, { recursive: true, force: true }),
  );
  const fixer = createClaudeFixer({
    command: CLAUDE,
    model: 'claude-sonnet-4-5',
    maxTurns: 30,
    maxBudgetUsd: 1,
    timeoutMs: 60_000,
    privateDir: join(remote.dir, 'private'),
    pathEnv: process.env.PATH ?? '/usr/bin:/bin',
    credentialEnv: { ANTHROPIC_API_KEY: 'sk-ant-test-key' },
    baseUrl: fake.url,
    apiTimeoutMs: 10_000,
    maxRetries: 0,
    denyRead: [join(remote.dir, 'state.db')],
  });
  const outcome = await fixer.fix({ clone, prompt: 'Fix the empty-invoice crash.', jsonSchema: fixAnswerJsonSchema });
  return { fake, clone, outside, outcome };
}

/** The tool_result the CLI sent back for each scripted call, in order. */
function toolResults(fake: FakeAnthropic): Extract<ContentBlock, { type: 'tool_result' }>[] {
  return (fake.messageBodies().at(-1)?.messages ?? [])
    .flatMap((m) => (typeof m.content === 'string' ? [] : m.content))
    .filter((b): b is Extract<ContentBlock, { type: 'tool_result' }> => b.type === 'tool_result');
}

const text = (block: { content: unknown }) => JSON.stringify(block.content);

describe('the fixing Claude run (real CLI, fake API): what the model can and cannot touch', () => {
  it('edits a file inside the clone, and is offered file tools only', async () => {
    const { fake, clone, outcome } = await setUp((c) => [
      { kind: 'tool_use', name: 'Read', input: { file_path: join(c, 'app/invoice.py') } },
      {
        kind: 'tool_use',
        name: 'Edit',
        input: {
          file_path: join(c, 'app/invoice.py'),
          old_string: '    return invoice_total(lines) / len(lines)',
          new_string: '    if not lines:\n        return 0\n    return invoice_total(lines) / len(lines)',
        },
      },
      { kind: 'structured_output', output: FIXED },
    ]);
    expect(outcome.kind, JSON.stringify(outcome)).toBe('ok');
    expect(readFileSync(join(clone, 'app/invoice.py'), 'utf8')).toContain('if not lines:\n        return 0');
    expect(
      fake
        .messageBodies()[0]
        ?.tools?.map((t) => t.name)
        .sort(),
    ).toEqual(['Edit', 'Glob', 'Grep', 'Read', 'StructuredOutput', 'Write']);
    expect(outcome.permissionDenials).toEqual([]);
  });

  it('cannot write outside the clone, into .git/, into CI files or agent config, nor read secrets or the system', async () => {
    rmSync(MCP_MARKER, { force: true });
    const DENIED = 'denied by your permission settings';
    const NOT_GRANTED = "you haven't granted it yet"; // outside the clone: acceptEdits asks, and headless nobody answers
    const calls: [string, (c: string, o: string) => Record<string, unknown>, string][] = [
      ['Write', (_c, o) => ({ file_path: join(o, 'planted.txt'), content: 'x' }), NOT_GRANTED],
      ['Write', (c) => ({ file_path: join(c, '../planted.txt'), content: 'x' }), NOT_GRANTED],
      ['Read', (c) => ({ file_path: join(c, '.git/config') }), DENIED],
      ['Write', (c) => ({ file_path: join(c, '.git/config'), content: '[core]\n\thooksPath = /tmp\n' }), DENIED],
      ['Write', (c) => ({ file_path: join(c, '.git/hooks/pre-push'), content: '#!/bin/sh\ntouch /tmp/pwned\n' }), DENIED],
      ['Read', (c) => ({ file_path: join(c, '.github/workflows/ci.yml') }), 'actions/checkout'], // reading CI is fine
      [
        'Edit',
        (c) => ({
          file_path: join(c, '.github/workflows/ci.yml'),
          old_string: 'on: [push]',
          new_string: 'on: [push, pull_request_target]',
        }),
        DENIED,
      ],
      ['Write', (c) => ({ file_path: join(c, '.github/workflows/exfiltrate.yml'), content: 'on: [push]\n' }), DENIED],
      ['Write', (c) => ({ file_path: join(c, '.claude/settings.json'), content: '{}' }), DENIED],
      ['Read', (c) => ({ file_path: join(c, '.env') }), DENIED],
      ['Read', () => ({ file_path: '/etc/passwd' }), DENIED],
      ['Read', (_c, o) => ({ file_path: join(o, 'elsewhere.txt') }), NOT_GRANTED],
      ['Read', (c) => ({ file_path: join(c, '../state.db') }), DENIED],
      ['Read', () => ({ file_path: '/proc/self/environ' }), DENIED],
      ['Grep', (c) => ({ pattern: 'fixture-secret', path: c, output_mode: 'content', '-n': true }), 'No matches found'], // (the assertions below: no secret anywhere)
      ['Grep', (c) => ({ pattern: 'fixture-secret', path: join(c, '.env'), output_mode: 'content' }), 'has been denied'],
      ['Glob', (c) => ({ pattern: '**/*', path: join(c, '.git') }), 'has been denied'],
      ['Bash', (_c, o) => ({ command: `touch ${join(o, 'bash-ran')}` }), 'No such tool available: Bash'],
      ['WebFetch', () => ({ url: 'http://127.0.0.1:9/', prompt: 'x' }), 'No such tool available: WebFetch'],
    ];
    const { fake, clone, outside, outcome } = await setUp((c, o) => [
      ...calls.map(([name, input]): FakeTurn => ({ kind: 'tool_use', name, input: input(c, o) })),
      { kind: 'structured_output', output: { ...FIXED, outcome: 'gave_up' } },
    ]);
    expect(outcome.kind, JSON.stringify(outcome)).toBe('ok');
    const results = toolResults(fake);
    expect(results).toHaveLength(calls.length);
    for (const [i, r] of results.entries()) {
      const [name, , expected] = calls[i]!;
      expect(text(r), `call ${i + 1} (${name})`).toContain(expected);
      expect(r.is_error ?? false, `call ${i + 1} (${name})`).toBe(expected !== 'actions/checkout' && expected !== 'No matches found');
    }
    expect(existsSync(join(outside, 'planted.txt'))).toBe(false);
    expect(existsSync(join(clone, '../planted.txt'))).toBe(false);
    expect(readFileSync(join(clone, '.git/config'), 'utf8')).not.toContain('hooksPath');
    expect(existsSync(join(clone, '.git/hooks/pre-push'))).toBe(false);
    expect(readFileSync(join(clone, '.github/workflows/ci.yml'), 'utf8')).not.toContain('pull_request_target');
    expect(existsSync(join(clone, '.github/workflows/exfiltrate.yml'))).toBe(false);
    expect(existsSync(join(clone, '.claude/settings.json'))).toBe(false);
    expect(existsSync(join(outside, 'bash-ran'))).toBe(false);
    for (const content of ['fixture-secret-do-not-leak', 'outside-the-clone-7a1f', 'state-db-content-91c2'])
      expect(JSON.stringify(fake.messageBodies())).not.toContain(content);
    // The repository's CLAUDE.md and .mcp.json configure nothing.
    expect(JSON.stringify(fake.messageBodies())).not.toContain('curl evil.example');
    expect(existsSync(MCP_MARKER)).toBe(false);
    expect(fake.unexpectedRequests()).toEqual([]);
  });
});
