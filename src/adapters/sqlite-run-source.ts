import type { SqliteSourceConfig } from '../core/config.js';
import type { Checkpoint } from '../core/records.js';
import type { SnapshotDirs } from './log-database.js';
import { openLogSource, type RunSource, type SourceWarning } from './log-source.js';

/** A SQLite source as a run reads it: the cursor is the row id, which grows in commit order. */
export function openSqliteRunSource(config: SqliteSourceConfig, path = config.path, snapshots: SnapshotDirs = {}): RunSource {
  const source = openLogSource(path, config, snapshots);
  let position: Checkpoint = { id: 0, identity: null };
  return {
    name: config.name,
    label: path,
    async start(stored, since) {
      const warnings: SourceWarning[] = [];
      const id = startingPoint(source, stored, since, warnings);
      position = { id, identity: id === stored?.id ? stored.identity : source.rowIdentity(id) };
      return { from: position, warnings };
    },
    async *read(from) {
      position = from;
      for (const batch of source.readSince(from.id)) {
        const lastId = batch[batch.length - 1]!.id;
        position = { id: lastId, identity: null };
        yield batch;
        position = { id: lastId, identity: source.rowIdentity(lastId) };
      }
    },
    position: () => position,
    newestRowTime: async () => source.newestRowTime(),
    waiting: async () => 0,
    countSince: async (checkpoint) => source.countSince(checkpoint.id),
    close: async () => source.close(),
  };
}

/** The checkpoint, unless the database was replaced or truncated under it (then from the start,
 * with a warning); without one, the first row at or after `since`. */
function startingPoint(
  source: ReturnType<typeof openLogSource>,
  checkpoint: Checkpoint | null,
  since: number,
  warnings: SourceWarning[],
): number {
  if (!checkpoint) return source.firstIdSince(since);
  const maxId = source.maxId();
  if (checkpoint.id > maxId) {
    warnings.push({
      kind: 'source-reset',
      message: `the log table's newest id (${maxId}) is below the checkpoint (${checkpoint.id}): the database was replaced or truncated; reading it from the start`,
    });
    return 0;
  }
  if (checkpoint.id > 0 && checkpoint.identity) {
    const identity = source.rowIdentity(checkpoint.id);
    if (identity !== null && identity !== checkpoint.identity) {
      warnings.push({
        kind: 'source-reset',
        message: `row ${checkpoint.id} is not the row read last time: the database was replaced; reading it from the start`,
      });
      return 0;
    }
  }
  return checkpoint.id;
}
