import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Times move with the clock the demo starts at; everything else is the demo's own (a seeded PRNG). */
const normalise = (line: string) =>
  line
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g, '<time>')
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?Z/g, '<time>')
    .trimEnd();

/** Each README line, in order, is a line of the file; `…` skips lines, a line ending in `…` is a prefix. */
function findMismatch(example: string[], written: string[]): string | null {
  let at = 0;
  for (const line of example.map(normalise).filter((l) => l !== '' && l !== '…')) {
    const prefix = line.endsWith('…') ? line.slice(0, -1) : null;
    while (at < written.length && !(prefix === null ? written[at] === line : written[at]!.startsWith(prefix))) at++;
    if (at === written.length) return line;
    at++;
  }
  return null;
}

describe("the README's incident example", () => {
  it('is what `npm run demo` writes today', { timeout: 120_000 }, async () => {
    const demo = await execa('node', [join(root, 'dist', 'demo', 'demo.js')], { cwd: root, reject: false });
    expect(demo.exitCode, demo.stderr).toBe(0);
    const dir = join(root, 'demo', 'incidents');
    const file = readdirSync(dir).find((name) => /-incident-.*\.md$/.test(name))!;
    const written = readFileSync(join(dir, file), 'utf8').split('\n').map(normalise);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## What an incident looks like[\s\S]*?\n`````markdown\n([\s\S]*?)\n`````\n/.exec(readme)?.[1];
    expect(example, 'the example block in README.md').toBeDefined();
    expect(findMismatch(example!.split('\n'), written), 'the first README line the demo does not write').toBeNull();
  });
});
