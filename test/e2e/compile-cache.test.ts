import module from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const hasCompileCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

// CI runs this on Node 20 (no compile cache) and on Node 22 and 24 (the cache in the unit's CacheDirectory=).
describe('the compile cache', () => {
  it(
    hasCompileCache ? 'is kept in $CACHE_DIRECTORY, where systemd keeps it between runs' : 'is not asked for on a Node without one',
    async () => {
      const dir = tempDir('sentinel-compile-cache-');
      const result = await runCli(['fingerprint'], { cwd: dir, env: { CACHE_DIRECTORY: join(dir, 'cache') }, input: 'Job 42 failed\n' });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toContain('Job');
      const cache = join(dir, 'cache', 'node-compile-cache');
      if (hasCompileCache) expect(readdirSync(cache).length).toBeGreaterThan(0);
      else expect(existsSync(cache)).toBe(false);
    },
  );
});
