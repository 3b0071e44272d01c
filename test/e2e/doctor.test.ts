import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeNtfy } from '../fakes/fake-ntfy.js';
import { makeProject, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A stand-in `claude` that answers --version as Claude Code does. */
function fakeClaude(script = 'echo "2.1.197 (Claude Code)"'): string {
  const file = join(tempDir('sentinel-claude-'), 'claude');
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

interface Breakage {
  /** Changes the files or the environment of the healthy set-up. */
  setup?: (p: { dir: string; db: string; env: Record<string, string> }) => void;
  config?: Record<string, unknown>;
  args?: (dir: string) => string[];
  /** Options after `doctor`. */
  after?: string[];
  ntfyDown?: boolean;
}

/** A healthy set-up (log DB, claude, credential, ntfy, state dir), with one part broken as asked. */
async function doctor(breakage: Breakage = {}) {
  const ntfy = await startFakeNtfy();
  servers.push(ntfy);
  const p = makeProject({
    claude: { enabled: true, command: fakeClaude() },
    notify: { ntfy: { url: ntfy.url, topic: 'ops' } },
    state_dir: './state',
    ...breakage.config,
  });
  const db = new Database(p.db);
  db.exec(
    "CREATE TABLE logs (id INTEGER PRIMARY KEY, time TEXT, level TEXT, message TEXT, name TEXT, function TEXT, line INTEGER, exception TEXT, extra TEXT); INSERT INTO logs (time, level, message) VALUES ('2026-05-01T08:00:00Z', 'INFO', 'hello')",
  );
  db.close();
  const env: Record<string, string> = { ANTHROPIC_API_KEY: 'sk-ant-api03-doctor' };
  breakage.setup?.({ ...p, env });
  if (breakage.ntfyDown) await ntfy.close();
  const result = await runCli([...(breakage.args?.(p.dir) ?? []), 'doctor', ...(breakage.after ?? [])], {
    cwd: p.dir,
    env,
    timeoutMs: 90_000,
  });
  const lines = result.stdout.split('\n');
  // Where systemd runs (a CI VM, say), this throwaway project's units are not installed: that ✗ is expected.
  const failures = lines.filter(
    (line) => line.startsWith('✗') && !/systemd units are not installed|sentinel(-health)?\.timer is/.test(line),
  );
  return { ...result, ...p, ntfy, lines, failures };
}

const credentialElsewhere = ['/etc/credstore', '/run/credstore'].some((dir) => existsSync(join(dir, 'anthropic-api-key')));

describe('sentinel doctor', () => {
  it('passes a healthy set-up, line by line, with the writable log database as a warning', async () => {
    const result = await doctor();
    expect(result.stderr).toBe('');
    expect(result.lines).toEqual(
      expect.arrayContaining([
        `✓ config ${result.configFile} is valid`,
        `✓ log database ${result.db} is readable: 1 row, newest 2026-05-01T08:00:00Z`,
        expect.stringMatching(/^! log database .* is writable by (root|this user)/),
        expect.stringMatching(/^✓ claude \/.*\/claude: 2\.1\.197 \(Claude Code\)$/),
        '✓ Claude credential: api_key ($ANTHROPIC_API_KEY)',
        expect.stringMatching(/^✓ ntfy http:\/\/127\.0\.0\.1:\d+ is reachable \(HTTP 404\)$/),
        `✓ state dir ${join(result.dir, 'state')} does not exist yet; it can be created`,
        `✓ incidents dir ${join(result.dir, 'incidents')} does not exist yet; it can be created`,
      ]),
    );
    if (!existsSync('/run/systemd/system')) expect(result.lines).toContain('– systemd is not running here: units and timers not checked');
    expect(result.failures).toEqual([]);
    expect(result.exitCode).toBe(result.lines.some((line) => line.startsWith('✗')) ? 6 : 0);
    // Nothing was published, nothing was created.
    expect(result.ntfy.messages).toEqual([]);
    expect(existsSync(join(result.dir, 'state'))).toBe(false);
  });

  it('says when no index serves the level filter, with the CREATE INDEX to run on the app side; quiet once it is there', async () => {
    const result = await doctor();
    const at = result.lines.indexOf(
      `! log database ${result.db}: no index serves the level filter (min_level 30): each run and \`status\` read every row below it too`,
    );
    expect(at, result.stdout).toBeGreaterThan(-1);
    const fix = result.lines[at + 1]!;
    const prefix = `    fix: on the app's side (sentinel never writes its database): sqlite3 '${result.db}' `;
    expect(fix.startsWith(prefix), fix).toBe(true);
    const statement = fix.slice(prefix.length).slice(1, -1).replaceAll("'\\''", "'");
    expect(statement).toMatch(/^CREATE INDEX IF NOT EXISTS "logs_level_30" ON "logs" \("id"\) WHERE \(CASE .* END\);$/);
    new Database(result.db).exec(statement).close();
    const again = await runCli(['doctor'], { cwd: result.dir, env: { ANTHROPIC_API_KEY: 'sk-ant-api03-doctor' }, timeoutMs: 90_000 });
    expect(again.stdout).toContain(`✓ log database ${result.db} is readable: 1 row`);
    expect(again.stdout).not.toContain('no index serves the level filter');
  });

  it.each<[string, Breakage, RegExp]>([
    ['a missing config', { args: (dir) => ['--config', join(dir, 'nope.yaml')] }, /^✗ config: .*nope\.yaml: cannot read config: ENOENT$/],
    ['an invalid config', { config: { claude: { max_turns: 0 } } }, /^✗ config: .*claude\.max_turns: /],
    [
      'an unreadable log database',
      { setup: (p) => writeFileSync(p.db, 'not sqlite, just text '.repeat(40)) },
      /^✗ log database .*: file is not a database/,
    ],
    [
      'a log database without its table',
      { setup: (p) => new Database(p.db).exec('DROP TABLE logs').close() },
      /^✗ log database .*: no table "logs"/,
    ],
    [
      'a missing claude',
      { config: { claude: { command: 'no-such-claude' } } },
      /^✗ claude\.command "no-such-claude" is not found on PATH$/,
    ],
    // A typo in source.path is not a permission problem: no chgrp advice for it.
    [
      'a log database that is not there',
      { config: { source: { path: './logs-typo.db' } } },
      /^✗ log database .*\/logs-typo\.db: no such file\n {4}fix: fix source\.path in the config/,
    ],
    [
      'a log database in a directory that is not there',
      { config: { source: { path: './nowhere/logs.db' } } },
      /^✗ log database .*\/nowhere\/logs\.db: no such file: .*\/nowhere does not exist$/,
    ],
    [
      'a broken claude',
      { config: { claude: { command: fakeClaude('echo "error: cannot load native module" >&2; exit 1') } } },
      /^✗ claude .* --version failed: error: cannot load native module$/,
    ],
    ['ntfy down', { ntfyDown: true }, /^✗ ntfy http:\/\/127\.0\.0\.1:\d+ is not reachable: .*ECONNREFUSED/],
    [
      'a state dir that cannot be created',
      { setup: (p) => writeFileSync(join(p.dir, 'file'), ''), config: { state_dir: './file/state' } },
      /^✗ state dir .*\/file\/state cannot be created: .*\/file is not a directory$/,
    ],
    ['a state dir that is a file', { setup: (p) => writeFileSync(join(p.dir, 'state'), '') }, /^✗ state dir .*\/state is not a directory$/],
    [
      'a corrupt state database',
      { setup: (p) => (mkdirSync(join(p.dir, 'state')), writeFileSync(join(p.dir, 'state', 'state.db'), 'garbage'.repeat(100))) },
      /^✗ state database .*state\.db: cannot open: file is not a database/,
    ],
  ])('catches %s', async (_what, breakage, line) => {
    const result = await doctor(breakage);
    expect(result.stdout).toMatch(new RegExp(line.source, 'm'));
    expect(result.failures.join('\n')).toMatch(new RegExp(line.source.split('\\n')[0]!, 'm'));
    expect(result.exitCode).toBe(6);
  });

  it('with claude.command left at "claude" and none on PATH, finds and names the one npm ci installed', async () => {
    const result = await doctor({ config: { claude: { enabled: true } }, setup: (p) => (p.env.PATH = '/usr/bin:/bin') });
    const bundled = join(fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url)));
    expect(result.lines).toContain(`✓ claude ${bundled}: 2.1.197 (Claude Code) (no claude on PATH: the one npm ci installed)`);
  });

  it.skipIf(credentialElsewhere)('catches a missing Anthropic credential', async () => {
    const result = await doctor({ setup: (p) => delete p.env.ANTHROPIC_API_KEY });
    expect(result.failures).toEqual([
      expect.stringMatching(
        /^✗ no Claude credential: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN .*; none in \/etc\/credstore, \/run\/credstore/,
      ),
    ]);
    expect(result.lines).toContain(
      '    fix: put it into /etc/credstore/anthropic-api-key or /etc/credstore/claude-oauth-token (root, mode 600; the units load it with LoadCredential=), or set $ANTHROPIC_API_KEY or $CLAUDE_CODE_OAUTH_TOKEN for a manual run',
    );
    expect(result.exitCode).toBe(6);
  });

  it('finds the credential where systemd put it ($CREDENTIALS_DIRECTORY)', async () => {
    const result = await doctor({
      setup: (p) => {
        delete p.env.ANTHROPIC_API_KEY;
        mkdirSync(join(p.dir, 'creds'));
        writeFileSync(join(p.dir, 'creds', 'anthropic-api-key'), 'sk-ant-api03-x\n');
        p.env.CREDENTIALS_DIRECTORY = join(p.dir, 'creds');
      },
    });
    expect(result.lines).toContain('✓ Claude credential: api_key (the systemd credential anthropic-api-key)');
    expect(result.failures).toEqual([]);
  });

  it('checks each code root: its readable files, and whether git can read its history', async () => {
    const result = await doctor({
      config: { code: [{ root: './src', include: ['**/*.py'] }, { root: './missing' }] },
      setup: (p) => (
        mkdirSync(join(p.dir, 'src')),
        writeFileSync(join(p.dir, 'src', 'app.py'), 'x = 1\n'),
        writeFileSync(join(p.dir, 'src', '.env'), 'A=1\n')
      ),
    });
    expect(result.lines).toContain(`✓ code root ${join(result.dir, 'src')}: 1 readable file, not a git work tree: no recent changes`);
    expect(result.failures).toEqual([`✗ code root ${join(result.dir, 'missing')} does not exist`]);
  });

  it('names both credentials when two kinds are present and claude.auth does not choose', async () => {
    const result = await doctor({ setup: (p) => (p.env.CLAUDE_CODE_OAUTH_TOKEN = 'sk-ant-oat01-doctor') });
    expect(result.failures).toEqual([
      expect.stringMatching(/^✗ claude\.auth: two or more credentials are present \(api_key: .*; oauth_token: .*\)/),
    ]);
    expect(result.exitCode).toBe(6);
  });

  it('says which kind is in use; with --online, whether claude accepts it (the real CLI, a fake API that wants a Bearer token)', async () => {
    const token = ['sk', 'ant', 'oat01', 'Dr7'.repeat(14)].join('-');
    const api = await startFakeAnthropic([{ kind: 'text', text: 'OK' }], { credential: { oauthToken: token } });
    servers.push(api);
    const env = (p: { env: Record<string, string> }) => {
      delete p.env.ANTHROPIC_API_KEY;
      Object.assign(p.env, { CLAUDE_CODE_OAUTH_TOKEN: token, ANTHROPIC_BASE_URL: api.url });
    };
    const offline = await doctor({ setup: env, config: { claude: { enabled: true, command: CLAUDE } } });
    expect(offline.lines).toContain(
      '✓ Claude credential: oauth_token ($CLAUDE_CODE_OAUTH_TOKEN); costs shown are API-equivalent estimates',
    );
    expect(api.messageBodies()).toEqual([]); // no request without --online
    const online = await doctor({ setup: env, config: { claude: { enabled: true, command: CLAUDE } }, after: ['--online'] });
    expect(online.lines).toContain('✓ claude accepts the credential (one request with --online)');
    expect(api.messageBodies()).toHaveLength(1);
    const refused = await doctor({
      setup: (p) => (env(p), (p.env.CLAUDE_CODE_OAUTH_TOKEN = `${token}x`)),
      config: { claude: { enabled: true, command: CLAUDE } },
      after: ['--online'],
    });
    expect(refused.failures).toEqual([expect.stringMatching(/^✗ claude refused the credential: .*(401|Invalid bearer token)/)]);
  });
});
