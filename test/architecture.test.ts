import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));
const filesIn = (dir: string) => readdirSync(join(src, dir)).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));

describe('architecture', () => {
  it.each(filesIn('core'))('%s is pure: no I/O, no processes, no clock, no adapters', (file) => {
    const text = readFileSync(join(src, file), 'utf8');
    expect(text).not.toMatch(/from '(node:)?(fs|fs\/promises|child_process|net|http|https|os)'/);
    expect(text).not.toMatch(/from '(better-sqlite3|execa)'/);
    expect(text).not.toMatch(/from '\.\.\/(adapters|commands|stages|analysis)\//);
    expect(text).not.toMatch(/Date\.now\(\)|new Date\(\)|process\.(env|argv|exit)/);
  });

  it.each([...filesIn('commands'), ...filesIn('stages'), ...filesIn('adapters'), ...filesIn('core')])('%s leaves the process to cli.ts', (file) => {
    expect(readFileSync(join(src, file), 'utf8')).not.toMatch(/process\.(exit|argv)/);
  });
});
