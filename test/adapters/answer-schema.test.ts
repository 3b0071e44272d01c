import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeRunner } from '../../src/adapters/claude-runner.js';
import { answerJsonSchema, parseAnswer } from '../../src/core/answer.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { tempDir } from '../support/temp.js';

const answer = {
  verdict: 'noise',
  severity: 'low',
  title: 'Retried Gemini 429s',
  summary: 'A burst of retried rate limits.',
  root_cause: { text: 'A short spike of requests.', status: 'hypothesis' },
  evidence: [],
  actions: [],
  suggested_ignore: [],
  confidence: 0.6,
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function investigate(
  firstOutput: unknown,
): Promise<{ fake: FakeAnthropic; outcome: Awaited<ReturnType<ReturnType<typeof createClaudeRunner>['investigate']>> }> {
  const fake = await startFakeAnthropic([
    { kind: 'structured_output', output: firstOutput },
    { kind: 'structured_output', output: answer },
  ]);
  const dir = tempDir('sentinel-answer-');
  cleanups.push(
    () => fake.close(),
    () => rm(dir, { recursive: true, force: true }),
  );
  const runner = createClaudeRunner({
    command: resolve('node_modules/.bin/claude'),
    model: 'claude-sonnet-4-5',
    maxTurns: 4,
    maxBudgetUsd: 1,
    timeoutMs: 30_000,
    privateDir: join(dir, 'private'),
    pathEnv: process.env.PATH ?? '/usr/bin:/bin',
    credentialEnv: { ANTHROPIC_API_KEY: 'sk-ant-test-key' },
    baseUrl: fake.url,
    apiTimeoutMs: 10_000,
    maxRetries: 0,
    mcpServer: { command: process.execPath, args: [resolve('test/fixtures/echo-mcp.mjs')], env: {} },
    tools: [],
  });
  return { fake, outcome: await runner.investigate({ prompt: 'Investigate.', jsonSchema: answerJsonSchema }) };
}

describe('answerJsonSchema with the real claude CLI', () => {
  it('is offered as the StructuredOutput tool, and the answer parses', async () => {
    const { outcome } = await investigate(answer);
    expect(outcome.kind).toBe('ok');
    expect(outcome.kind === 'ok' && parseAnswer(outcome.answer)).toEqual({ ok: true, answer });
  });

  it('makes the model answer again when a bound is broken', async () => {
    const { fake, outcome } = await investigate({ ...answer, title: 'x'.repeat(500) });
    expect(outcome.kind === 'ok' && outcome.answer).toEqual(answer);
    expect(JSON.stringify(fake.messageBodies().at(-1)?.messages.at(-1))).toContain('/title: must NOT have more than 120 characters');
  });
});
