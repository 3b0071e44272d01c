import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeTurn } from '../fakes/fake-anthropic.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/fake-github.js';
import { startFakeNtfy } from '../fakes/fake-ntfy.js';
import { git, makeAppRemote } from '../support/autofix-repo.js';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const FORGE_TOKEN = 'forge-token-e2e-3b7c91';
const UNITTEST = ['/usr/bin/python3', '-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'];

export const DIAGNOSIS = {
  verdict: 'real_issue',
  severity: 'high',
  title: 'Invoices without lines crash the billing worker',
  summary: 'Every invoice without lines fails with ZeroDivisionError in average_line_total.',
  root_cause: { status: 'confirmed', text: 'average_line_total() divides by len(lines) without a guard; @billing-team fixes #12 said so.' },
  evidence: [{ tool: 'error_group', finding: '5 rows, all with an empty invoice' }],
  actions: ['Guard the empty invoice in average_line_total()'],
  suggested_ignore: [],
  confidence: 0.9,
  fix_scope: 'app_code',
};

export const FIXED = { outcome: 'fixed', summary: 'Return 0 for an invoice without lines. Fixes #3 for @ops.', fix_kind: 'root_cause', files: ['app/invoice.py'], risk: 'low', risk_note: 'callers may have relied on the exception' };

/** The fixing run's calls: read the file, then the smallest edit that makes the test pass. */
export const fixTurns = (clone: string): FakeTurn[] => [
  { kind: 'tool_use', name: 'Read', input: { file_path: join(clone, 'app/invoice.py') } },
  { kind: 'tool_use', name: 'Edit', input: { file_path: join(clone, 'app/invoice.py'), old_string: '    return invoice_total(lines) / len(lines)', new_string: '    if not lines:\n        return 0\n    return invoice_total(lines) / len(lines)' } },
  { kind: 'structured_output', output: FIXED },
];

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

export async function setUpAutofix(turns: (stateDir: string) => FakeTurn[], autofix: Record<string, unknown> = {}) {
  const remote = makeAppRemote();
  const github = await startFakeGitHub({ owner: 'acme', repo: 'billing', token: FORGE_TOKEN });
  const ntfy = await startFakeNtfy({});
  const project = makeProject({
    claude: { enabled: true, command: CLAUDE, timeout: '60s' },
    notify: { ntfy: { url: ntfy.url, topic: 'sentinel-e2e' } },
    autofix: {
      enabled: true,
      repository: { url: remote.bare, github: 'acme/billing', api_url: github.url },
      paths: ['app/**', 'tests/**'],
      test: { command: UNITTEST, timeout: '60s' },
      ...autofix,
    },
  });
  const stateDir = join(project.dir, '.sentinel');
  const api = await startFakeAnthropic([{ kind: 'structured_output', output: DIAGNOSIS }, ...turns(stateDir)]);
  servers.push(api, github, ntfy);
  const env = { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: api.url, CLAUDE_CODE_MAX_RETRIES: '0', SENTINEL_FORGE_TOKEN: FORGE_TOKEN };
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir, env, timeoutMs: 120_000 });
  await writeWithLoguru(project.db, [
    { level: 'ERROR', message: 'Billing run failed for invoice 9917', logger: 'app.billing', function: 'average_line_total', exception: 'ZeroDivisionError: division by zero', repeat: 5 },
  ]);
  const incident = () => {
    const name = readdirSync(join(project.dir, 'incidents')).find((n) => n.endsWith('.md'))!;
    return { name, text: readFileSync(join(project.dir, 'incidents', name), 'utf8') };
  };
  return { remote, github, ntfy, api, project, stateDir, env, cli, incident };
}

/** Every ref of the bare remote, `name sha` per line. */
export const refs = (bare: string) => git(bare, 'for-each-ref', '--format=%(refname) %(objectname)').split('\n').filter(Boolean).sort();

export function assertOneDraft(github: FakeGitHub) {
  expect(github.pulls).toHaveLength(1);
  expect(github.pulls[0]).toMatchObject({ draft: true, base: 'main', labels: ['sentinel', 'autofix'] });
}

describe('sentinel autofix end to end: loguru → run → diagnosis → fix → tests → draft PR', () => {
  it('opens one draft PR whose branch holds exactly the tested commit, and the app tests pass on it', async () => {
    const t = await setUpAutofix((stateDir) => fixTurns(join(stateDir, 'autofix/job-1/repo')));
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
