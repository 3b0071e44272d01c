import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openParsedCache } from '../../src/adapters/parsed-cache.js';
import { tempDir } from '../support/temp.js';

describe('the parsed-file cache', () => {
  it('serves only the bytes and the build that parsed them', () => {
    const dir = tempDir('sentinel-parsed-cache-');
    const cli = join(dir, 'cli.js');
    writeFileSync(cli, '// the bundle\n');
    const cache = openParsedCache(join(dir, 'cache'), cli)!;
    cache.put('config', '/etc/sentinel/sentinel.yaml', 'a: 1\n', { a: 1 });
    expect(cache.get('config', '/etc/sentinel/sentinel.yaml', 'a: 1\n')).toEqual({ a: 1 });
    expect(cache.get('config', '/etc/sentinel/sentinel.yaml', 'a: 2\n')).toBeUndefined();
    expect(cache.get('config', '/srv/other/sentinel.yaml', 'a: 1\n')).toBeUndefined();
    // Another build (an upgrade, a rebuild after an edit) has another entry: it parses again.
    writeFileSync(cli, '// the bundle, rebuilt\n');
    expect(openParsedCache(join(dir, 'cache'), cli)!.get('config', '/etc/sentinel/sentinel.yaml', 'a: 1\n')).toBeUndefined();
  });

  it('is off without a cache directory or a bundle to identify the build by', () => {
    const dir = tempDir('sentinel-parsed-cache-');
    expect(openParsedCache(undefined, join(dir, 'cli.js'))).toBeNull();
    expect(openParsedCache(join(dir, 'cache'), join(dir, 'missing.js'))).toBeNull();
  });
});
