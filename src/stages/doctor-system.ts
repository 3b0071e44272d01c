import { errorMessage } from '../core/errors.js';
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LoadedConfig } from '../adapters/config-paths.js';
import { findExecutable } from '../adapters/secrets.js';
import { openStateStore } from '../adapters/state-store.js';
import { fail, ok, skip, warn, type Check } from '../core/doctor.js';
import { judgeRunStaleness } from '../core/run-staleness.js';
import { findSandboxProblems, stateDirectoryFor } from '../core/sandbox-paths.js';
import type { UnitScope } from '../core/systemd-units.js';
import { credstoreDirs } from './doctor-checks.js';

const TIMERS = ['sentinel.timer', 'sentinel-health.timer'];

/** Which units are installed: system ones first, then the user's; null when none are. */
export function findInstalledUnits(env: NodeJS.ProcessEnv): { scope: UnitScope; dir: string } | null {
  const userConfig = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : null);
  const candidates: { scope: UnitScope; dir: string }[] = [{ scope: 'system', dir: '/etc/systemd/system' }];
  if (userConfig) candidates.push({ scope: 'user', dir: join(userConfig, 'systemd', 'user') });
  return candidates.find((c) => existsSync(join(c.dir, 'sentinel.service'))) ?? null;
}

/** The state dir the service really uses: state_dir, else $STATE_DIRECTORY, else systemd's when the
 * units are installed (over SSH $STATE_DIRECTORY is unset), else ./.sentinel next to the config. */
export function effectiveStateDir(loaded: LoadedConfig, env: NodeJS.ProcessEnv, units: { scope: UnitScope } | null): string {
  if (loaded.config.state_dir !== undefined || env.STATE_DIRECTORY) return loaded.paths.stateDir;
  return (units && stateDirectoryFor(units.scope, env)) ?? loaded.paths.stateDir;
}

export function checkStateDir(stateDir: string, units: { scope: UnitScope } | null, env: NodeJS.ProcessEnv, now: number): Check[] {
  const checks = [checkWritableDir('state dir', stateDir, systemdStateDir(units, env))];
  if (!existsSync(join(stateDir, 'state.db'))) return checks;
  try {
    const state = openStateStore(stateDir, { readonly: true });
    try {
      const lastSuccess = state.lastSuccessfulRun('run')?.finishedAt ?? null;
      const runStarts = state
        .recentRuns(40)
        .filter((r) => r.kind === 'run')
        .map((r) => r.startedAt);
      const stale = judgeRunStaleness({ runStarts, lastSuccess, now }).warning;
      checks.push(
        stale
          ? warn(`state database: ${stale}`, 'journalctl -u sentinel.service -n 50; `sentinel status`')
          : ok(`state database ${state.file} opens${lastSuccess ? '; runs succeed' : ''}`),
      );
    } finally {
      state.close();
    }
  } catch (error) {
    checks.push(
      fail(
        errorMessage(error),
        `move ${join(stateDir, 'state.db')} aside and let the next run start a fresh one (groups are learned again)`,
      ),
    );
  }
  return checks;
}

export function checkIncidentsDir(loaded: LoadedConfig, units: { scope: UnitScope } | null, env: NodeJS.ProcessEnv): Check {
  return checkWritableDir('incidents dir', loaded.paths.incidentsDir, systemdStateDir(units, env));
}

/** The StateDirectory= the installed units have systemd create, or null. */
function systemdStateDir(units: { scope: UnitScope } | null, env: NodeJS.ProcessEnv): string | null {
  return units === null ? null : stateDirectoryFor(units.scope, env);
}

/** Writes and removes a probe: access(2) would say yes to root on a read-only mount. */
function checkWritableDir(what: string, dir: string, systemdDir: string | null): Check {
  const owner = `sudo install -d -o sentinel -g sentinel -m 0700 ${dir}`;
  if (!existsSync(dir)) {
    // Before the first start, systemd has not made the state directory yet: sentinel will own it.
    if (systemdDir !== null && (dir === systemdDir || dir.startsWith(`${systemdDir}/`)) && !existsSync(systemdDir)) {
      return ok(`${what} ${dir} does not exist yet: systemd creates ${systemdDir} on the first start (StateDirectory=)`);
    }
    let parent = dirname(resolve(dir));
    while (!existsSync(parent)) parent = dirname(parent);
    if (!statSync(parent).isDirectory())
      return fail(
        `${what} ${dir} cannot be created: ${parent} is not a directory`,
        `point the config at a directory (${what.replace(' ', '_')})`,
      );
    return probe(what, parent, owner) ?? ok(`${what} ${dir} does not exist yet; it can be created`);
  }
  if (!statSync(dir).isDirectory()) return fail(`${what} ${dir} is not a directory`, `remove it or point the config elsewhere`);
  return probe(what, dir, `sudo chown -R sentinel: ${dir}`) ?? ok(`${what} ${dir} is writable`);
}

function probe(what: string, dir: string, fix: string): Check | null {
  try {
    rmSync(mkdtempSync(join(dir, '.sentinel-doctor-')), { recursive: true });
    return null;
  } catch (error) {
    return fail(`${what}: cannot write in ${dir}: ${errorMessage(error)}`, fix);
  }
}

/** Units installed and their timers active, where systemd runs; the sandbox's read-only paths. */
export async function checkUnits(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  units: { scope: UnitScope; dir: string } | null,
): Promise<Check[]> {
  // sd_booted(3): systemd is the init system exactly when this directory exists.
  if (!existsSync('/run/systemd/system') || !findExecutable('systemctl', env.PATH ?? '')) {
    return [skip('systemd is not running here: units and timers not checked')];
  }
  if (!units)
    return [fail('the systemd units are not installed', 'sudo sentinel systemd install --enable (or --user for your own systemd)')];
  const checks: Check[] = [ok(`units installed in ${units.dir}`)];
  const args = [...(units.scope === 'user' ? ['--user'] : []), 'is-active', ...TIMERS];
  const result = await execa('systemctl', args, {
    reject: false,
    timeout: 10_000,
    stdin: 'ignore',
    env: { PATH: env.PATH ?? '', ...(env.XDG_RUNTIME_DIR ? { XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR } : {}) },
    extendEnv: false,
  });
  const states = result.stdout.split('\n');
  TIMERS.forEach((timer, i) => {
    const state = states[i]?.trim() || result.stderr.trim() || 'unknown';
    const systemctl = `systemctl${units.scope === 'user' ? ' --user' : ''}`;
    checks.push(state === 'active' ? ok(`${timer} is active`) : fail(`${timer} is ${state}`, `${systemctl} enable --now ${timer}`));
  });
  const writable = stateDirectoryFor(units.scope, env);
  const stateDir = loaded.config.state_dir === undefined ? null : loaded.paths.stateDir;
  for (const problem of writable ? findSandboxProblems({ writable, stateDir, incidentsDir: loaded.paths.incidentsDir }) : []) {
    const [text, fix] = problem.split(': ');
    checks.push(fail(text!, fix ?? problem));
  }
  if (units.scope === 'user') {
    for (const name of ['ntfy-token', 'anthropic-api-key', 'claude-oauth-token']) {
      const file = join(credstoreDirs(env).at(-1)!, name);
      if (!existsSync(file))
        checks.push(
          fail(
            `${file} is missing: the user units refuse to start without it`,
            `install -m 600 /dev/null ${file} (empty when unused), or write the secret into it`,
          ),
        );
    }
  }
  return checks;
}
