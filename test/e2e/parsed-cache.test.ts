import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

const recorder = pathToFileURL(fileURLToPath(new URL('../fixtures/record-modules.mjs', import.meta.url))).href;

/** A run as the timer's unit starts it: systemd passes its CacheDirectory= as $CACHE_DIRECTORY. */
async function unitRun(dir: string, args: string[] = []) {
  const modules = join(dir, `modules-${Date.now()}-${Math.random()}.txt`);
  writeFileSync(modules, '');
  const result = await runCli(['run', '--json', ...args], {
    cwd: dir,
    env: { CACHE_DIRECTORY: join(dir, 'cache'), NODE_OPTIONS: `--import=${recorder}`, SENTINEL_TEST_MODULES: modules },
  });
  // The bundle keeps esbuild's `// node_modules/<package>/…` markers: which libraries the loaded chunks hold.
  const libraries = new Set<string>();
  const files = readFileSync(modules, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:') && u.includes('/dist/'));
  for (const url of files) {
    for (const [, name] of readFileSync(fileURLToPath(url), 'utf8').matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) {
      libraries.add(name!);
    }
  }
  return { ...result, libraries, files };
}

const parsedEntries = (dir: string) => (existsSync(join(dir, 'cache', 'parsed')) ? readdirSync(join(dir, 'cache', 'parsed')).sort() : []);

describe('the parsed config and ignore file, kept between the timer’s runs', () => {
  it('lets a quiet run skip the YAML parser and zod, and parses again what was edited', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'INFO', message: 'started' }]);
    const first = await unitRun(dir);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.libraries).toContain('yaml');
    expect(first.libraries).toContain('zod');
    expect(parsedEntries(dir)).toEqual([expect.stringMatching(/^config-\w+\.json$/), expect.stringMatching(/^ignore-\w+\.json$/)]);

    const quiet = await unitRun(dir);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(JSON.parse(quiet.stdout).rows_read).toBe(0);
    expect([...quiet.libraries]).not.toContain('yaml');
    expect([...quiet.libraries]).not.toContain('zod');
    // Each ES module costs Node 20 ~0.5 ms to resolve: the run's own modules come in one chunk (build.mjs).
    expect(quiet.files.length, quiet.files.join('\n')).toBeLessThanOrEqual(5);

    // An ignore rule written by hand applies at the next run, cache or not.
    writeFileSync(join(dir, 'ignore.yaml'), '- id: vendor-noise\n  match: {logger: "app.vendor*"}\n  reason: the vendor SDK chatters\n');
    await writeWithLoguru(db, [
      { level: 'WARNING', message: 'retrying socket', logger: 'app.vendor.sdk', repeat: 3 },
      { level: 'ERROR', message: 'payment failed', logger: 'app.billing' },
    ]);
    const edited = await unitRun(dir);
    expect(edited.exitCode, edited.stderr).toBe(0);
    expect(JSON.parse(edited.stdout)).toMatchObject({ rows_read: 4, ignored: 3 });

    // A config broken after a good one was cached is still a config error, not the old config.
    const configFile = join(dir, 'sentinel.yaml');
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('claude:', 'claude:\n  max_turns: none'));
    const broken = await unitRun(dir);
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toMatch(/sentinel\.yaml: claude\.max_turns/);
  });

  it('treats a damaged entry as a miss and writes it again', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'disk full' }]);
    expect((await unitRun(dir)).exitCode).toBe(0);
    for (const entry of parsedEntries(dir)) writeFileSync(join(dir, 'cache', 'parsed', entry), '{"key": "not this one"');
    const again = await unitRun(dir);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.libraries).toContain('zod');
    for (const entry of parsedEntries(dir))
      expect(() => JSON.parse(readFileSync(join(dir, 'cache', 'parsed', entry), 'utf8'))).not.toThrow();
    expect((await unitRun(dir)).libraries).not.toContain('zod');
  });

  it('is not written by a dry run', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'disk full' }]);
    const dry = await unitRun(dir, ['--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(parsedEntries(dir)).toEqual([]);
  });
});
