import { spawn, spawnSync } from 'node:child_process';

export interface PipelineResult {
  rowsPerSecond: number;
  rows: number;
  /** Lines `uniq -c` printed: the groups the pipeline finds. */
  groups: number;
}

/** What an operator writes instead of sentinel: the WARNING+ messages, digits masked, counted.
 * The bench's comparator; null when sqlite3 is not installed. */
export const SHELL_PIPELINE = `sqlite3 "$1" "SELECT message FROM logs WHERE level IN ('WARNING', 'ERROR', 'CRITICAL')" | sed -E 's/[0-9]+/N/g' | sort | uniq -c`;

export function measureShellPipeline(db: string): Promise<PipelineResult | null> {
  if (spawnSync('sqlite3', ['-version']).error) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('sh', ['-c', SHELL_PIPELINE, 'pipeline', db], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`the shell pipeline exited ${code}`));
      const counts = out
        .split('\n')
        .filter(Boolean)
        .map((l) => Number(/^\s*(\d+)/.exec(l)?.[1] ?? 0));
      const rows = counts.reduce((a, b) => a + b, 0);
      resolve({ rowsPerSecond: rows / seconds, rows, groups: counts.length });
    });
  });
}
