/** The end-to-end set-up of `sentinel autofix`: a bare remote of the fixture app, fake GitHub, ntfy
 * and Anthropic APIs, a project whose log has the app's ZeroDivisionError. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { startFakeAnthropic, type FakeTurn } from '../fakes/fake-anthropic.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/fake-github.js';
import { startFakeNtfy } from '../fakes/fake-ntfy.js';
import { git, makeAppRemote } from './autofix-repo.js';
import { makeProject, runCli } from './cli.js';
import { writeWithLoguru } from './loguru.js';

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
export const FORGE_TOKEN = 'forge-token-e2e-3b7c91';
export const UNITTEST = ['/usr/bin/python3', '-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'];

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

export const FIXED = {
  outcome: 'fixed',
  summary: 'Return 0 for an invoice without lines. Fixes #3 for @ops.',
  fix_kind: 'root_cause',
  files: ['app/invoice.py'],
  risk: 'low',
  risk_note: 'callers may have relied on the exception',
};

/** The fixing run's calls: read the file, then the smallest edit that makes the test pass. */
export const fixTurns = (clone: string): FakeTurn[] => [
  { kind: 'tool_use', name: 'Read', input: { file_path: join(clone, 'app/invoice.py') } },
  {
    kind: 'tool_use',
    name: 'Edit',
    input: {
      file_path: join(clone, 'app/invoice.py'),
      old_string: '    return invoice_total(lines) / len(lines)',
      new_string: '    if not lines:\n        return 0\n    return invoice_total(lines) / len(lines)',
    },
  },
  { kind: 'structured_output', output: FIXED },
];

/** Servers started by setUpAutofix; the test file closes them after each test. */
export const servers: { close(): Promise<void> }[] = [];

export async function setUpAutofix(
  turns: (stateDir: string) => FakeTurn[],
  options: {
    autofix?: Record<string, unknown>;
    claude?: Record<string, unknown>;
    diagnosis?: Record<string, unknown>;
    message?: string;
    token?: string;
  } = {},
) {
  const remote = makeAppRemote();
  const github = await startFakeGitHub({ owner: 'acme', repo: 'billing', token: FORGE_TOKEN });
  const ntfy = await startFakeNtfy({});
  const project = makeProject({
    claude: { enabled: true, command: CLAUDE, timeout: '60s', ...options.claude },
    notify: { ntfy: { url: ntfy.url, topic: 'sentinel-e2e' } },
    autofix: {
      enabled: true,
      repository: { url: remote.bare, github: 'acme/billing', api_url: github.url },
      paths: ['app/**', 'tests/**'],
      test: { command: UNITTEST, timeout: '60s' },
      ...options.autofix,
    },
  });
  const stateDir = join(project.dir, '.sentinel');
  const api = await startFakeAnthropic([{ kind: 'structured_output', output: { ...DIAGNOSIS, ...options.diagnosis } }, ...turns(stateDir)]);
  servers.push(api, github, ntfy);
  const env = {
    ANTHROPIC_API_KEY: 'sk-ant-test-key',
    ANTHROPIC_BASE_URL: api.url,
    CLAUDE_CODE_MAX_RETRIES: '0',
    SENTINEL_FORGE_TOKEN: options.token ?? FORGE_TOKEN,
  };
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir, env, timeoutMs: 120_000 });
  await writeWithLoguru(project.db, [
    {
      level: 'ERROR',
      message: options.message ?? 'Billing run failed for invoice 9917',
      logger: 'app.billing',
      function: 'average_line_total',
      exception: 'ZeroDivisionError: division by zero',
      repeat: 5,
    },
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
