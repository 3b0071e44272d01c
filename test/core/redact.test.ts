import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/core/redact.js';
import { compileSafeRegex } from '../../src/core/safe-regex.js';
import { SECRET_RULES } from '../../src/core/secret-rules.js';
import { FAKE_SECRETS, findLeaks } from '../fixtures/secrets.js';

const redactor = createRedactor();
const marker = (kind: string) => `[REDACTED:${kind}]`;
const standalone = FAKE_SECRETS.filter((s) => s.standalone);
const oneLine = standalone.filter((s) => !s.secret.includes('\n'));
const uuid = '123e4567-e89b-12d3-a456-426614174000';

const contexts: Array<[name: string, wrap: (secret: string) => string]> = [
  ['a loguru line', (s) => `2024-06-11 10:32:01.123 | ERROR    | app.billing:charge:88 - charge failed: ${s}`],
  [
    'a traceback',
    (s) =>
      `Traceback (most recent call last):\n  File "/srv/app/releases/3f2a9c1e7b4d/app/billing.py", ` +
      `line 88, in charge\n    client = Client(${s})\nValueError: rejected ${s}`,
  ],
  ['JSON extra', (s) => `{"request_id": "${uuid}", "detail": "${JSON.stringify(s).slice(1, -1)}"}`],
];

describe('createRedactor', () => {
  it.each(FAKE_SECRETS.map((s) => [s.kind, s]))('redacts %s in a realistic line, keeping the rest', (_, s) => {
    const { text, count } = redactor.redact(s.line);
    expect(text).toBe(s.line.replace(s.secret, marker(s.kind)));
    expect(count).toBe(1);
  });

  const cases = contexts.flatMap(([name, wrap]) => standalone.map((s) => [s.kind, name, s, wrap] as const));
  it.each(cases)('redacts %s inside %s', (_, __, s, wrap) => {
    const input = wrap(s.secret);
    const inContext = wrap === contexts[2]![1] ? JSON.stringify(s.secret).slice(1, -1) : s.secret;
    const { text, count } = redactor.redact(input);
    expect(text).toBe(input.replaceAll(inContext, marker(s.kind)));
    expect(count).toBe(input.split(inContext).length - 1);
  });

  it.each(oneLine.map((s) => [s.kind, s]))('redacts %s in a URL query and keeps the URL', (_, s) => {
    const input = `GET /api/v1/callback?state=${s.secret}&next=%2Fhome -> 502`;
    expect(redactor.redact(input).text).toBe(`GET /api/v1/callback?state=${marker(s.kind)}&next=%2Fhome -> 502`);
  });

  const glueable = ['anthropic_key', 'google_api_key', 'github_token', 'slack_token', 'stripe_key'];
  it.each(standalone.filter((s) => glueable.includes(s.kind)).map((s) => [s.kind, s]))('redacts %s glued to the word before it', (_, s) => {
    expect(redactor.redact(`value was x${s.secret}`).text).toBe(`value was x${marker(s.kind)}`);
  });

  it('has a fixture for every format it knows', () => {
    const kinds = new Set(FAKE_SECRETS.map((s) => s.kind));
    expect(SECRET_RULES.map((rule) => rule.kind).filter((kind) => !kinds.has(kind))).toEqual([]);
  });

  it.each([
    ['JSON inside a JSON string', (s: string) => `{"detail": "{\\"password\\": \\"${s}\\"}"}`],
    ['JSON URL-encoded once', (s: string) => `GET /cb?state=%7B%22client_secret%22%3A%22${s}%22%7D -> 400`],
    ['a form body URL-encoded once', (s: string) => `body: grant_type=password&username=bob&password=${s}`],
    ['a header in a Python dict', (s: string) => `headers={'X-Api-Key': '${s}', 'Accept': '*/*'}`],
    ['a header line', (s: string) => `> X-Auth-Token: ${s}`],
    ['a YAML-ish dump', (s: string) => `db:\n  pass: ${s}\n  host: db-1`],
    ['an env dump', (s: string) => `env DATABASE_PASSWORD=${s} PORT=8080`],
    ['a session id', (s: string) => `cleanup for session_id=${s}9 done`],
  ])('redacts a secret value in %s', (_, wrap) => {
    const value = 'Zq81vLp0RtY6wXc2';
    const { text } = redactor.redact(wrap(value));
    expect(text).not.toContain(value.slice(0, 8));
    expect(text).toContain('[REDACTED:');
  });

  it('counts every secret in a text with many', () => {
    const text = FAKE_SECRETS.map((s) => s.line).join('\n');
    const result = redactor.redact(text);
    expect(result.count).toBe(FAKE_SECRETS.length);
    expect(findLeaks(result.text)).toEqual([]);
  });

  it.each(FAKE_SECRETS.map((s) => [s.kind, s]))('finds nothing more in already redacted %s text', (_, s) => {
    expect(redactor.redact(redactor.redact(s.line).text).count).toBe(0);
  });

  it.each([
    ['token expired for user 4821, refreshing'],
    [`request ${uuid} failed after 3 retries`],
    ['File "/srv/app/releases/3f2a9c1e7b4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f/app/main.py", line 12, in run'],
    ['git sha 9fceb02d0ae598e95dc970b74767f19372d61af8 deployed to prod'],
    ['max_tokens=4096 exceeded; prompt_tokens: 5120, completion_tokens: 800'],
    ["usage {'input_tokens': 1532, 'output_tokens': 88, 'model': 'claude-sonnet-4'}"],
    ['password reset email sent to the account owner'],
    ["KeyError: 'secret'"],
    ['bearer authentication failed for /api/v1/jobs'],
    ['Authorization header missing on /internal/metrics'],
    ['connecting to postgresql://db.internal.example:5432/app'],
    ['disk-usage above 90% on /dev/sda1 (task-runner-worker-42)'],
    ['scheduled in Asia/Tokyo, ASIA region quota reached'],
    ['npm package left-pad@1.3.0 installed'],
    ["@app.route('/health') handler raised"],
    ['Client(token=None, password=***, api_key: null)'],
    ['header eyJhbGciOiJIUzI1NiJ9 is truncated'],
    ['sk_live mode disabled; sk-learn 1.5 imported'],
    ['cache key=user:42:profile missed'],
    ['passed 12 of 12 checks; bypass=true'],
    ['signal SIGTERM received, sidecar: ready'],
    ['session started for user 42; session: resumed'],
    ['Authorization: Digest'],
    ['GET https://example.com:8443/health returned 200'],
    ['GET /search?q=100%25+off&page=2 -> 200'],
    ['task-runner skipped 3 items; disk /dev/sda1 at 91%'],
    ['signature: verified for build 42'],
    ['Cookie: none'],
    ["author: 'Jane Doe', oauth2_flow: code"],
  ])('leaves ordinary text alone: %s', (line) => {
    expect(redactor.redact(line)).toEqual({ text: line, count: 0 });
  });

  const safe = (source: string) => {
    const compiled = compileSafeRegex(source);
    if (!compiled.ok) throw new Error(compiled.error);
    return compiled.regex;
  };

  it('applies operator patterns as kind custom, a capture group marking the secret part', () => {
    const custom = createRedactor([safe('ACME-\\d{6}'), safe('(?i)order_ref=([A-Z0-9]{8})')]);
    expect(custom.redact('ticket ACME-123456 for order_ref=AB12CD34 done')).toEqual({
      text: 'ticket [REDACTED:custom] for order_ref=[REDACTED:custom] done',
      count: 2,
    });
  });

  it('survives an operator pattern that matches the empty string', () => {
    expect(createRedactor([safe('x*')]).redact('a xx b')).toEqual({ text: 'a [REDACTED:custom] b', count: 1 });
  });

  it('runs an operator pattern that would backtrack catastrophically in linear time', () => {
    expect(createRedactor([safe('(a+)+$')]).redact(`${'a'.repeat(100_000)}!`).count).toBe(0);
  });

  // No timing assertion: a backtracking blow-up would run far past the test timeout.
  it.each([
    ['a run of one letter', 'a'.repeat(1_000_000)],
    ['repeated key prefixes', 'sk-ant-'.repeat(150_000)],
    ['repeated JWT heads', 'eyJ'.repeat(300_000)],
    ['repeated at-signs', 'a@'.repeat(500_000)],
    ['an email-like run', `${'a.'.repeat(500_000)}@b`],
    ['repeated pair keys', 'password='.repeat(100_000)],
    ['a URL with endless colons', `https://${'a:'.repeat(500_000)}`],
    ['an unterminated private key', '-----BEGIN RSA PRIVATE KEY-----'.repeat(30_000)],
    ['repeated bearer words', 'Bearer '.repeat(150_000)],
    ['a cookie of endless pairs', `Cookie: ${'a=b;'.repeat(250_000)}`],
    ['endless digest parameters', `Authorization: Digest ${'a="b", '.repeat(150_000)}`],
    ['endless percent escapes', '%41'.repeat(300_000)],
    ['half a telegram token, repeated', '123456789:A'.repeat(90_000)],
    ['repeated key words', 'key=session=sig='.repeat(60_000)],
    ['URLs with slashes and colons', 'postgres://u:p/'.repeat(60_000)],
    ['repeated escaped quotes', 'password=\\"'.repeat(90_000)],
    ['a run of keyword prefixes', 'gl'.repeat(500_000)],
  ])('stays linear on hostile input: %s', (_, input) => {
    expect(typeof redactor.redact(input).count).toBe('number');
  });
});
