import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));
const filesIn = (dir: string) =>
  readdirSync(join(src, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));

describe('architecture', () => {
  it.each(filesIn('core'))('%s is pure: no I/O, no processes, no clock, no adapters', (file) => {
    const text = readFileSync(join(src, file), 'utf8');
    expect(text).not.toMatch(/from '(node:)?(fs|fs\/promises|child_process|net|http|https|os)'/);
    expect(text).not.toMatch(/from '(better-sqlite3|execa)'/);
    expect(text).not.toMatch(/from '\.\.\/(adapters|commands|stages|analysis)\//);
    expect(text).not.toMatch(/Date\.now\(\)|new Date\(\)|process\.(env|argv|exit)/);
  });

  it.each([...filesIn('commands'), ...filesIn('stages'), ...filesIn('adapters'), ...filesIn('core')])(
    '%s leaves the process to cli.ts',
    (file) => {
      expect(readFileSync(join(src, file), 'utf8')).not.toMatch(/process\.(exit|argv)/);
    },
  );
});

// Every relative import, static or dynamic, type-only included: a type in the wrong file is a cycle too.
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(src, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts')) files.push(path);
    }
  };
  walk('');
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(src, file), 'utf8');
    const targets = [...text.matchAll(/(?:from\s+|import\()'(\.{1,2}\/[^']+)'/g)].map((m) =>
      posix.join(posix.dirname(file), m[1]!.replace(/\.js$/, '.ts')),
    );
    graph.set(file, targets);
  }
  return graph;
}

/** The files of each import cycle (Tarjan's strongly connected components of more than one file). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

// What each layer may import, besides itself (docs/architecture.md): never the layer above it.
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  adapters: ['core'],
  analysis: ['core', 'adapters'],
  stages: ['core', 'adapters', 'analysis'],
  commands: ['core', 'adapters', 'analysis', 'stages'],
};

describe('import graph', () => {
  const graph = importGraph();

  it('has no cycle', () => {
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    expect(
      cyclesOf(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['c.ts']],
          ['c.ts', ['a.ts']],
          ['d.ts', ['a.ts']],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('has no import from a layer above', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const layer = file.split('/')[0]!;
      const allowed = MAY_IMPORT[layer];
      if (!allowed) continue;
      for (const target of targets) {
        const to = target.split('/')[0]!;
        if (to !== layer && !allowed.includes(to)) upward.push(`${file} → ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });
});

describe('databases', () => {
  const layers = ['core', 'adapters', 'analysis', 'stages', 'commands'];
  const files = layers.flatMap(filesIn);

  it('only three adapters open a SQLite database: the log database opener, the state store and the run lock', () => {
    const opening = files.filter((file) => /^import Database from 'better-sqlite3'/m.test(readFileSync(join(src, file), 'utf8')));
    expect(opening.sort()).toEqual(['adapters/log-database.ts', 'adapters/run-lock.ts', 'adapters/state-store.ts']);
  });

  it("only the state store's files name state.db's tables in SQL", () => {
    const tables =
      /\b(FROM|INTO|UPDATE|JOIN)\s+(groups|group_hours|aliases|folds|rule_hits|rule_last_hit|runs|warnings|investigations|outbox|claude_calls|system_samples|health_alerts|autofix_jobs|meta)\b/;
    const store = ['adapters/state-store.ts', 'adapters/state-queue.ts', 'adapters/autofix-jobs.ts', 'adapters/state-schema.ts'];
    expect(files.filter((file) => !store.includes(file) && tables.test(readFileSync(join(src, file), 'utf8')))).toEqual([]);
  });
});
