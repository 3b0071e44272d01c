import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubForge } from '../../src/adapters/forge-github.js';
import { RATE_LIMITED, SECONDARY_RATE_LIMITED, startFakeGitHub, type FakeGitHub } from '../fakes/fake-github.js';

const NOW = Date.UTC(2026, 11, 1, 9, 0);
const TOKEN = 'forge-token-for-tests-7d1e';
const servers: FakeGitHub[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function setUp(token = TOKEN) {
  const github = await startFakeGitHub({ owner: 'acme', repo: 'billing', token: TOKEN });
  servers.push(github);
  const forge = createGitHubForge({ apiUrl: github.url, repository: 'acme/billing', token, clock: { now: () => NOW }, timeoutMs: 5_000 });
  return { github, forge };
}

const pull = { title: 'fix: guard an empty invoice', body: 'body', head: 'sentinel/5a7f6920-20261201', base: 'main' };

describe('the GitHub forge against a fake REST API', () => {
  it('reads the repository, opens a draft, labels it, and finds it again by branch', async () => {
    const { github, forge } = await setUp();
    expect(await forge.repository()).toEqual({
      kind: 'ok',
      value: { private: true, defaultBranch: 'main', htmlUrl: 'https://github.com/acme/billing' },
    });
    expect(await forge.findOpenPull(pull.head)).toEqual({ kind: 'ok', value: null });
    const created = await forge.createDraftPull(pull);
    expect(created).toEqual({ kind: 'ok', value: { url: 'https://github.com/acme/billing/pull/1', number: 1 } });
    expect(await forge.addLabels(1, ['sentinel', 'autofix'])).toEqual({ kind: 'ok', value: null });
    expect(await forge.findOpenPull(pull.head)).toEqual({
      kind: 'ok',
      value: { url: 'https://github.com/acme/billing/pull/1', number: 1 },
    });
    expect(github.pulls[0]).toMatchObject({ draft: true, labels: ['sentinel', 'autofix'], head: pull.head, base: 'main' });
    expect(github.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(github.requests.some((r) => r.path.includes(TOKEN))).toBe(false);
  });

  it('tells drafts-unsupported and already-exists apart from other 422s', async () => {
    const { github, forge } = await setUp();
    github.draftsSupported = false;
    expect(await forge.createDraftPull(pull)).toMatchObject({
      kind: 'drafts_unsupported',
      reason: expect.stringContaining('Draft pull requests are not supported'),
    });
    github.draftsSupported = true;
    await forge.createDraftPull(pull);
    expect(await forge.createDraftPull(pull)).toMatchObject({
      kind: 'exists',
      reason: expect.stringContaining('A pull request already exists for acme:sentinel/'),
    });
    expect(await forge.createDraftPull({ ...pull, head: 'other', body: 'x'.repeat(70_000) })).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('body is too long'),
    });
  });

  it('maps 401 to auth, rate limits to a retry time, 5xx to unavailable', async () => {
    const bad = await setUp('wrong-token');
    expect(await bad.forge.repository()).toMatchObject({ kind: 'auth', reason: 'GET /: HTTP 401: Bad credentials' });

    const { github, forge } = await setUp();
    github.faults.push(RATE_LIMITED(NOW / 1000 + 600));
    expect(await forge.repository()).toMatchObject({ kind: 'rate_limited', retryAt: NOW + 600_000 });
    github.faults.push(SECONDARY_RATE_LIMITED);
    expect(await forge.createDraftPull(pull)).toMatchObject({ kind: 'rate_limited', retryAt: NOW + 120_000 });
    github.faults.push({ status: 403, body: { message: 'Resource not accessible by personal access token', status: '403' } });
    expect(await forge.createDraftPull(pull)).toMatchObject({ kind: 'auth', reason: expect.stringContaining('Resource not accessible') });
    github.faults.push({ status: 502, body: { message: 'Server Error' } });
    expect(await forge.repository()).toMatchObject({ kind: 'unavailable' });
    expect(github.pulls).toEqual([]);
  });

  it('links the compare page when a draft is impossible', async () => {
    const { forge } = await setUp();
    expect(forge.compareUrl('main', pull.head)).toBe('https://github.com/acme/billing/compare/main...sentinel/5a7f6920-20261201?expand=1');
  });
});
