import { describe, expect, it } from 'vitest';
import { buildFailureNotice, isUnitName } from '../../src/core/failure-notice.js';
import { buildNtfyPayload, NTFY_MESSAGE_MAX_BYTES } from '../../src/core/ntfy-payload.js';
import { utf8Bytes } from '../../src/core/text.js';
import { createRedactor } from '../../src/core/redact.js';
import { compileSafeRegex } from '../../src/core/safe-regex.js';

const extra = compileSafeRegex('hunter[0-9]+');
if (!extra.ok) throw new Error(extra.error);
const redactor = createRedactor([extra.regex]);
const key = `sk-ant-api03-${'x7Q'.repeat(12)}`;

describe('buildFailureNotice', () => {
  it('names the unit and the host, high priority, with the journal lines redacted and fenced', () => {
    const notice = buildFailureNotice({
      unit: 'sentinel.service',
      host: 'vps-1',
      journal: {
        kind: 'ok',
        lines: [
          'sentinel: state database /var/lib/sentinel/state.db: cannot open',
          `ANTHROPIC_API_KEY=${key} password hunter22`,
          'x ``` y',
        ],
      },
      redactor,
    });
    expect(notice.title).toBe('sentinel failed: sentinel.service');
    expect(notice.severity).toBe('high');
    expect(buildNtfyPayload(notice, { topic: 't' }).priority).toBe(4);
    expect(notice.message).toContain('**sentinel.service** failed on vps-1.');
    expect(notice.message).toContain('Last 3 journal lines:');
    expect(notice.message).toContain('cannot open');
    expect(notice.message).not.toContain(key);
    expect(notice.message).not.toContain('hunter22');
    // The fence is longer than any backtick run inside it.
    expect(notice.message).toMatch(/\n````text\n[\s\S]*x ``` y\n````$/);
  });

  it('keeps the newest lines when they do not all fit in an ntfy message', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i} ${'é'.repeat(300)}`);
    const notice = buildFailureNotice({ unit: 'sentinel.service', host: 'h', journal: { kind: 'ok', lines }, redactor });
    expect(utf8Bytes(notice.message)).toBeLessThanOrEqual(NTFY_MESSAGE_MAX_BYTES);
    expect(notice.message).toContain('line 19 ');
    expect(notice.message).not.toContain('line 0 ');
    expect(buildNtfyPayload(notice, { topic: 't' }).message).toBe(notice.message);
  });

  it('still says the unit failed when the journal cannot be read', () => {
    const notice = buildFailureNotice({
      unit: 'sentinel-health.service',
      host: 'h',
      journal: { kind: 'failed', reason: 'journalctl is not installed (not found on PATH)' },
      redactor,
    });
    expect(notice.title).toBe('sentinel failed: sentinel-health.service');
    expect(notice.message).toContain('Its journal could not be read (journalctl is not installed (not found on PATH))');
  });
});

describe('isUnitName', () => {
  it.each([
    ['sentinel.service', true],
    ['sentinel-failure@sentinel.service.service', true],
    ['--since=yesterday', false],
    ['-u', false],
    ['a b.service', false],
    ['x\n.service', false],
    ['', false],
  ])('%j → %s', (name, expected) => {
    expect(isUnitName(name)).toBe(expected);
  });
});
