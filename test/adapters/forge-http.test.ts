import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubForge } from '../../src/adapters/forge-github.js';
import { createGitLabForge } from '../../src/adapters/forge-gitlab.js';

let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

/** A broken proxy in front of the forge: a 502 whose body never ends. */
async function endlessAnswer(): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const write = () => {
      while (res.write(chunk));
      res.once('drain', write);
    };
    write();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const clock = { now: () => Date.UTC(2026, 11, 1, 9, 0) };

describe('a forge whose answer never ends', () => {
  it('GitHub: read up to its cap, then the status decides (unavailable, try later)', async () => {
    const forge = createGitHubForge({ apiUrl: await endlessAnswer(), repository: 'acme/billing', token: 't', clock, timeoutMs: 5_000 });
    expect(await forge.repository()).toEqual({ kind: 'unavailable', reason: 'GET /: HTTP 502' });
  });

  it('GitLab: read up to its cap, then the status decides (unavailable, try later)', async () => {
    const forge = createGitLabForge({ apiUrl: await endlessAnswer(), project: 'acme/api', token: 't', clock, timeoutMs: 5_000 });
    expect(await forge.repository()).toEqual({ kind: 'unavailable', reason: 'GET /: HTTP 502' });
  });
});
