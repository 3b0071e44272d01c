import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendIgnoreRule, loadIgnoreRules, removeIgnoreRule } from '../../src/adapters/ignore-file.js';
import { tempDir } from '../support/temp.js';

// The CLI runs with umask 077 (state and incidents are private). `sudo sentinel ignore add` on a
// root-owned /etc/sentinel/ignore.yaml (0644) must leave it readable by the service user.
describe('the ignore file keeps its permissions when rewritten', () => {
  let umask: number;
  beforeEach(() => {
    umask = process.umask(0o077);
  });
  afterEach(() => {
    process.umask(umask);
  });

  it('add and rm keep 0644', () => {
    const file = join(tempDir('ignore-'), 'ignore.yaml');
    writeFileSync(file, '# rules\n[]\n');
    chmodSync(file, 0o644);
    appendIgnoreRule(file, { id: 'rule-1', match: { logger: 'app.*' }, reason: 'noise' });
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(removeIgnoreRule(file, 'rule-1', 'rule-1 removed')).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(loadIgnoreRules(file)).toEqual([]);
  });

  it('a new file is readable by the service (0644), an operator-narrowed one stays narrow', () => {
    const dir = tempDir('ignore-');
    const fresh = join(dir, 'fresh.yaml');
    appendIgnoreRule(fresh, { id: 'rule-1', match: { logger: 'app.*' }, reason: 'noise' });
    expect(statSync(fresh).mode & 0o777).toBe(0o644);
    const narrow = join(dir, 'narrow.yaml');
    writeFileSync(narrow, '[]\n');
    chmodSync(narrow, 0o640);
    appendIgnoreRule(narrow, { id: 'rule-1', match: { logger: 'app.*' }, reason: 'noise' });
    expect(statSync(narrow).mode & 0o777).toBe(0o640);
  });
});
