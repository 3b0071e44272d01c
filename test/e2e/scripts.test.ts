import { execa } from 'execa';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';
import { createPythonApp } from '../support/python-app.js';

const SCRIPTS = fileURLToPath(new URL('../../scripts/', import.meta.url));

describe('scripts/: the curated analyses for a person on the server', () => {
  it('every script runs its analysis read-only and answers with a verdict line first', async () => {
    const { dir, db, configFile } = makeProject({
      metrics: [{ name: 'api_calls', count_where: "message = 'api call'", bucket: '1m' }],
      code: { root: './app' },
    });
    const deploy = await createPythonApp(join(dir, 'app'), Date.now() - 3_600_000);
    await writeWithLoguru(db, [
      { level: 'INFO', message: 'api call', repeat: 5 },
      { level: 'ERROR', message: 'job 7 failed', exception: 'KeyError: voice_id', repeat: 3 },
    ]);
    const run = JSON.parse((await runCli(['run', '--json'], { cwd: dir })).stdout) as { groups: { fingerprint: string }[] };
    const fp = run.groups[0]!.fingerprint;
    const args: Record<string, string[]> = {
      system: [],
      metric: ['api_calls', '--hours', '2'],
      errors: ['--hours', '24'],
      'error-group': [fp],
      'rows-around': ['6', '--before', '2', '--after', '2'],
      'fingerprint-counts': [fp, '--per', 'hour'],
      'past-incidents': [fp],
      'source-at': ['app/settings.py', '--line', '7', '--context', '2'],
      'search-code': ['voice_id'],
      'recent-changes': ['--hours', '2'],
      'show-change': [deploy.slice(0, 12), '--path', 'app/settings.py'],
    };
    expect(readdirSync(SCRIPTS).sort()).toEqual(Object.keys(args).sort());
    for (const [script, scriptArgs] of Object.entries(args)) {
      const result = await execa(`${SCRIPTS}${script}`, scriptArgs, {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', SENTINEL_CONFIG: configFile },
        extendEnv: false,
        reject: false,
      });
      expect(result.exitCode, `${script}: ${result.stderr}`).toBe(0);
      expect(result.stdout.split('\n')[0]!.length, script).toBeGreaterThan(10);
    }
    const unknown = await execa(`${SCRIPTS}error-group`, ["x' OR 1=1 --"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', SENTINEL_CONFIG: configFile },
      extendEnv: false,
      reject: false,
    });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });
});
