import { describe, expect, it } from 'vitest';
import { answerJsonSchema, parseAnswer, type Answer } from '../../src/core/answer.js';

const valid: Answer = {
  verdict: 'real_issue',
  severity: 'high',
  title: 'Gemini 429s stall the TTS queue',
  summary: 'Since 11:00 the TTS workers hit Gemini rate limits.',
  root_cause: { text: 'The quota was lowered.', status: 'hypothesis' },
  evidence: [{ tool: 'gemini_rpm', finding: '61 calls a minute against a limit of 60' }],
  actions: ['Lower the worker concurrency to 4'],
  suggested_ignore: [],
  confidence: 0.7,
};

describe('parseAnswer', () => {
  it('accepts a complete answer and drops keys the schema does not know', () => {
    expect(parseAnswer({ ...valid, chatter: 'hello' })).toEqual({ ok: true, answer: valid });
  });

  it.each([
    ['a missing verdict', { verdict: undefined }, 'verdict'],
    ['an unknown severity', { severity: 'urgent' }, 'severity'],
    ['a confidence above 1', { confidence: 1.5 }, 'confidence'],
    ['a 121-character title', { title: 'x'.repeat(121) }, 'title'],
    ['an empty summary', { summary: '' }, 'summary'],
    ['nine actions', { actions: Array.from({ length: 9 }, () => 'do it') }, 'actions'],
    ['a root cause without status', { root_cause: { text: 'x' } }, 'root_cause.status'],
    [
      'six ignore rules',
      { suggested_ignore: Array.from({ length: 6 }, () => ({ match: { fingerprint: 'a' }, reason: 'r' })) },
      'suggested_ignore',
    ],
  ])('rejects %s, naming the field', (_label, change, path) => {
    const result = parseAnswer({ ...valid, ...change });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(`${path}:`);
  });

  it('rejects what is not an object at all', () => {
    expect(parseAnswer('just text')).toMatchObject({ ok: false, reason: expect.stringContaining('(answer):') });
  });

  it('drops a suggested ignore rule that matches on nothing', () => {
    const rules = [
      { match: {}, reason: 'matches everything' },
      { match: { message: '^Retrying upload' }, reason: 'retries are expected' },
    ];
    const result = parseAnswer({ ...valid, verdict: 'noise', suggested_ignore: rules });
    expect(result.ok && result.answer.suggested_ignore).toEqual([rules[1]]);
  });
});

describe('answerJsonSchema', () => {
  it('requires every field and carries the bounds, for the CLI to enforce', () => {
    const schema = answerJsonSchema as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { maxLength?: number; maxItems?: number; enum?: string[] }>;
    };
    expect(schema.required.sort()).toEqual(Object.keys(valid).sort());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.title?.maxLength).toBe(120);
    expect(schema.properties.evidence?.maxItems).toBe(12);
    expect(schema.properties.verdict?.enum).toEqual(['real_issue', 'noise', 'unclear']);
    expect(JSON.parse(JSON.stringify(answerJsonSchema))).toEqual(answerJsonSchema);
  });
});
