import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export interface LogSpec {
  level: string;
  message: string;
  logger?: string;
  function?: string;
  /** `Type: text`: the row gets a real traceback ending in this exception. */
  exception?: string;
  extra?: Record<string, unknown>;
  repeat?: number;
}

const script = fileURLToPath(new URL('./write_logs.py', import.meta.url));

/** Writes records through real loguru (Debian's python3-loguru, /usr/bin/python3). */
export async function writeWithLoguru(db: string, records: LogSpec[], schema: 'default' | 'alt' = 'default'): Promise<void> {
  await execa('/usr/bin/python3', [script, db, schema], { input: records.map((r) => JSON.stringify(r)).join('\n') });
}

const pgScript = fileURLToPath(new URL('./write_pg_logs.py', import.meta.url));

/** Writes records through real loguru and the reference PostgreSQL sink, as app host `host`. */
export async function writeWithLoguruToPostgres(url: string, host: string, records: LogSpec[]): Promise<void> {
  await execa('/usr/bin/python3', [pgScript, url, host], { input: records.map((r) => JSON.stringify(r)).join('\n') });
}
