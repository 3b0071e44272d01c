import { afterEach, describe, expect, it } from 'vitest';
import { createNtfyNotifier } from '../../src/adapters/ntfy.js';
import type { Notification, SendResult } from '../../src/core/notification.js';
import { startFakeNtfy } from '../fakes/fake-ntfy.js';
import type { FakeNtfy } from '../fakes/fake-ntfy.js';

const TOKEN = 'tk_SECRET0123456789abcdefghijk';
const note: Notification = { title: 'DB timeout', message: '**3** rows', severity: 'critical', tags: ['db'], file: 'incident 1.md' };

let fake: FakeNtfy;
const reasons: string[] = [];
const notifier = (over: { token?: string; timeoutMs?: number; topic?: string } = {}) =>
  createNtfyNotifier({
    url: fake.url,
    topic: over.topic ?? 'alerts',
    token: over.token ?? TOKEN,
    click: 'https://x.test/{file}',
    timeoutMs: over.timeoutMs ?? 2000,
  });
async function send(n = notifier()): Promise<SendResult> {
  const result = await n.send(note);
  if (result.kind !== 'sent') reasons.push(result.reason);
  return result;
}

afterEach(async () => {
  await fake.close();
  for (const reason of reasons.splice(0)) expect(reason).not.toContain(TOKEN);
});

describe('ntfy notifier against a fake ntfy', () => {
  it('publishes the payload with the token only in the Authorization header', async () => {
    fake = await startFakeNtfy({ token: TOKEN });
    expect(await send()).toEqual({ kind: 'sent' });
    expect(fake.messages).toEqual([
      {
        topic: 'alerts',
        title: 'DB timeout',
        message: '**3** rows',
        priority: 5,
        tags: ['db'],
        click: 'https://x.test/incident%201.md',
        markdown: true,
      },
    ]);
    const [request] = fake.requests;
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.body).not.toContain(TOKEN);
  });

  it('trims a credentials-file newline off the token', async () => {
    fake = await startFakeNtfy({ token: TOKEN });
    expect(await send(notifier({ token: `${TOKEN}\n` }))).toEqual({ kind: 'sent' });
  });

  it('is rejected with a bad token (401)', async () => {
    fake = await startFakeNtfy({ token: TOKEN });
    expect(await send(notifier({ token: 'tk_wrong' }))).toEqual({ kind: 'rejected', reason: 'ntfy: HTTP 401 unauthorized (code 40101)' });
    expect(fake.messages).toEqual([]);
  });

  it('is rejected without a token on a protected topic (403)', async () => {
    fake = await startFakeNtfy({ token: TOKEN });
    const anonymous = createNtfyNotifier({ url: fake.url, topic: 'alerts', timeoutMs: 2000 });
    expect(await send(anonymous)).toEqual({ kind: 'rejected', reason: 'ntfy: HTTP 403 forbidden (code 40301)' });
  });

  it('is rejected for an invalid topic (400)', async () => {
    fake = await startFakeNtfy();
    expect(await send(notifier({ topic: 'no spaces/allowed' }))).toEqual({
      kind: 'rejected',
      reason: 'ntfy: HTTP 400 invalid request: topic invalid (code 40009)',
    });
  });

  it('retries when rate limited (429), then gets through', async () => {
    fake = await startFakeNtfy({ token: TOKEN });
    fake.failNext(1, 429);
    expect(await send()).toEqual({ kind: 'retry', reason: 'ntfy: HTTP 429 limit reached: too many requests, please be nice (code 42901)' });
    expect(await send()).toEqual({ kind: 'sent' });
    expect(fake.messages).toHaveLength(1);
  });

  it('retries on a server error (500)', async () => {
    fake = await startFakeNtfy({ token: TOKEN });
    fake.failNext(2, 500);
    expect(await send()).toEqual({ kind: 'retry', reason: 'ntfy: HTTP 500 internal server error (code 50001)' });
    expect((await send()).kind).toBe('retry');
    expect(await send()).toEqual({ kind: 'sent' });
  });

  it('retries when the server answers too slowly', async () => {
    fake = await startFakeNtfy({ token: TOKEN });
    fake.delayNext(1, 5000);
    expect(await send(notifier({ timeoutMs: 200 }))).toEqual({ kind: 'retry', reason: 'ntfy: no answer within 200 ms' });
  });

  it('retries when the server is down', async () => {
    fake = await startFakeNtfy({ token: TOKEN });
    const n = notifier();
    await fake.close();
    const result = await send(n);
    expect(result).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/^ntfy: network error: .*ECONNREFUSED/) });
  });

  it('rejects a token that cannot go in a header, without showing it', async () => {
    fake = await startFakeNtfy({ token: TOKEN });
    const broken = `${TOKEN}\nX-Injected: yes`;
    const result = await send(notifier({ token: broken }));
    expect(result.kind).toBe('rejected');
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(fake.requests).toEqual([]);
  });

  it('the fake enforces ntfy rules the builder must meet', async () => {
    fake = await startFakeNtfy();
    const post = (body: unknown) =>
      fetch(fake.url, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => [r.status, await r.json()]);
    expect(await post({ topic: 'alerts', priority: 7 })).toEqual([400, expect.objectContaining({ code: 40007 })]);
    expect(await post({ topic: 'alerts', message: 'é'.repeat(2049) })).toEqual([400, expect.objectContaining({ code: 40014 })]);
    expect(fake.messages).toEqual([]);
  });
});
