import { execa } from 'execa';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findConfigFile } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { packageRoot } from '../adapters/package-root.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { findSandboxProblems, stateDirectoryFor } from '../core/sandbox-paths.js';
import { AUTOFIX_UNIT_FILES, listEnableCommands, renderUnits, UNIT_FILES, type UnitScope } from '../core/systemd-units.js';
import type { CommandContext } from '../core/types.js';

export interface SystemdOptions {
  config?: string;
  interval?: string;
  healthInterval?: string;
  /** The user's own systemd (`systemctl --user`) instead of the system's. */
  user?: boolean;
  runAs?: string;
  logGroup?: string;
  /** print: write the files into this directory instead of stdout. */
  out?: string;
  /** install: the root the unit directory is placed under (packaging, tests). */
  prefix?: string;
  /** install: run the systemctl commands instead of only printing them. */
  enable?: boolean;
}

/** `sentinel systemd print`: the units with this machine's paths, on stdout or into `--out`. */
export async function systemdPrintCommand(options: SystemdOptions, ctx: CommandContext): Promise<number> {
  const units = renderForThisMachine(options, ctx);
  if (options.out === undefined) {
    // `==> name <==` as head(1) separates files; a `#` line is also a comment inside a unit file.
    ctx.stdout(
      Object.entries(units)
        .map(([name, text]) => `# ==> ${name} <==\n${text.trimEnd()}\n`)
        .join('\n'),
    );
    return ExitCode.ok;
  }
  for (const path of writeUnits(resolve(ctx.cwd, options.out), units)) ctx.stdout(`wrote ${path}`);
  return ExitCode.ok;
}

/** `sentinel systemd install`: writes the units where systemd reads them and prints (or runs) the rest. */
export async function systemdInstallCommand(options: SystemdOptions, ctx: CommandContext): Promise<number> {
  const scope: UnitScope = options.user ? 'user' : 'system';
  if (options.enable && options.prefix !== undefined) {
    throw new SentinelError('--enable goes without --prefix: systemd does not read units under a prefix', ExitCode.usage);
  }
  if (scope === 'system' && options.logGroup) await requireGroupExists(options.logGroup);
  const units = renderForThisMachine(options, ctx);
  const dir = unitDirectory(scope, ctx.env, options.prefix === undefined ? undefined : resolve(ctx.cwd, options.prefix));
  for (const path of writeUnits(dir, units)) ctx.stdout(`wrote ${path}`);
  if (scope === 'user') {
    ctx.stdout(
      'note: the user units need ~/.config/credstore/ntfy-token, anthropic-api-key and claude-oauth-token (mode 600, empty when unused)',
    );
  }
  const commands = listEnableCommands(scope, 'sentinel-autofix.timer' in units);
  if (!options.enable) {
    ctx.stdout(`then, to start the timers${scope === 'system' ? ' (as root)' : ''}:`);
    for (const command of commands) ctx.stdout(`  ${command.join(' ')}`);
    return ExitCode.ok;
  }
  for (const [file, ...args] of commands) {
    ctx.stdout(`$ ${[file, ...args].join(' ')}`);
    const result = await execa(file!, args, { reject: false, all: true, timeout: 60_000, stdin: 'ignore' });
    if (result.all?.trim()) ctx.stdout(result.all.trim());
    if (result.exitCode !== 0) {
      throw new SentinelError(
        `${file} ${args.join(' ')} failed (${result.exitCode ?? result.signal ?? result.shortMessage}); the units are written, run the rest by hand`,
        ExitCode.internal,
      );
    }
  }
  ctx.stdout(`timers enabled: check with systemctl ${scope === 'user' ? '--user ' : ''}list-timers 'sentinel*'`);
  return ExitCode.ok;
}

/** A group name with a typo would only show as "Failed to determine supplementary groups" at the first timer run. */
async function requireGroupExists(group: string): Promise<void> {
  // getent asks NSS (LDAP, systemd-userdb too), not only /etc/group; 2 is its "not found".
  const found = await execa('getent', ['group', group], { reject: false, timeout: 10_000, stdin: 'ignore' });
  if (found.exitCode === 2) {
    throw new SentinelError(
      `--log-group: there is no group ${JSON.stringify(group)} on this machine; name the group that may read the log database (ls -l shows it)`,
      ExitCode.usage,
    );
  }
}

function renderForThisMachine(options: SystemdOptions, ctx: CommandContext): Record<string, string> {
  const { config, file, paths } = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const root = packageRoot();
  const names = [...UNIT_FILES, ...(config.autofix.enabled ? AUTOFIX_UNIT_FILES : [])];
  const templates = Object.fromEntries(names.map((name) => [name, readFileSync(join(root, 'systemd', name), 'utf8')]));
  const result = renderUnits(templates, {
    scope: options.user ? 'user' : 'system',
    node: process.execPath,
    // A global npm install starts us through a symlink in /usr/bin; the units need the real file.
    cli: realpathSync(resolve(ctx.cwd, ctx.cliPath)),
    config: file,
    logDbDir: dirname(paths.database ?? file), // a PostgreSQL source has no file to bind
    claudeTimeoutMs: config.claude.timeout,
    autofixTimeoutMs: config.autofix.timeout + 2 * (config.autofix.test?.timeout ?? 0),
    ...(options.runAs === undefined ? {} : { user: options.runAs }),
    ...(options.logGroup === undefined ? {} : { logGroup: options.logGroup }),
    ...(options.interval === undefined ? {} : { runInterval: options.interval }),
    ...(options.healthInterval === undefined ? {} : { healthInterval: options.healthInterval }),
  });
  if (result.kind === 'invalid') throw new SentinelError(`cannot render the units: ${result.errors.join('; ')}`, ExitCode.usage);
  const writable = stateDirectoryFor(options.user ? 'user' : 'system', ctx.env);
  const stateDir = config.state_dir === undefined ? null : resolve(dirname(file), config.state_dir);
  for (const problem of writable ? findSandboxProblems({ writable, stateDir, incidentsDir: paths.incidentsDir }) : []) {
    ctx.stderr(`sentinel: warning: ${problem}`);
  }
  return result.units;
}

/** Where systemd reads units: /etc/systemd/system, or the user's ~/.config/systemd/user. */
export function unitDirectory(scope: UnitScope, env: NodeJS.ProcessEnv, prefix?: string): string {
  let dir = '/etc/systemd/system';
  if (scope === 'user') {
    const config = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
    if (!config) throw new SentinelError('--user: neither XDG_CONFIG_HOME nor HOME is set', ExitCode.usage);
    dir = join(config, 'systemd', 'user');
  }
  return prefix === undefined ? dir : join(prefix, dir);
}

function writeUnits(dir: string, units: Record<string, string>): string[] {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    return Object.entries(units).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
      chmodSync(path, 0o644); // unit files are public, whatever sentinel's private umask
      return path;
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SentinelError(
      `cannot write the units into ${dir}: ${code}${code === 'EACCES' ? ' (run as root, or use --user)' : ''}`,
      ExitCode.internal,
    );
  }
}
