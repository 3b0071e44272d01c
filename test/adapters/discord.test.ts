import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordNotifier } from '../../src/adapters/discord.js';
import type { Notification, SendResult } from '../../src/core/notification.js';
import { WEBHOOK_TOKEN, startFakeDiscord } from '../fakes/fake-discord.js';
import type { FakeDiscord } from '../fakes/fake-discord.js';

const note: Notification = { title: 'Queue stuck', message: 'Depth **900**', severity: 'medium', tags: ['queue'] };

let fake: FakeDiscord;
const reasons: string[] = [];
const notifier = (webhookUrl = fake.webhookUrl, timeoutMs = 2000) => createDiscordNotifier({ webhookUrl, timeoutMs });
async function send(n = notifier(), notification = note): Promise<SendResult> {
  const result = await n.send(notification);
  if (result.kind !== 'sent') reasons.push(result.reason);
  return result;
}

afterEach(async () => {
  await fake.close();
  // The webhook URL is the credential: no reason may show its token.
  for (const reason of reasons.splice(0)) expect(reason).not.toContain(WEBHOOK_TOKEN);
});

describe('discord notifier against a fake webhook', () => {
  it('posts one embed and waits for Discord to store it', async () => {
    fake = await startFakeDiscord();
    expect(await send()).toEqual({ kind: 'sent' });
    expect(fake.requests[0]?.url).toMatch(/\?wait=true$/);
    expect(fake.messages).toEqual([
      {
        embeds: [
          {
            title: 'Queue stuck',
            description: 'Depth **900**',
            color: 0xfee75c,
            fields: [{ name: 'Severity', value: 'medium', inline: true }],
            footer: { text: 'queue' },
          },
        ],
        allowed_mentions: { parse: [] },
      },
    ]);
  });

  it('gets a huge notification full of mentions past Discord’s checks', async () => {
    fake = await startFakeDiscord();
    const huge = '@everyone 🔥 '.repeat(2000);
    expect(await send(notifier(), { title: huge, message: huge, severity: 'critical', tags: Array(100).fill(huge), file: huge })).toEqual({
      kind: 'sent',
    });
    expect(fake.requests[0]?.body).not.toContain('@everyone');
  });

  it('is rejected with a bad webhook token (401)', async () => {
    fake = await startFakeDiscord();
    const wrong = fake.webhookUrl.replace(WEBHOOK_TOKEN, 'not-the-token');
    expect(await send(notifier(wrong))).toEqual({ kind: 'rejected', reason: 'discord: HTTP 401 Invalid Webhook Token (code 50027)' });
  });

  it('retries when rate limited (429), passing retry_after on', async () => {
    fake = await startFakeDiscord();
    fake.failNext(1, 429, 2.25);
    expect(await send()).toEqual({
      kind: 'retry',
      reason: 'discord: HTTP 429 You are being rate limited. (retry after 2.25 s)',
      retryAfterMs: 2250,
    });
    expect(await send()).toEqual({ kind: 'sent' });
  });

  it('retries on a server error (500)', async () => {
    fake = await startFakeDiscord();
    fake.failNext(1, 500);
    expect(await send()).toEqual({ kind: 'retry', reason: 'discord: HTTP 500 500: Internal Server Error' });
    expect(await send()).toEqual({ kind: 'sent' });
  });

  it('retries when Discord answers too slowly', async () => {
    fake = await startFakeDiscord();
    fake.delayNext(1, 5000);
    expect(await send(notifier(fake.webhookUrl, 200))).toEqual({ kind: 'retry', reason: 'discord: no answer within 200 ms' });
  });

  it('retries when Discord is down', async () => {
    fake = await startFakeDiscord();
    const n = notifier();
    await fake.close();
    expect(await send(n)).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/^discord: network error: .*ECONNREFUSED/) });
  });

  it('the fake enforces Discord’s limits', async () => {
    fake = await startFakeDiscord();
    const post = (body: unknown) =>
      fetch(fake.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        async (r) => [r.status, await r.json()],
      );
    expect(await post({ embeds: [{ title: '🔥'.repeat(257) }] })).toEqual([400, expect.objectContaining({ code: 50035 })]);
    expect(
      await post({
        embeds: [
          {
            title: 'ok',
            description: 'x'.repeat(4096),
            fields: [
              { name: 'n', value: 'v'.repeat(1024) },
              { name: 'n', value: 'v'.repeat(1024) },
            ],
          },
        ],
      }),
    ).toEqual([400, expect.objectContaining({ code: 50035 })]);
    expect(await post({ allowed_mentions: { parse: [] } })).toEqual([400, { message: 'Cannot send an empty message', code: 50006 }]);
    expect(fake.messages).toEqual([]);
  });
});
