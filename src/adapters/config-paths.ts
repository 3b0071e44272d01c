import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../core/config.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { readRegularFile } from './regular-file.js';

// Where the config is and where its paths lead: nothing here parses YAML or loads zod, so a run
// whose parsed config is cached (parsed-cache.ts) loads neither.

export interface LoadedConfig {
  config: Config;
  /** The file it came from. */
  file: string;
  /** Absolute paths: relative ones in the file are relative to the file's directory. `database` is
   * the first source's SQLite file, null when that source is PostgreSQL; `databaseSnapshot` where
   * a run keeps its copy of that file while the app is stopped (see `openLogDatabase`). */
  paths: { stateDir: string; incidentsDir: string; ignoreFile: string; database: string | null; databaseSnapshot: string };
}

/** Where a run keeps its copy of a stopped app's database for a source. */
export const sourceSnapshotDir = (stateDir: string, source: string) => join(stateDir, 'source-snapshot', source);

/** `--config`, then `$SENTINEL_CONFIG`, `./sentinel.yaml`, `/etc/sentinel/sentinel.yaml`: first found wins. */
export function findConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  if (explicit) return resolve(cwd, explicit);
  if (env.SENTINEL_CONFIG) return resolve(cwd, env.SENTINEL_CONFIG);
  for (const candidate of [resolve(cwd, 'sentinel.yaml'), '/etc/sentinel/sentinel.yaml']) {
    if (existsSync(candidate)) return candidate;
  }
  throw new SentinelError(
    'no config file: pass --config FILE, set SENTINEL_CONFIG, or create ./sentinel.yaml (see examples/sentinel.yaml)',
    ExitCode.usage,
  );
}

/** A config is a page or two of YAML: anything near this is not one. */
const MAX_CONFIG_BYTES = 1 << 20;

/** The config file's bytes as text; unreadable (a FIFO, a device, too large) is a usage error naming it. */
export function readConfigText(file: string): string {
  try {
    return readRegularFile(file, MAX_CONFIG_BYTES).toString('utf8');
  } catch (error) {
    throw new SentinelError(`${file}: cannot read config: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, ExitCode.usage);
  }
}

/** A parsed config put in place: its relative paths made absolute (relative to the file's
 * directory), the team's own files it names checked. Runs on every load, cached parse or not. */
export function placeConfig(file: string, env: NodeJS.ProcessEnv, parsed: Config): LoadedConfig {
  const base = dirname(file);
  // Every SQLite source's path made absolute once, here: the run reads them all.
  const sources = parsed.sources.map((s) => (s.kind === 'sqlite' ? { ...s, path: resolve(base, s.path) } : s));
  const config = { ...parsed, source: sources[0]!, sources };
  // The team's own files: a path that does not lead to one is a config error now, not a thinner prompt at 3 a.m.
  const teamFiles = [
    ...(config.investigate.context_file ? [['investigate.context_file', config.investigate.context_file]] : []),
    ...config.runbooks.map((r, i) => [`runbooks.${i}.file`, r.file]),
  ];
  for (const [key, path] of teamFiles) {
    try {
      accessSync(resolve(base, path!), constants.R_OK);
      if (!statSync(resolve(base, path!)).isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
    } catch (error) {
      throw new SentinelError(
        `${file}: ${key}: cannot read ${resolve(base, path!)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        ExitCode.usage,
      );
    }
  }
  const stateDir = resolve(base, config.state_dir ?? env.STATE_DIRECTORY?.split(':')[0] ?? './.sentinel');
  return {
    config,
    file,
    paths: {
      stateDir,
      incidentsDir: resolve(base, config.incidents_dir),
      ignoreFile: resolve(base, config.ignore_file),
      database: config.source.kind === 'sqlite' ? config.source.path : null,
      databaseSnapshot: sourceSnapshotDir(stateDir, config.source.name),
    },
  };
}
