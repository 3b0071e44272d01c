import Database from 'better-sqlite3';
import { execa } from 'execa';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixTurns, FORGE_TOKEN, refs, servers, setUpAutofix, UNITTEST } from '../support/autofix-e2e.js';
import { git } from '../support/autofix-repo.js';
import { CLI } from '../support/cli.js';
import { killTree } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type Setup = Awaited<ReturnType<typeof setUpAutofix>>;
const clone = (stateDir: string) => join(stateDir, 'autofix/job-1/repo');

function jobState(t: Setup): { state: string; data: { commitSha?: string; branch?: string } } | null {
  const file = join(t.stateDir, 'state.db');
  if (!existsSync(file)) return null;
  const db = new Database(file, { readonly: true });
  try {
    const row = db.prepare('SELECT state, data FROM autofix_jobs ORDER BY id LIMIT 1').get() as { state: string; data: string } | undefined;
    return row ? { state: row.state, data: JSON.parse(row.data) as { commitSha?: string } } : null;
  } catch {
    return null; // not migrated yet
  } finally {
    db.close();
  }
}

/** Starts `sentinel autofix`, SIGKILLs it and all it started once `when()` holds (as systemd's stop
 * would, mid-step), then lets ticks run until there is nothing to do. */
async function killWhen(t: Setup, when: () => boolean, afterKill = () => {}): Promise<string[]> {
  // Killed with all it started, whatever their process group: systemd kills the unit's cgroup.
  const child = execa('node', [CLI, 'autofix'], {
    cwd: t.project.dir,
    env: { PATH: process.env.PATH ?? '', HOME: t.project.dir, ...t.env, API_TIMEOUT_MS: '3000' },
    extendEnv: false,
    reject: false,
    detached: true,
  });
  const started = Date.now();
  while (!when()) {
    expect(Date.now() - started, 'the step to kill in was never reached').toBeLessThan(60_000);
    expect(child.exitCode, 'autofix ended before the step to kill in').toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  killTree(child.pid!);
  await child;
  afterKill();
  const outputs: string[] = [];
  for (let tick = 0; tick < 4; tick++) {
    const result = await t.cli('autofix');
    expect(result.exitCode, result.stderr).toBe(0);
    outputs.push(result.stdout);
    if (result.stdout === 'autofix: nothing to do') break;
  }
  return outputs;
}

async function start(turns = (stateDir: string) => fixTurns(clone(stateDir)), autofix: Record<string, unknown> = {}) {
  const t = await setUpAutofix(turns, { autofix });
  const run = await t.cli('run');
  expect(run.exitCode, run.stderr).toBe(0);
  return t;
}

function expectOneDraftAt(t: Setup, sha: string | undefined) {
  expect(t.github.pulls).toHaveLength(1);
  expect(t.github.pulls[0]!.draft).toBe(true);
  const branches = refs(t.remote.bare).filter((r) => r.startsWith('refs/heads/sentinel/'));
  expect(branches).toEqual([`refs/heads/${t.github.pulls[0]!.head} ${sha}`]);
}

describe('sentinel autofix killed at each step resumes without a second branch or PR', () => {
  it('killed during the Claude run: the job stops, Claude is not paid twice, nothing is published', async () => {
    const t = await start((stateDir) => [fixTurns(clone(stateDir))[0]!, { kind: 'hang' }]);
    const outputs = await killWhen(t, () => t.api.messageBodies().length >= 3);
    expect(outputs[0]).toContain('stopped: the process was stopped during the Claude run');
    expect(t.api.messageBodies()).toHaveLength(3);
    expect(refs(t.remote.bare)).toHaveLength(1);
    expect(t.github.pulls).toEqual([]);
  });

  it('killed during the tests: they run again on the same commit, then one draft PR', async () => {
    const slow = ['/bin/sh', '-c', `sleep 1; exec ${UNITTEST.join(' ')}`];
    const t = await start(undefined, { test: { command: slow, timeout: '60s' } });
    let commit: string | undefined;
    const outputs = await killWhen(t, () => {
      const job = jobState(t);
      commit = job?.data.commitSha;
      return job?.state === 'gated';
    });
    expect(outputs[0]).toContain('notified: draft PR');
    expectOneDraftAt(t, commit);
  });

  it('killed during the push: the branch is pushed once, never forced, then one draft PR', async () => {
    const marks = tempDir('sentinel-push-');
    const t = await start();
    // The remote's own hook (a server-side check): slow, and it records the argv of every process above it.
    writeFileSync(
      join(t.remote.bare, 'hooks/pre-receive'),
      `#!/bin/sh\ntouch ${marks}/started\npid=$$\nwhile [ "$pid" -gt 1 ]; do tr '\\0' ' ' < /proc/$pid/cmdline >> ${marks}/argv; echo >> ${marks}/argv; pid=$(cut -d' ' -f4 /proc/$pid/stat); done\nsleep 2\n`,
    );
    chmodSync(join(t.remote.bare, 'hooks/pre-receive'), 0o755);
    let commit: string | undefined;
    const outputs = await killWhen(t, () => {
      commit = jobState(t)?.data.commitSha ?? commit;
      return existsSync(join(marks, 'started'));
    });
    expect(outputs.join('\n')).toContain('notified: draft PR');
    expectOneDraftAt(t, commit);
    // The token never sat in an argv: not as text, not as the Basic credential git would send.
    const argv = readFileSync(join(marks, 'argv'), 'utf8');
    expect(argv).toMatch(/git .*push/);
    expect(argv).not.toContain(FORGE_TOKEN);
    expect(argv).not.toContain(Buffer.from(`x-access-token:${FORGE_TOKEN}`).toString('base64'));
    expect(readFileSync(join(t.remote.bare, 'config'), 'utf8')).not.toContain(FORGE_TOKEN);
  });

  it.each(['before', 'after'] as const)('killed while GitHub handles the create (%s it made the PR): exactly one PR', async (when) => {
    const t = await start();
    t.github.holdCreate = when;
    const created = () => t.github.requests.some((r) => r.method === 'POST' && r.path.endsWith('/pulls'));
    const outputs = await killWhen(t, created, () => (t.github.holdCreate = null));
    expect(outputs.join('\n')).toContain('notified: draft PR https://github.com/acme/billing/pull/1');
    const commit = git(t.remote.bare, 'rev-parse', `refs/heads/${t.github.pulls[0]!.head}`);
    expectOneDraftAt(t, commit);
    expect(t.github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls'))).toHaveLength(when === 'after' ? 1 : 2);
  });
});
