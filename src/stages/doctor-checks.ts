import { errorMessage } from '../core/errors.js';
import { execa } from 'execa';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resolveClaudeCredential } from '../adapters/claude-credential.js';
import { openCodeRoots, walkCodeFiles } from '../adapters/code-tree.js';
import { isWorkTree } from '../adapters/git-history.js';
import { findConfigFile, type LoadedConfig, sourceSnapshotDir } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { discardBody } from '../adapters/http-body.js';
import { levelIndexSql, openLogSource } from '../adapters/log-source.js';
import { bundledClaude, findClaude } from '../adapters/claude-command.js';
import { readSecret } from '../adapters/secrets.js';
import { fail, ok, skip, warn, type Check } from '../core/doctor.js';
import type { SqliteSourceConfig } from '../core/config.js';
import { formatUtc } from '../core/prompt.js';
import { quoteShell } from '../core/incident-groups.js';
import { plural } from '../core/plural.js';
import { checkPostgresSource } from './doctor-postgres.js';

/** Where the units' LoadCredential= looks for a credential by name (systemd.exec(5)); the user
 * units name ~/.config/credstore explicitly. */
export function credstoreDirs(env: NodeJS.ProcessEnv): string[] {
  const user = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : null);
  return ['/etc/credstore', '/run/credstore', ...(user ? [join(user, 'credstore')] : [])];
}

export function checkConfig(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): { check: Check; loaded: LoadedConfig | null } {
  try {
    const loaded = loadConfig(findConfigFile(explicit, env, cwd), env);
    return { check: ok(`config ${loaded.file} is valid`), loaded };
  } catch (error) {
    return {
      check: fail(
        `config: ${errorMessage(error)}`,
        'fix the file (`sentinel config check FILE` names each key), or point --config / $SENTINEL_CONFIG at it',
      ),
      loaded: null,
    };
  }
}

/** Every source: a SQLite file readable and not writable, a PostgreSQL table readable by a role
 * that cannot write it. */
export async function checkDatabase(loaded: LoadedConfig, uid: number | null, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const checks: Check[] = [];
  for (const source of loaded.config.sources) {
    if (source.kind === 'sqlite') checks.push(...checkSqliteFile(source.path, source, uid, loaded.paths.stateDir));
    else checks.push(...(await checkPostgresSource(source, env)));
  }
  return checks;
}

function checkSqliteFile(path: string, config: SqliteSourceConfig, uid: number | null, stateDir: string): Check[] {
  const checks: Check[] = [];
  try {
    const source = openLogSource(path, config, { runSnapshotDir: sourceSnapshotDir(stateDir, config.name) });
    try {
      const newest = source.newestRowTime();
      checks.push(
        ok(`log database ${path} is readable: ${plural(source.maxId(), 'row')}, newest ${newest === null ? 'none' : formatUtc(newest)}`),
      );
      if (!source.levelIndexUsed()) {
        checks.push(
          warn(
            `log database ${path}: no index serves the level filter (min_level ${config.min_level}): each run and \`status\` read every row below it too`,
            `on the app's side (sentinel never writes its database): sqlite3 ${quoteShell(path)} ${quoteShell(`${levelIndexSql(config)};`)}`,
          ),
        );
      }
    } finally {
      source.close();
    }
  } catch (error) {
    const missing = whyMissing(path);
    if (missing)
      return [
        fail(
          `log database ${path}: ${missing}`,
          'fix source.path in the config (relative paths are relative to the config file), or start the app so that it creates the database',
        ),
      ];
    checks.push(
      fail(
        errorMessage(error),
        `let the service account read it: chgrp app ${path}* && chmod g+r ${path}* (and g+rx on its directory; WAL databases need it for -shm), then --log-group app on \`sentinel systemd install\``,
      ),
    );
  }
  if (isWritable(path)) {
    const who = uid === 0 ? 'root (run doctor as the service account to check its own access)' : 'this user';
    checks.push(
      warn(
        `log database ${path} is writable by ${who}: sentinel only needs to read it`,
        `chmod g-w,o-w ${path}* (the systemd units bind it read-only regardless)`,
      ),
    );
  }
  return checks;
}

/** A typo is not a permission problem: say which part of the path is not there (null: it is). */
export function whyMissing(path: string): string | null {
  if (existsSync(path)) return null;
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  // A directory this user may not search hides what is inside: then it may well exist.
  try {
    accessSync(dir, constants.X_OK);
  } catch {
    return null;
  }
  return dir === dirname(path) ? 'no such file' : `no such file: ${dirname(path)} does not exist`;
}

/** `online`: one tiny request through claude with the credential (`doctor --online`). */
export async function checkClaude(loaded: LoadedConfig, env: NodeJS.ProcessEnv, online = false): Promise<Check[]> {
  const { claude } = loaded.config;
  if (!claude.enabled) return [skip('claude is disabled (claude.enabled: false): incidents get the fallback report')];
  const found = findClaude(claude.command, env.PATH ?? '');
  if (!found) {
    const where = claude.command === 'claude' ? ` nor at ${bundledClaude()} (npm ci installs it there)` : '';
    return [
      fail(
        `claude.command ${JSON.stringify(claude.command)} is not found on PATH${where}`,
        'npm ci in the sentinel directory, or set claude.command to the absolute path of a claude CLI',
      ),
    ];
  }
  const { command } = found;
  const checks: Check[] = [];
  const version = await execa(command, ['--version'], {
    env: { PATH: env.PATH ?? '', HOME: env.HOME ?? '/nonexistent' },
    extendEnv: false,
    reject: false,
    timeout: 10_000,
    stdin: 'ignore',
  });
  const bundled = found.bundled ? ' (no claude on PATH: the one npm ci installed)' : '';
  if (version.exitCode === 0 && version.stdout.trim())
    checks.push(ok(`claude ${command}: ${version.stdout.trim().split('\n')[0]}${bundled}`));
  else {
    const why = version.timedOut ? 'no answer within 10 s' : version.stderr.trim().split('\n').at(-1) || version.shortMessage;
    checks.push(
      fail(`claude ${command} --version failed: ${why}`, 'reinstall it (npm install -g @anthropic-ai/claude-code) or fix claude.command'),
    );
  }
  const resolution = resolveClaudeCredential(claude, env, dirname(loaded.file));
  if (resolution.ok) {
    const { kind, source } = resolution.credential;
    checks.push(ok(`Claude credential: ${kind} (${source})${kind === 'oauth_token' ? '; costs shown are API-equivalent estimates' : ''}`));
    if (online) checks.push(await checkClaudeAccepts(command, resolution.credential.env, env));
  } else if (resolution.problem === 'invalid') {
    checks.push(
      fail(resolution.message, 'set claude.auth to the credential sentinel should use (api_key, oauth_token, bedrock or vertex)'),
    );
  } else if (claude.auth === undefined || claude.auth === 'api_key' || claude.auth === 'oauth_token') {
    // Not in this environment: the units may still load it from a credstore.
    const wanted = claude.auth === 'oauth_token' ? [OAUTH] : claude.auth === 'api_key' ? [API_KEY] : [API_KEY, OAUTH];
    const found = wanted.map((s) => checkSecret(env, s));
    const present = found.filter((c) => c.status === 'ok');
    if (present.length > 1)
      checks.push(
        fail(
          `claude.auth: two credentials are in the credstore (${wanted.map((s) => s.credential).join(', ')})`,
          'remove one, or set claude.auth to the one to use',
        ),
      );
    else if (present[0]) checks.push(present[0]);
    else {
      const where = wanted.map((s) => `/etc/credstore/${s.credential}`).join(' or ');
      const fix = `put it into ${where} (root, mode 600; the units load it with LoadCredential=), or set $${wanted.map((s) => s.envName).join(' or $')} for a manual run`;
      checks.push(
        found.find((c) => c.status === 'warn') ?? fail(`${resolution.message}; none in ${credstoreDirs(env).join(', ')} either`, fix),
      );
    }
  } else {
    checks.push(fail(resolution.message, `configure claude.${claude.auth}`));
  }
  return checks;
}

const API_KEY = { what: 'Claude credential api_key', envName: 'ANTHROPIC_API_KEY', credential: 'anthropic-api-key' };
const OAUTH = { what: 'Claude credential oauth_token', envName: 'CLAUDE_CODE_OAUTH_TOKEN', credential: 'claude-oauth-token' };

/** One tiny request, as a run would make it: with the chosen credential only and a HOME of its own. */
async function checkClaudeAccepts(command: string, credentialEnv: Record<string, string>, env: NodeJS.ProcessEnv): Promise<Check> {
  const home = mkdtempSync(join(tmpdir(), 'sentinel-doctor-'));
  try {
    const base =
      env.ANTHROPIC_BASE_URL && !credentialEnv.CLAUDE_CODE_USE_BEDROCK && !credentialEnv.CLAUDE_CODE_USE_VERTEX
        ? { ANTHROPIC_BASE_URL: env.ANTHROPIC_BASE_URL }
        : {};
    const result = await execa(
      command,
      ['-p', '--output-format', 'json', '--max-turns', '1', '--tools', '', '--setting-sources', '', '--no-session-persistence'],
      {
        input: 'Reply with the single word OK.',
        env: {
          PATH: env.PATH ?? '',
          HOME: home,
          ...credentialEnv,
          ...base,
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          CLAUDE_CODE_MAX_RETRIES: '0',
        },
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      },
    );
    let answer: { is_error?: unknown; result?: unknown } = {};
    try {
      answer = JSON.parse(result.stdout) as typeof answer;
    } catch {
      // not JSON: reported from stderr below
    }
    if (result.exitCode === 0 && answer.is_error !== true) return ok('claude accepts the credential (one request with --online)');
    const why = (typeof answer.result === 'string' && answer.result) || result.stderr.trim().split('\n').at(-1) || result.shortMessage;
    return fail(
      `claude refused the credential: ${(why ?? 'no answer').replace(/\s+/g, ' ').slice(0, 200)}`,
      'renew it (`claude setup-token` for a subscription token, a new key in the Console), then update the credential',
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Each code root: readable, how many files `include` allows, and whether git can read its history. */
export async function checkCode(loaded: LoadedConfig): Promise<Check[]> {
  const checks: Check[] = [];
  for (const root of openCodeRoots(loaded.config.code, dirname(loaded.file))) {
    if (!existsSync(root.real)) {
      checks.push(fail(`code root ${root.root} does not exist`, 'fix code.root: the deployed source sentinel reads'));
      continue;
    }
    const files = [...walkCodeFiles([root], 20_000)].length;
    const history = (await isWorkTree(root.real))
      ? 'a git work tree: recent_changes and show_change work'
      : 'not a git work tree: no recent changes';
    const line = `code root ${root.root}: ${files === 20_000 ? 'at least ' : ''}${files} readable file${files === 1 ? '' : 's'}, ${history}`;
    if (files === 0) checks.push(warn(line, "check code.include and the service account's read access"));
    else
      checks.push(
        /^\/home\//.test(root.real)
          ? warn(
              `${line}; under /home, which the systemd units hide (ProtectHome=tmpfs)`,
              'deploy it outside /home, or bind it into the units',
            )
          : ok(line),
      );
  }
  return checks;
}

export async function checkNotify(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const { ntfy, discord } = loaded.config.notify;
  if (!ntfy && !discord)
    return [warn('no notification channel: incidents are written but nobody is told', 'add notify.ntfy (or notify.discord) to the config')];
  const checks: Check[] = [];
  if (ntfy) {
    if (ntfy.token_file && !readSecret(env, { file: ntfy.token_file })) {
      checks.push(
        fail(
          `ntfy token file ${ntfy.token_file} is missing or empty`,
          'write the token into it (mode 600), or use the credential ntfy-token',
        ),
      );
    } else if (ntfy.token_env) {
      // Optional: a public topic needs no token, so a missing one is worth a look, not a failure.
      const check = checkSecret(env, { what: 'ntfy token', envName: ntfy.token_env, credential: 'ntfy-token' });
      checks.push(check.status === 'fail' ? warn(`${check.text}; sending without one (fine for a public topic)`, check.fix) : check);
    }
    checks.push(
      await checkReachable(
        'ntfy',
        ntfy.url,
        `check notify.ntfy.url (${ntfy.url}), DNS and the firewall; \`sentinel notify test\` sends a real message`,
      ),
    );
  }
  if (discord) {
    const url = readSecret(env, { envName: discord.webhook_url_env, credential: 'discord-webhook-url' });
    if (!url)
      checks.push(checkSecret(env, { what: 'Discord webhook URL', envName: discord.webhook_url_env, credential: 'discord-webhook-url' }));
    else
      checks.push(await checkReachable('discord', url, 'check the webhook URL (Server Settings → Integrations → Webhooks)', 'the webhook'));
  }
  return checks;
}

/** A secret from the environment, $CREDENTIALS_DIRECTORY, or a credstore the units load it from. */
function checkSecret(env: NodeJS.ProcessEnv, s: { what: string; envName: string; credential: string }): Check {
  if (env[s.envName]?.trim()) return ok(`${s.what} present in $${s.envName}`);
  if (readSecret(env, { credential: s.credential })) return ok(`${s.what} present in $CREDENTIALS_DIRECTORY/${s.credential}`);
  let unreadable: string | null = null;
  for (const dir of credstoreDirs(env)) {
    try {
      if (readdirSync(dir).includes(s.credential)) return ok(`${s.what} present in ${join(dir, s.credential)} (the units load it)`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') unreadable = dir;
    }
  }
  const fix = `put it into /etc/credstore/${s.credential} (root, mode 600; the units load it with LoadCredential=), or set $${s.envName} for a manual run`;
  if (unreadable)
    return warn(
      `${s.what}: not in $${s.envName}, and ${unreadable} is not readable by this user`,
      `run doctor as root to look there; else ${fix}`,
    );
  return fail(`${s.what} missing: not in $${s.envName}, $CREDENTIALS_DIRECTORY or ${credstoreDirs(env).join(', ')}`, fix);
}

/** Any HTTP answer means the server is there; nothing is published. */
async function checkReachable(name: string, url: string, fix: string, shown = url): Promise<Check> {
  try {
    const target = name === 'ntfy' ? new URL('/', url) : new URL(url);
    const res = await fetch(target, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    await discardBody(res);
    if (name === 'discord' && (res.status === 401 || res.status === 404))
      return fail(`discord: ${shown} answers HTTP ${res.status}: deleted or wrong`, fix);
    return ok(`${name} ${shown} is reachable (HTTP ${res.status})`);
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? 'no answer within 10 s'
        : error instanceof Error && error.cause instanceof Error
          ? error.cause.message
          : errorMessage(error);
    return fail(`${name} ${shown} is not reachable: ${name === 'discord' ? reason.replaceAll(url, '<webhook>') : reason}`, fix);
  }
}

function isWritable(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
