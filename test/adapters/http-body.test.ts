import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordNotifier } from '../../src/adapters/discord.js';
import { createHeartbeat } from '../../src/adapters/heartbeat.js';
import { readCappedText } from '../../src/adapters/http-body.js';
import { createNtfyNotifier } from '../../src/adapters/ntfy.js';

let server: Server | undefined;
let sent = 0;

/** Answers every request with `status` and a body that never ends, until the client hangs up. */
async function endlessServer(status: number, head = ''): Promise<string> {
  sent = 0;
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.write(head);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

/** What the server manages to push into socket buffers before the client hangs up; reading on
 * until the timeout would take hundreds of MB. */
const LITTLE = 32 * 1024 * 1024;
const note = { title: 't', message: 'm', severity: 'high' as const, tags: [], file: 'x.md' };

describe('HTTP answers are read up to a cap', () => {
  it('ntfy: an endless 200 answer is a sent message, not a wait until the timeout', async () => {
    const url = await endlessServer(200);
    expect(await createNtfyNotifier({ url, topic: 'alerts', timeoutMs: 5000 }).send(note)).toEqual({ kind: 'sent' });
    expect(sent).toBeLessThan(LITTLE);
  });

  it('discord: an endless error answer is judged on its status', async () => {
    const url = await endlessServer(400, '{"message": "Invalid Form Body", "code": 50035, "junk": "');
    const result = await createDiscordNotifier({ webhookUrl: `${url}/api/webhooks/1/abc`, timeoutMs: 5000 }).send(note);
    expect(result).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/^discord: HTTP 400/) });
    expect(JSON.stringify(result)).not.toMatch(/no answer within/);
    expect(sent).toBeLessThan(LITTLE);
  });

  it('heartbeat: an endless answer to the ping is a ping that worked', async () => {
    const url = await endlessServer(200);
    expect(await createHeartbeat({ url, timeoutMs: 5000 }).ping()).toEqual({ kind: 'ok' });
    expect(sent).toBeLessThan(LITTLE);
  });

  it('keeps whole characters at the cap', async () => {
    const text = await readCappedText(new Response('ééé'), 5);
    expect(text).toBe('éé');
  });
});
