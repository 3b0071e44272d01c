import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const cwd = tempDir('sentinel-help-');

/** The README promises every command a --help with an example: the commands, as `sentinel --help` lists them. */
async function commands(prefix: string[] = []): Promise<string[][]> {
  const help = (await runCli([...prefix, '--help'], { cwd })).stdout;
  const section = /\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(help)?.[1] ?? '';
  const names = [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
  const found: string[][] = [];
  for (const name of names) {
    const sub = await commands([...prefix, name]);
    found.push(...(sub.length ? sub : [[...prefix, name]]));
  }
  return found;
}

describe('--help', () => {
  it('every command explains itself with an example', { timeout: 60_000 }, async () => {
    const all = await commands();
    expect(all.length).toBeGreaterThan(15);
    for (const command of all) {
      const result = await runCli([...command, '--help'], { cwd });
      expect(result.exitCode, command.join(' ')).toBe(0);
      expect(result.stdout, command.join(' ')).toMatch(/Example:\n {2}.*\bsentinel /);
    }
  });
});

describe('a reader that stops early', () => {
  it('`sentinel … | head` ends quietly, with no stack trace', async () => {
    const { execa } = await import('execa');
    // Far more output than a pipe buffers, so the write after `head` is gone really fails.
    const script = `yes 'user 42 logged in' | head -n 200000 | node "${CLI}" fingerprint | head -c 4`;
    const result = await execa('sh', ['-c', script], { cwd, reject: false });
    expect(result.stdout).toMatch(/^[0-9a-f]{4}$/);
    expect(result.stderr).toBe('');
  });
});

describe('analyze --help', () => {
  it('lists each built-in analysis with every argument its schema takes, and the defaults', async () => {
    const { createAnalyses } = await import('../../src/analysis/registry.js');
    const { parseConfig } = await import('../../src/core/config.js');
    const parsed = parseConfig({ source: { path: 'logs.db' }, code: { root: '.' } });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const help = (await runCli(['analyze', '--help'], { cwd })).stdout;
    for (const analysis of createAnalyses({ config: parsed.config, database: 'logs.db', env: {}, cwd })) {
      const line = new RegExp(`^ {2}${analysis.name} (.*)$`, 'm').exec(help)?.[1];
      expect(line, analysis.name).toBeDefined();
      for (const [key, field] of Object.entries(analysis.inputSchema.shape)) {
        const bare = ['fingerprint', 'id', 'name', 'file', 'pattern', 'commit'].includes(key);
        expect(line, `${analysis.name} ${key}`).toContain(bare ? key.toUpperCase() : `--${key}`);
        const fallback = (field as { def?: { defaultValue?: unknown } }).def?.defaultValue;
        if (fallback !== undefined)
          expect(line, `${analysis.name} ${key} default`).toMatch(new RegExp(`--${key} \\S+ \\(${String(fallback)}\\)`));
      }
    }
  });
});
