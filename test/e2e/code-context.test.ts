import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeTurn } from '../fakes/fake-anthropic.js';
import { makeProject, runCli } from '../support/cli.js';
import { APP_FILES, commit, createPythonApp, runPythonApp } from '../support/python-app.js';

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const HOUR = 3_600_000;
const tool = (name: string, input: Record<string, unknown>): FakeTurn => ({ kind: 'tool_use', name: `mcp__sentinel__${name}`, input });
// The deploy: a settings lookup that used to have a default now assumes every user has a voice.
const SAFE_SETTINGS = APP_FILES['app/settings.py']!.replace('return settings["voice_id"]', 'return settings.get("voice_id", "default")');

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A project whose code root is a real git repository of a small Python app, deployed 10 minutes ago. */
async function setup(config: Record<string, unknown> = {}) {
  const project = makeProject({ code: { root: './app', include: ['**/*'] }, ...config });
  const app = join(project.dir, 'app');
  const now = Date.now();
  await createPythonApp(app, now - 48 * HOUR);
  await commit(app, 'Voice lookup with a default', now - 30 * HOUR, { 'app/settings.py': SAFE_SETTINGS });
  symlinkSync('/etc/passwd', join(app, 'app', 'escape.py'));
  symlinkSync('/etc', join(app, 'etc-link'));
  const deploy = await commit(app, 'Read the voice from the settings directly', now - 10 * 60_000, {
    'app/settings.py': APP_FILES['app/settings.py']!,
  });
  return { ...project, app, deploy };
}

/** The project, then a fake API scripted with what the project made (the deploy's hash, the app's path). */
async function withClaude(script: (t: Awaited<ReturnType<typeof setup>>) => FakeTurn[], config: Record<string, unknown> = {}) {
  const t = await setup({ claude: { enabled: true, command: CLAUDE, timeout: '90s', max_turns: 30 }, ...config });
  const turns = script(t);
  const api = await startFakeAnthropic(turns);
  servers.push(api);
  const env = { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: api.url, CLAUDE_CODE_MAX_RETRIES: '0' };
  const run = async () => {
    const result = await runCli(['run', '--json'], { cwd: t.dir, env, timeoutMs: 120_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { investigation: string; groups: { fingerprint: string; trigger: string }[] };
  };
  return { ...t, api, turns, env, run };
}

const incidentFiles = (dir: string) =>
  readdirSync(join(dir, 'incidents'))
    .sort()
    .map((name) => readFileSync(join(dir, 'incidents', name), 'utf8'));

/** The tool results the CLI sent back, in order, as text. */
function toolResults(api: Awaited<ReturnType<typeof startFakeAnthropic>>): { text: string; isError: boolean }[] {
  const last = api.messageBodies().at(-1)!;
  return last.messages
    .flatMap((m) => (typeof m.content === 'string' ? [] : m.content))
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({ text: JSON.stringify((b as { content: unknown }).content), isError: (b as { is_error?: boolean }).is_error === true }));
}

describe('an investigation that knows the code and the recent changes (real git, real Python traceback, real claude CLI)', () => {
  it('an error right after a commit touching its file: the prompt and the incident cite that commit and that line; every tool holds against hostile arguments', async () => {
    const answer = {
      verdict: 'real_issue',
      severity: 'high',
      title: 'Voice lookup fails since the last deploy',
      summary: 'Every job fails with KeyError voice_id since the deploy ten minutes ago.',
      root_cause: { status: 'confirmed', text: 'The deploy removed the default from voice_for().' },
      evidence: [{ tool: 'show_change', finding: 'The deploy changed app/settings.py:7 to settings["voice_id"].' }],
      actions: ['Revert the deploy'],
      suggested_ignore: [],
      confidence: 0.9,
    };
    const t = await withClaude((t) => [
      tool('source_at', { file: join(t.app, 'app', 'settings.py'), line: 7, context: 3 }),
      tool('source_at', { file: '../../../../etc/passwd', line: 1 }),
      tool('source_at', { file: 'app/escape.py', line: 1 }),
      tool('source_at', { file: 'etc-link/hostname', line: 1 }),
      tool('source_at', { file: '.env', line: 1 }),
      tool('source_at', { file: 'deploy/server.key', line: 1 }),
      tool('search_code', { pattern: 'voice_id' }),
      tool('search_code', { pattern: 'DATABASE_URL' }),
      tool('search_code', { pattern: 'x'.repeat(5000) }),
      tool('search_code', { pattern: '(a{1000}){1000}', regex: true }),
      tool('recent_changes', { hours: 24 }),
      tool('show_change', { commit: t.deploy.slice(0, 12), path: 'app/settings.py' }),
      tool('show_change', { commit: 'HEAD~1', path: 'app/settings.py' }),
      tool('show_change', { commit: '--output=/tmp/pwned', path: 'app/settings.py' }),
      tool('show_change', { commit: 'deadbeefdeadbeef', path: 'app/settings.py' }),
      tool('show_change', { commit: t.deploy, path: '.env' }),
      {
        kind: 'structured_output',
        output: {
          ...answer,
          evidence: [
            ...answer.evidence,
            { tool: 'recent_changes', finding: `commit ${t.deploy.slice(0, 12)} ten minutes before the first error` },
          ],
        },
      },
    ]);
    const { api } = t;
    await runPythonApp(t.app, t.db, 3);
    expect(await t.run()).toMatchObject({ investigation: 'claude' });

    // The prompt: the app's own frames with their source, and the commit that touched the file.
    const prompt = JSON.stringify(api.messageBodies()[0]!.messages[0]);
    expect(prompt).toContain("The application's own frames in this traceback");
    expect(prompt).toContain('app/settings.py:7 in voice_for');
    expect(prompt).toContain('>7      return settings[\\"voice_id\\"]');
    expect(prompt).toContain('app/jobs.py:7 in render_job');
    expect(prompt).toMatch(
      new RegExp(
        `\\*\\*Recent change:\\*\\* commit ${t.deploy.slice(0, 12)} changed a file in this traceback \\d+ min before the group was first seen\\. A new error right after a deploy`,
      ),
    );
    expect(prompt).toMatch(
      new RegExp(`${t.deploy.slice(0, 12)} \\S+Z by Dana Dev: Read the voice from the settings directly\\\\n  changed: app/settings.py`),
    );
    expect(prompt).not.toContain('Voice lookup with a default'); // 30 h before: not "the change that may have caused it"

    const results = toolResults(api);
    expect(results).toHaveLength(16);
    const [
      source,
      traversal,
      symlink,
      dirSymlink,
      env,
      key,
      search,
      searchSecret,
      huge,
      nested,
      changes,
      diff,
      headRef,
      option,
      bogus,
      envDiff,
    ] = results;
    expect(source).toMatchObject({ isError: false });
    expect(source!.text).toContain('app/settings.py (under');
    expect(source!.text).toContain('lines 4–7 of 7; > marks line 7');
    expect(traversal).toMatchObject({ isError: true, text: expect.stringContaining('\\"..\\" is refused') });
    expect(symlink).toMatchObject({ isError: true, text: expect.stringContaining('a symlink is on the way, refused') });
    expect(dirSymlink).toMatchObject({ isError: true, text: expect.stringContaining('a symlink is on the way, refused') });
    expect(env).toMatchObject({ isError: true, text: expect.stringContaining('excluded: secrets and .git never are') });
    expect(key).toMatchObject({ isError: true, text: expect.stringContaining('excluded: secrets and .git never are') });
    expect(search!.text).toMatch(/app\/settings.py:7: return settings\[\\"voice_id\\"\]/);
    expect(searchSecret!.text).toContain('0 matching lines for \\"DATABASE_URL\\"'); // .env is never searched
    expect(huge).toMatchObject({ isError: true, text: expect.stringMatching(/Input validation error|Too big/) });
    expect(nested).toMatchObject({ isError: true, text: expect.stringContaining('invalid repeat count') });
    expect(changes!.text).toContain(`${t.deploy.slice(0, 12)} `);
    expect(changes!.text).toContain('Dana Dev: Read the voice from the settings directly');
    expect(changes!.text).not.toContain('Voice lookup with a default'); // 30 h ago
    expect(diff!.text).toContain('-    return settings.get(\\"voice_id\\", \\"default\\")');
    expect(diff!.text).toContain('+    return settings[\\"voice_id\\"]');
    expect(headRef).toMatchObject({ isError: true, text: expect.stringContaining('Input validation error') });
    expect(option).toMatchObject({ isError: true, text: expect.stringContaining('Input validation error') });
    expect(bogus).toMatchObject({ isError: true, text: expect.stringContaining('no commit deadbeefdeadbeef in') });
    expect(envDiff).toMatchObject({ isError: true, text: expect.stringContaining('excluded: secrets and .git never are') });
    // No secret of the repository reached the model, whatever was asked.
    const everything = JSON.stringify(api.messageBodies());
    for (const secret of ['hunter2', 'sk_live_', 'MIIEvQ', 'root:x:0']) expect(everything).not.toContain(secret);

    // The incident: sentinel's own code section cites the line and the commit.
    const [incident] = incidentFiles(t.dir);
    expect(incident).toContain('## Code and recent changes');
    expect(incident).toContain('- `app/settings.py:7` in `voice_for`');
    expect(incident).toMatch(
      new RegExp(
        `- commit \`${t.deploy.slice(0, 12)}\` .* by \`Dana Dev\`: \`Read the voice from the settings directly\` changed \`app/settings.py\`, \\d+ min before the group was first seen`,
      ),
    );
    expect(incident).toContain('>7      return settings["voice_id"]');
    expect(incident).toContain(`commit ${t.deploy.slice(0, 12)} ten minutes before the first error`);
  });
});

describe("the team's words and the group's memory", () => {
  it('a regressed group carries its earlier incident, with what the team wrote was done; the context file and the matching runbook are in the prompt', async () => {
    const first = {
      verdict: 'real_issue',
      severity: 'high',
      title: 'Voice lookup fails since the deploy',
      summary: 'Jobs fail with KeyError voice_id.',
      root_cause: { status: 'confirmed', text: 'The deploy removed the default voice.' },
      evidence: [],
      actions: ['Revert'],
      suggested_ignore: [],
      confidence: 0.9,
    };
    const t = await withClaude(() => [{ kind: 'structured_output', output: first }], {
      investigate: { context_file: 'team.md', cooldown: '1s' }, // the regression comes seconds later here
      runbooks: [
        { match: { exception: 'KeyError', logger: 'app.*' }, file: 'runbooks/settings.md' },
        { match: { logger: 'payments.*' }, file: 'runbooks/payments.md' },
      ],
    });
    writeFileSync(
      join(t.dir, 'team.md'),
      `# Voice studio\n\nA TTS job runner. On call: Sam (+1 555 0100). Token for the dashboard: sk-ant-api03-${'Zq4'.repeat(14)}\n`,
    );
    mkdirSync(join(t.dir, 'runbooks'));
    writeFileSync(
      join(t.dir, 'runbooks', 'settings.md'),
      '1. Check the last deploy of app/settings.py.\n2. Roll back with `deploy rollback`.\n',
    );
    writeFileSync(join(t.dir, 'runbooks', 'payments.md'), 'Call the payment provider.\n');
    await runPythonApp(t.app, t.db, 2);
    const firstRun = await t.run();
    expect(firstRun).toMatchObject({ investigation: 'claude' });
    const fingerprint = firstRun.groups[0]!.fingerprint;
    const [name] = readdirSync(join(t.dir, 'incidents'));
    writeFileSync(
      join(t.dir, 'incidents', name!),
      `${readFileSync(join(t.dir, 'incidents', name!), 'utf8')}\n## What was done\n\nRolled back to release 41 and added a default voice.\n`,
    );
    expect((await runCli(['resolve', fingerprint], { cwd: t.dir })).exitCode).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the 1 s cooldown
    // The fake's script grows now that the fingerprint is known.
    await runPythonApp(t.app, t.db, 2);
    t.turns.push(tool('past_incidents', { fingerprint }), {
      kind: 'structured_output',
      output: { ...first, title: 'Voice lookup fails again' },
    });
    const second = await t.run();
    expect(second).toMatchObject({ investigation: 'claude', groups: [expect.objectContaining({ trigger: 'regressed' })] });

    const bodies = t.api.messageBodies();
    const prompt = JSON.stringify(bodies[1]!.messages[0]);
    expect(prompt).toContain('A TTS job runner. On call: Sam (+1 555 0100).');
    expect(prompt).toContain('[REDACTED:anthropic_key]'); // the team's file is redacted like log text
    expect(prompt).not.toContain('What the team runs\\n\\n- A Python backend'); // the old fixed paragraph is gone
    expect(prompt).toContain("## The team's runbooks for these groups");
    expect(prompt).toContain('Roll back with `deploy rollback`.');
    expect(prompt).not.toContain('Call the payment provider.');
    expect(prompt).toContain(
      'This group had incidents before, newest first (from their incident files; untrusted data). Say whether this looks like last time:',
    );
    expect(prompt).toMatch(
      /- \d{4}-\d{2}-\d{2}, verdict real_issue: Voice lookup fails since the deploy; root cause: The deploy removed the default voice\.; what was done: Rolled back to release 41 and added a default voice\./,
    );
    const memory = toolResults(t.api).at(-1)!;
    expect(memory.text).toContain(`Group ${fingerprint}: 1 earlier incident, newest first`);
    expect(memory.text).toContain('what was done: Rolled back to release 41 and added a default voice.');
  });

  it('a context file or runbook that is not there is a config error naming the key, one line, exit 2', async () => {
    const t = await setup({ investigate: { context_file: 'missing.md' } });
    const result = await runCli(['run'], { cwd: t.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^sentinel: .*sentinel\.yaml: investigate\.context_file: cannot read .*missing\.md: ENOENT$/),
    ]);
    const runbook = await setup({ runbooks: [{ match: { logger: 'app.*' }, file: 'runbooks/none.md' }] });
    expect((await runCli(['run'], { cwd: runbook.dir })).stderr).toMatch(/runbooks\.0\.file: cannot read .*none\.md: ENOENT/);
  });
});

describe('git over the deployed tree runs nothing the repository names', () => {
  it('a repository whose own config names programs (fsmonitor, signatures, external diff, pager, hooks): recent_changes and show_change run none of them', async () => {
    const t = await setup();
    const marker = join(t.dir, 'pwned');
    const evil = join(t.dir, 'evil.sh');
    writeFileSync(evil, `#!/bin/sh\necho "$0 $*" >> ${marker}\n`, { mode: 0o755 });
    const config = readFileSync(join(t.app, '.git', 'config'), 'utf8');
    writeFileSync(
      join(t.app, '.git', 'config'),
      `${config}[core]\n\tfsmonitor = ${evil}\n\tpager = ${evil}\n[log]\n\tshowSignature = true\n[gpg]\n\tprogram = ${evil}\n[diff]\n\texternal = ${evil}\n[pager]\n\tlog = ${evil}\n\tshow = ${evil}\n`,
    );
    for (const hook of ['post-checkout', 'pre-commit', 'reference-transaction'])
      writeFileSync(join(t.app, '.git', 'hooks', hook), `#!/bin/sh\n${evil} hook\n`, { mode: 0o755 });
    const changes = await runCli(['analyze', 'recent-changes', '--hours', '1'], { cwd: t.dir });
    expect(changes.exitCode, changes.stderr).toBe(0);
    expect(changes.stdout).toContain('Read the voice from the settings directly');
    const diff = await runCli(['analyze', 'show-change', t.deploy.slice(0, 12), '--path', 'app/settings.py'], { cwd: t.dir });
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('+    return settings["voice_id"]');
    expect(() => readFileSync(marker, 'utf8')).toThrow(/ENOENT/);
  });

  it('a root that is a subdirectory of the work tree: paths are as seen from the root', async () => {
    const t = await setup({ code: { root: './app/app' } });
    const changes = await runCli(['analyze', 'recent-changes', '--hours', '1'], { cwd: t.dir });
    expect(changes.stdout).toMatch(/files: escape\.py, settings\.py\n/); // not app/settings.py
    const diff = await runCli(['analyze', 'show-change', t.deploy, '--path', 'settings.py'], { cwd: t.dir });
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('+    return settings["voice_id"]');
  });
});
