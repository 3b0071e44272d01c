// Groups a Loghub `lines.tsv` (EventId<TAB>Content) as one run of `sentinel run` groups its rows:
// every line through the learner, its decision, then each line's group. Prints one group id per
// line for `grouping_accuracy.py`. Usage:
//   node dist/bench/loghub-accuracy.js <Dataset>/lines.tsv > <Dataset>.groups
import { readFileSync } from 'node:fs';
import { createTemplateLearner } from '../core/template.js';

/** One group id per Content line; the same key always gets the same id. */
function groupLines(contents: readonly string[]): string[] {
  const learner = createTemplateLearner();
  for (const content of contents) learner.templateOf(content);
  learner.decide();
  const ids = new Map<string, string>();
  return contents.map((content) => {
    const { key } = learner.lookup(content);
    let id = ids.get(key);
    if (id === undefined) {
      id = `G${ids.size + 1}`;
      ids.set(key, id);
    }
    return id;
  });
}

/** The Content column of a Loghub lines.tsv (text after the first TAB). */
function readContents(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => line.slice(line.indexOf('\t') + 1).replace(/\r$/, ''));
}

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: loghub-accuracy <Dataset>/lines.tsv\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${groupLines(readContents(path)).join('\n')}\n`);
}
