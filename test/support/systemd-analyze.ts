import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** systemd-analyze works offline (no running systemd needed): CI checks every rendered unit with it. */
export const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** systemd-analyze on unit files in `dir`, for the system or the user manager (which wants a runtime dir, even offline). */
export function analyzeUnits(dir: string, scope: 'system' | 'user') {
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  const analyze = (args: string[]) => spawnSync('systemd-analyze', [`--${scope}`, ...args], { encoding: 'utf8', env });
  return {
    /** verify exits 0 on unknown keys and unparsable values: only an empty stderr means clean. */
    verify: (names: string[]) => analyze(['verify', '--man=no', ...names.map((name) => join(dir, name))]),
    /** `--threshold` is in tenths: exit 1 when the exposure is above 2.0. */
    security(name: string) {
      const result = analyze(['security', '--offline=yes', '--threshold=20', '--no-pager', join(dir, name)]);
      return { ...result, exposure: Number(/Overall exposure level for .*: (\d+\.\d)/.exec(result.stdout)?.[1]) };
    },
  };
}

/** A template cannot be verified or assessed itself; its instance for sentinel.service can: returns the checkable names. */
export function instantiateFailureUnit(dir: string, units: Record<string, string>): string[] {
  writeFileSync(join(dir, 'sentinel-failure@sentinel.service.service'), units['sentinel-failure@.service']!);
  return [...Object.keys(units).filter((name) => !name.includes('@')), 'sentinel-failure@sentinel.service.service'];
}
