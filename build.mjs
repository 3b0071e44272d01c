// `npm run build`: the CLI, then the bench and demo entries, bundled by esbuild into dist/.
//
// The timer's `sentinel run` finds nothing new most of the time, and Node 20 spends about half a
// millisecond resolving each ES module it loads. Split by which commands share them, the run's
// modules came in 36 chunks. So every lazily loaded module (each command, and what a command loads only
// when needed) first imports the run command: the run's modules are then shared by all of them alike,
// and esbuild puts them in one chunk. Those commands load better-sqlite3 and the state store anyway,
// most of what the run's modules cost. The commands that never open the state (`fingerprint`,
// `judge`) keep their own smaller graphs; what they share with the run is one chunk more.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';

const common = {
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outdir: 'dist',
  outbase: 'src',
  external: ['better-sqlite3', 'pg'],
  sourcemap: true,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
  },
};
const runCommand = resolve('src/commands/run.ts');
const stateStore = resolve('src/adapters/state-store.ts');

const { metafile } = await build({ ...common, entryPoints: ['src/cli.ts'], write: false, metafile: true, sourcemap: false });
const imports = new Map(Object.entries(metafile.inputs).map(([file, input]) => [resolve(file), input.imports]));
/** The files `file` loads at once: its static imports, followed. */
function loadedWith(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const i of imports.get(file) ?? []) if (i.kind === 'import-statement' && !i.external) loadedWith(resolve(i.path), seen);
  return seen;
}
const lazy = new Set([...imports.values()].flat().flatMap((i) => (i.kind === 'dynamic-import' && !i.external ? [resolve(i.path)] : [])));
const runModules = loadedWith(runCommand);
const commands = new Set(imports.get(resolve('src/cli.ts')).flatMap((i) => (i.kind === 'dynamic-import' ? [resolve(i.path)] : [])));
// Neither a module of the run's own graph (it has the run's modules already: importing the run would
// make a cycle) nor a command that never opens the state.
const importsRunFirst = new Set(
  [...lazy].filter((file) => !runModules.has(file) && !(commands.has(file) && !loadedWith(file).has(stateStore))),
);

await rm('dist', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  plugins: [
    {
      name: 'run-modules-in-one-chunk',
      setup(esbuild) {
        // On the file's first line, so that its source map still points at the right lines.
        esbuild.onLoad({ filter: /\.ts$/ }, async ({ path }) =>
          importsRunFirst.has(path)
            ? { contents: `import ${JSON.stringify(runCommand)}; ${await readFile(path, 'utf8')}`, loader: 'ts' }
            : undefined,
        );
      },
    },
  ],
});
// Built apart, so that what they share with the CLI does not split its chunks again.
await build({
  ...common,
  entryPoints: ['src/bench/bench.ts', 'src/bench/nab-eval.ts', 'src/bench/loghub-accuracy.ts', 'src/demo/demo.ts'],
});
