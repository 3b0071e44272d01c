import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { writeDemoDatabase } from './demo-data.js';

/** `npm run demo`: writes a demo loguru database under ./demo and runs `sentinel run` on it. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'demo');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const rows = writeDemoDatabase(join(dir, 'logs.db'), Date.now());
const example = parse(readFileSync(join(root, 'examples', 'sentinel.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
const config = {
  ...example,
  source: { ...example.source, path: './logs.db', first_run_lookback: '4d' },
  claude: { ...example.claude, enabled: false },
  notify: { max_age: '24h' },
};
writeFileSync(join(dir, 'sentinel.yaml'), stringify(config));
writeFileSync(
  join(dir, 'ignore.yaml'),
  stringify([
    {
      id: 'rule-1',
      match: { message: '^Retrying upload of job' },
      reason: 'storage retries succeed on the second attempt',
      added: { date: '2026-11-01', author: 'demo' },
      unless: { count: 50, per: '1h' },
    },
  ]),
);

const cli = join(root, 'dist', 'cli.js');
const sentinel = (...args: string[]) => {
  console.log(`\n$ sentinel ${args.join(' ')}`);
  try {
    process.stdout.write(execFileSync(process.execPath, [cli, '--config', join(dir, 'sentinel.yaml'), ...args], { encoding: 'utf8' }));
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    process.stdout.write(failed.stdout ?? '');
    process.stderr.write(failed.stderr ?? '');
    process.exitCode = failed.status;
  }
};
console.log(`demo: wrote ${rows} log rows (3 days of a TTS backend) to ${join(dir, 'logs.db')}`);
sentinel('run');
sentinel('run');
console.log('\nThe health check judges every series (system, the metrics in the config, errors per hour):');
sentinel('health');
console.log(`\nThe demo lives in ${dir}: try \`node dist/cli.js --config demo/sentinel.yaml status\`.`);
