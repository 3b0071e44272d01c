import { afterEach, describe, expect, it } from 'vitest';
import { createForge } from '../../src/adapters/forge.js';
import { startFakeGitLab, type FakeGitLab } from '../fakes/fake-gitlab.js';

const NOW = Date.UTC(2026, 11, 1, 9, 0);
const TOKEN = 'glpat-fake-token-for-tests';
let gitlab: FakeGitLab | null = null;
afterEach(async () => {
  await gitlab?.close();
});

async function setUp(token = TOKEN) {
  gitlab = await startFakeGitLab({ project: 'acme/billing/api', token: TOKEN });
  const repository = { url: 'x', gitlab: 'acme/billing/api', api_url: gitlab.url, token_env: 'T', allow_public: false };
  return createForge(repository, token, { now: () => NOW }, 5_000);
}

const mr = { title: 'fix: guard an empty invoice', body: 'body', head: 'sentinel/5a7f6920-20261201', base: 'main' };

describe('the GitLab forge behind the same port', () => {
  it('opens a Draft: merge request, labels it, finds it again, and maps 409 to exists', async () => {
    const { forge, name } = await setUp();
    expect(name).toBe('acme/billing/api');
    expect(await forge.repository()).toEqual({
      kind: 'ok',
      value: { private: true, defaultBranch: 'main', htmlUrl: 'https://gitlab.example.com/acme/billing/api' },
    });
    expect(await forge.createDraftPull(mr)).toEqual({
      kind: 'ok',
      value: { url: 'https://gitlab.example.com/acme/billing/api/-/merge_requests/1', number: 1 },
    });
    expect(await forge.addLabels(1, ['sentinel', 'autofix'])).toEqual({ kind: 'ok', value: null });
    expect(gitlab!.mergeRequests[0]).toMatchObject({
      title: 'Draft: fix: guard an empty invoice',
      labels: ['sentinel', 'autofix'],
      target_branch: 'main',
    });
    expect(await forge.findOpenPull(mr.head)).toEqual({
      kind: 'ok',
      value: { url: 'https://gitlab.example.com/acme/billing/api/-/merge_requests/1', number: 1 },
    });
    expect(await forge.createDraftPull(mr)).toMatchObject({
      kind: 'exists',
      reason: expect.stringContaining('Another open merge request already exists'),
    });
    expect(forge.compareUrl('main', mr.head)).toBe(
      'https://gitlab.example.com/acme/billing/api/-/compare/main...sentinel/5a7f6920-20261201',
    );
    expect(gitlab!.requests.every((r) => r.token === TOKEN && !r.path.includes(TOKEN))).toBe(true);
  });

  it('maps 401 to auth and 429 to a retry time', async () => {
    const bad = await setUp('wrong');
    expect(await bad.forge.repository()).toMatchObject({ kind: 'auth', reason: 'GET /: HTTP 401: 401 Unauthorized' });
    await gitlab!.close();
    const { forge } = await setUp();
    gitlab!.rateLimitNext = 30;
    expect(await forge.createDraftPull(mr)).toMatchObject({ kind: 'rate_limited', retryAt: NOW + 30_000 });
  });
});
