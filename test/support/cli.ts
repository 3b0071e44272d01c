import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { tempDir } from './temp.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a subprocess, as systemd or a person over SSH would. */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  const result = await execa('node', [CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
    extendEnv: false,
    input: options.input ?? '',
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh directory with a sentinel.yaml reading `logs.db` in it; `config` overrides sections. */
export function makeProject(config: Record<string, unknown> = {}): { dir: string; db: string; configFile: string } {
  const dir = tempDir('sentinel-test-');
  const db = join(dir, 'logs.db');
  const configFile = join(dir, 'sentinel.yaml');
  const { source, ...rest } = config;
  writeFileSync(
    configFile,
    stringify({
      source: { path: db, first_run_lookback: '30d', ...(source as object) },
      claude: { enabled: false },
      ...rest,
    }),
  );
  return { dir, db, configFile };
}
