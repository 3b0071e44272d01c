import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../fakes/fake-github.js';
import { makeProject, runCli } from '../support/cli.js';

const TOKEN = 'forge-token-doctor-5e2a';
let github: FakeGitHub | null = null;
afterEach(async () => {
  await github?.close();
  github = null;
});

async function doctor(options: { private?: boolean; token?: string; allowPublic?: boolean }) {
  github = await startFakeGitHub({ owner: 'acme', repo: 'billing', token: TOKEN, private: options.private ?? true });
  const p = makeProject({
    autofix: {
      enabled: true,
      repository: { url: '/srv/app.git', github: 'acme/billing', api_url: github.url, allow_public: options.allowPublic ?? false },
      test: { command: ['/usr/bin/python3', '-m', 'unittest'] },
    },
  });
  const result = await runCli(['--config', p.configFile, 'doctor'], { cwd: p.dir, env: { SENTINEL_FORGE_TOKEN: options.token ?? TOKEN } });
  return result.stdout.split('\n');
}

describe('sentinel doctor with autofix enabled', () => {
  it('checks the forge repository, its default branch and bubblewrap', async () => {
    const lines = await doctor({});
    expect(lines).toContain('✓ forge acme/billing is reachable: private, default branch main');
    expect(lines).toContain('✓ bubblewrap runs the tests without network');
  });

  it('fails on a token the forge refuses, and on a public repository', async () => {
    expect(await doctor({ token: 'wrong' })).toContain('✗ forge acme/billing: GET /: HTTP 401: Bad credentials');
    await github!.close();
    expect(await doctor({ private: false })).toContain('✗ forge acme/billing is public: fix PRs would publish text derived from the logs');
  });
});
