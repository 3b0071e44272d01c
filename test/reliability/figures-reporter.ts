import type { Reporter, TestModule } from 'vitest/node';
import './support/figures.js';

/** Prints the reliability table after the run, from the figures the tests recorded (task meta). */
export default class FiguresReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let kills = { total: 0, inClaude: 0, inDelivery: 0 };
    let killsSurvived = 0;
    let rows = { checked: 0, lost: 0, twice: 0 };
    let duplicates = 0;
    const faults = { passed: 0, total: 0 };
    const hostile = { passed: 0, total: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const figures = test.meta().reliability;
        if (!figures) continue;
        const passed = test.result().state === 'passed';
        // Several kill tests (SQLite, PostgreSQL): the table adds them up, it does not keep the last.
        if (figures.kills) {
          kills = {
            total: kills.total + figures.kills.total,
            inClaude: kills.inClaude + figures.kills.inClaude,
            inDelivery: kills.inDelivery + figures.kills.inDelivery,
          };
          if (passed) killsSurvived += figures.kills.total;
        }
        if (figures.rows)
          rows = {
            checked: rows.checked + figures.rows.checked,
            lost: rows.lost + figures.rows.lost,
            twice: rows.twice + figures.rows.twice,
          };
        if (figures.duplicates !== undefined) duplicates += figures.duplicates;
        if (figures.fault) {
          faults.total++;
          if (passed) faults.passed++;
        }
        if (figures.hostile) {
          hostile.total++;
          if (passed) hostile.passed++;
        }
      }
    }
    const lines = [
      [
        'kills survived',
        `${killsSurvived} of ${kills.total} (${kills.inClaude} inside the Claude investigation, ${kills.inDelivery} inside ntfy delivery)`,
      ],
      ['rows checked', String(rows.checked)],
      ['rows lost', String(rows.lost)],
      ['rows counted twice', String(rows.twice)],
      ['duplicate notifications', `${duplicates} (at most ${kills.total} allowed: one per kill)`],
      ['faults survived', `${faults.passed} of ${faults.total}`],
      ['hostile cases passed', `${hostile.passed} of ${hostile.total}`],
    ];
    const width = Math.max(...lines.map(([k]) => k!.length));
    process.stdout.write(`\nSentinel reliability\n${lines.map(([k, v]) => `  ${k!.padEnd(width)}  ${v}`).join('\n')}\n\n`);
  }
}
