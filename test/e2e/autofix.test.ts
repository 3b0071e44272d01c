import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertOneDraft, fixTurns, refs, servers, setUpAutofix, UNITTEST } from '../support/autofix-e2e.js';
import { git } from '../support/autofix-repo.js';
import { FAKE_SECRETS } from '../fixtures/secrets.js';

const SECRET = FAKE_SECRETS.find((f) => f.kind === 'anthropic_key')!.secret;
const EMAIL = FAKE_SECRETS.find((f) => f.kind === 'email')!.secret;

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('sentinel autofix end to end: loguru → run → diagnosis → fix → tests → draft PR', () => {
  it('opens one draft PR whose branch holds exactly the tested commit, and the app tests pass on it', async () => {
    const t = await setUpAutofix((stateDir) => fixTurns(join(stateDir, 'autofix/job-1/repo')), {
      message: `Billing run failed for invoice 9917 of ${EMAIL} (key ${SECRET})`,
      diagnosis: { summary: `Every invoice without lines fails, e.g. for ${EMAIL} with key ${SECRET}.` },
    });
    const run = await t.cli('run', '--json');
    expect(run.exitCode, run.stderr).toBe(0);
    const fixed = await t.cli('autofix');
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/^autofix job 1 \(\w+\): notified: draft PR https:\/\/github\.com\/acme\/billing\/pull\/1$/m);

    assertOneDraft(t.github);
    const pull = t.github.pulls[0]!;
    expect(pull.head).toMatch(/^sentinel\/[0-9a-f]{8}-\d{8}$/);
    const allRefs = refs(t.remote.bare);
    expect(allRefs).toHaveLength(2); // main and the fix branch, nothing else (no tags, no force)
    expect(allRefs).toContain(`refs/heads/main ${t.remote.baseSha}`);
    const sha = git(t.remote.bare, 'rev-parse', `refs/heads/${pull.head}`);
    expect(git(t.remote.bare, 'rev-parse', `${sha}^`)).toBe(t.remote.baseSha);
    expect(git(t.remote.bare, 'diff', '--name-only', t.remote.baseSha, sha)).toBe('app/invoice.py');

    // The app's own tests pass on exactly that commit (and failed before it).
    const checkout = join(t.remote.dir, 'check');
    git(t.remote.dir, 'clone', '--quiet', '--branch', pull.head, t.remote.bare, checkout);
    expect(() => execFileSync(UNITTEST[0]!, UNITTEST.slice(1), { cwd: checkout, stdio: 'pipe' })).not.toThrow();

    // The PR text is sentinel's: diagnosis, change, both test runs, risk; model text defanged.
    expect(pull.title).toBe('fix: Invoices without lines crash the billing worker');
    expect(pull.body).toContain('## Diagnosis (confirmed)');
    expect(pull.body).toMatch(/\| before \(base\) \| `[0-9a-f]{12}` \| failed \| 1 \|/);
    expect(pull.body).toMatch(/\| after \(this fix\) \| `[0-9a-f]{12}` \| passed \| 0 \|/);
    expect(pull.body).not.toMatch(/@billing-team|@ops|fixes #12|Fixes #3/i);
    // What the log row and the model carried of a secret or an address is nowhere on the forge.
    const published = [pull.title, pull.body, git(t.remote.bare, 'log', '--format=%B', '-1', sha), JSON.stringify(t.github.requests)].join(
      '\n',
    );
    expect(published).not.toContain(SECRET);
    expect(published).not.toContain(EMAIL);
    expect(t.github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls'))).toHaveLength(1);
    expect((t.github.requests.find((r) => r.method === 'POST' && r.path.endsWith('/pulls'))!.body as { draft: boolean }).draft).toBe(true);

    // The incident has the outcome and the proposed fix.
    const { text } = t.incident();
    expect(text).toMatch(/^autofix:\n {2}status: pr_opened\n/m);
    expect(text).toContain(`pr_url: https://github.com/acme/billing/pull/1`);
    expect(text).toContain(`commit: ${sha}`);
    expect(text).toContain('## Proposed fix');

    // One push for the draft PR, sent by the next run; a second tick finds nothing to do.
    const again = await t.cli('autofix');
    expect(again.stdout).toBe('autofix: nothing to do');
    await t.cli('run');
    expect(t.ntfy.messages.filter((m) => m.title?.startsWith('Draft fix PR for'))).toHaveLength(1);
    expect(t.github.pulls).toHaveLength(1);
  });
});

describe('sentinel autofix --dry-run', () => {
  it('clones, edits, gates and tests, prints the diff and the PR text, and pushes and opens nothing', async () => {
    const t = await setUpAutofix((stateDir) => fixTurns(join(stateDir, 'autofix/job-2/repo')));
    expect((await t.cli('run')).exitCode).toBe(0);
    const before = t.incident().text;
    const dry = await t.cli('autofix', join(t.project.dir, 'incidents', t.incident().name), '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('+    if not lines:\n+        return 0');
    expect(dry.stdout).toContain('# fix: Invoices without lines crash the billing worker');
    expect(dry.stdout).toMatch(/\| after \(this fix\) \| `[0-9a-f]{12}` \| passed \| 0 \|/);
    expect(dry.stdout).toMatch(/^autofix job 2 \(\w+\): stopped: dry run: tested, nothing pushed$/m);
    expect(refs(t.remote.bare)).toEqual([`refs/heads/main ${t.remote.baseSha}`]);
    expect(t.github.requests).toEqual([]);
    expect(t.incident().text).toBe(before);
  });
});

describe('sentinel autofix FINGERPRINT --force (a regression)', () => {
  it('attempts again only when forced, waits for the daily PR cap, then takes the next branch name', async () => {
    const t = await setUpAutofix((stateDir) => [
      ...fixTurns(join(stateDir, 'autofix/job-1/repo')),
      ...fixTurns(join(stateDir, 'autofix/job-2/repo')),
    ]);
    expect((await t.cli('run')).exitCode).toBe(0);
    expect((await t.cli('autofix')).stdout).toContain('notified: draft PR https://github.com/acme/billing/pull/1');
    const fingerprint = /^ {2}- ([0-9a-f]{16})$/m.exec(t.incident().text)![1]!;

    const again = await t.cli('autofix', fingerprint);
    expect(again.stderr).toContain('not attempted: a fix was already attempted for this fingerprint');
    const capped = await t.cli('autofix', fingerprint, '--force');
    expect(capped.stderr).toContain('the daily cap of 1 draft PRs is reached (autofix.daily_max_prs)');
    expect(refs(t.remote.bare)).toHaveLength(2); // nothing pushed for a PR that may not follow today

    const config = t.project.configFile;
    writeFileSync(config, readFileSync(config, 'utf8').replace('  paths:', '  daily_max_prs: 2\n  daily_max_attempts: 3\n  paths:'));
    const forced = await t.cli('autofix', fingerprint, '--force');
    expect(forced.stdout).toMatch(/notified: draft PR https:\/\/github\.com\/acme\/billing\/pull\/2$/m);
    expect(t.github.pulls.map((p) => p.head)).toEqual([t.github.pulls[0]!.head, `${t.github.pulls[0]!.head}-2`]);
  });
});
