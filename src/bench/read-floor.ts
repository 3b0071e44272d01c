import { readBatchSql } from '../adapters/log-source.js';
import type { Config } from '../core/config.js';

/** The floor under any run: a node process that loads better-sqlite3 and reads the run's rows, with
 * the run's SQL, columns and batches, and does nothing with them. Arguments: database, SQL. */
const READ_ONLY_SCRIPT = `
import Database from 'better-sqlite3';
const [db, sql] = process.argv.slice(-2);
const select = new Database(db, { readonly: true }).prepare(sql).raw(true);
let cursor = 0;
let rows = 0;
for (;;) {
  const batch = select.all(cursor, 2000);
  rows += batch.length;
  if (batch.length < 2000) break;
  cursor = batch[batch.length - 1][0];
}
process.stdout.write(String(rows));
`;

/** Node arguments for that process (run it with the project root as its working directory). */
export function readFloorArgs(database: string, source: Config['source']): string[] {
  return ['--input-type=module', '-e', READ_ONLY_SCRIPT, database, readBatchSql(source)];
}
