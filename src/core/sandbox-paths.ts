import type { UnitScope } from './systemd-units.js';

/** Where `StateDirectory=sentinel` puts the state: the one place the sandbox lets sentinel write
 * for good (ProtectSystem=strict makes everything else read-only). */
export function stateDirectoryFor(
  scope: UnitScope,
  env: { HOME?: string | undefined; XDG_STATE_HOME?: string | undefined },
): string | null {
  if (scope === 'system') return '/var/lib/sentinel';
  const base = env.XDG_STATE_HOME || (env.HOME ? `${env.HOME.replace(/\/+$/, '')}/.local/state` : null);
  return base === null ? null : `${base}/sentinel`;
}

/** The configured paths sentinel writes that the units' sandbox would refuse, one line each with the fix.
 * `stateDir` is the configured state_dir (resolved) or null when unset (then $STATE_DIRECTORY is used). */
export function findSandboxProblems(input: { writable: string; stateDir: string | null; incidentsDir: string }): string[] {
  const problems: string[] = [];
  const inside = (path: string) => path === input.writable || path.startsWith(`${input.writable}/`);
  if (input.stateDir !== null && !inside(input.stateDir)) {
    problems.push(
      `state_dir ${input.stateDir} is read-only under the units: remove state_dir (systemd sets $STATE_DIRECTORY) or set it to ${input.writable}`,
    );
  }
  if (!inside(input.incidentsDir)) {
    problems.push(`incidents_dir ${input.incidentsDir} is read-only under the units: set incidents_dir: ${input.writable}/incidents`);
  }
  return problems;
}
