import type { SourceConfig } from '../core/config.js';
import { SentinelError } from '../core/errors.js';
import type { RunSource } from './log-source.js';
import { sourceSnapshotDir } from './config-paths.js';
import type { SnapshotDirs } from './log-database.js';
import { readSecret } from './secrets.js';
import { openSqliteRunSource } from './sqlite-run-source.js';

/** A configured source that could not be opened: the run goes on without it and exits 3. */
export interface FailedSource {
  name: string;
  message: string;
}

/** Opens every configured source; one that cannot be opened is reported, not thrown, so the
 * others are still read. `dbOverride` (a copy on a laptop) replaces the first SQLite source;
 * `stateDir` keeps the copies of stopped apps' databases between runs, one folder a source. */
export async function openRunSources(
  sources: readonly SourceConfig[],
  env: NodeJS.ProcessEnv,
  dbOverride?: string,
  stateDir?: string,
): Promise<{ opened: RunSource[]; failed: FailedSource[] }> {
  const opened: RunSource[] = [];
  const failed: FailedSource[] = [];
  for (const config of sources) {
    try {
      const snapshotDir = stateDir === undefined ? undefined : sourceSnapshotDir(stateDir, config.name);
      opened.push(await openRunSource(config, env, config === sources[0] ? dbOverride : undefined, { snapshotDir }));
    } catch (error) {
      if (!(error instanceof SentinelError)) throw error;
      failed.push({ name: config.name, message: error.message });
    }
  }
  return { opened, failed };
}

export async function openRunSource(
  config: SourceConfig,
  env: NodeJS.ProcessEnv,
  dbOverride?: string,
  snapshots: SnapshotDirs = {},
): Promise<RunSource> {
  if (config.kind === 'sqlite') return openSqliteRunSource(config, dbOverride ?? config.path, snapshots);
  // Loaded only for a PostgreSQL source: the quiet SQLite run never loads the client.
  const { openPostgresSource, postgresUrl } = await import('./postgres-source.js');
  return openPostgresSource(
    config,
    postgresUrl(config, (from) => readSecret(env, from)),
  );
}
