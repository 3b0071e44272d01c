import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';
import { generateStorm, STORM_PROBLEMS, type StormRow } from '../support/storm.js';

interface RunJson {
  groups: { fingerprint: string; count: number; template: string; trigger: string | null }[];
  incident: string | null;
}

const ROWS = 1200;
const PROBLEMS = STORM_PROBLEMS.length;

async function run(dir: string): Promise<RunJson> {
  const result = await runCli(['run', '--json'], { cwd: dir });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunJson;
}

// A group's template as a pattern over raw messages: masked values, `<*>` and redactions match anything.
const patternOf = (template: string) =>
  new RegExp(
    `^${template
      .split(/(<[a-z*]+>|\[REDACTED:[a-z_]+\])/)
      .map((part, i) => (i % 2 ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );

/** Which problems' rows each group's template matches: one problem per group, all its rows, or a wrong merge. */
function problemsPerGroup(groups: RunJson['groups'], rows: StormRow[]) {
  return groups.map((group) => {
    const pattern = patternOf(group.template);
    const matched = rows.filter((r) => pattern.test(r.message.replace(/\s+/g, ' ')));
    return { group, problems: new Set(matched.map((r) => r.problem)), rows: matched.length };
  });
}

describe(`a storm of ${PROBLEMS} problems with fresh ids on every run, written by real loguru`, () => {
  it('is one group per problem on the first run, later runs trigger nothing new, one incident in all, look-alikes apart', async () => {
    const { dir, db } = makeProject();
    const figures: string[] = [];
    let incidents = 0;
    for (const seed of [1, 2, 3, 4]) {
      const rows = generateStorm(seed, ROWS);
      await writeWithLoguru(
        db,
        rows.map(({ problem: _, ...spec }) => spec),
      );
      const result = await run(dir);
      const matched = problemsPerGroup(result.groups, rows);
      const merged = matched.filter((m) => m.problems.size > 1);
      const lookAlikeMerges = merged.filter((m) =>
        STORM_PROBLEMS.some((p) => p.lookAlike && m.problems.has(p.problem) && m.problems.has(p.lookAlike)),
      );
      const newGroups = result.groups.filter((g) => g.trigger === 'new').length;
      if (result.incident) incidents++;
      figures.push(
        `run ${seed}: ${result.groups.length} groups for ${PROBLEMS} problems (${(result.groups.length / PROBLEMS).toFixed(2)} per problem), ` +
          `${newGroups} triggered new, ${lookAlikeMerges.length} look-alike merges, ${merged.length} merges`,
      );
      expect(merged.map((m) => [m.group.template, [...m.problems]])).toEqual([]);
      // Every row is in the one group of its problem.
      for (const m of matched) expect(m.group.count).toBe(m.rows);
      if (seed === 1) expect(result.groups.length / PROBLEMS).toBeLessThanOrEqual(1.2);
      else expect(newGroups).toBe(0);
    }
    console.log(figures.join('\n'));
    expect(incidents).toBe(1);
    expect(readdirSync(join(dir, 'incidents')).filter((f) => f.endsWith('.md'))).toHaveLength(1);
  }, 120_000);

  it('folds a group of an earlier run once later rows show its word is an id; the incident and status say so', async () => {
    const { dir, db } = makeProject({ investigate: { cooldown: '1ms' } }); // so that the regressed survivor is reported at once
    const spec = (id: string) => ({ level: 'ERROR', message: `Export ${id} produced no output`, logger: 'app.export', function: 'finish' });
    // Two values, once each: nothing yet says the word is an id rather than one of two kinds of export.
    await writeWithLoguru(db, [spec('bravo-oscar-kilo'), spec('alpha-lima-echo')]);
    const first = await run(dir);
    expect(first.groups.map((g) => g.trigger)).toEqual(['new', 'new']);
    for (const g of first.groups) expect((await runCli(['resolve', g.fingerprint], { cwd: dir })).exitCode).toBe(0);

    await writeWithLoguru(db, ['delta-golf-papa', 'hotel-mike-romeo', 'india-tango-kilo'].map(spec));
    const second = await run(dir);
    expect(second.groups).toHaveLength(1);
    expect(second.groups[0]).toMatchObject({ count: 3, template: 'Export <*> produced no output', trigger: 'regressed' });
    const folded = first.groups.map((g) => g.fingerprint).filter((f) => f !== second.groups[0]!.fingerprint);
    expect(folded).toHaveLength(1);
    const incidents = readdirSync(join(dir, 'incidents'))
      .filter((f) => f.endsWith('.md'))
      .sort();
    expect(incidents).toHaveLength(2);
    expect(readFileSync(join(dir, 'incidents', incidents[1]!), 'utf8')).toContain(
      `1 splinter group folded into it by this run: \`${folded[0]}\``,
    );
    const status = await runCli(['status'], { cwd: dir });
    expect(status.stdout).toContain('groups  1; 1 splinter group folded into 1');
    expect(status.stdout).toMatch(new RegExp(`${second.groups[0]!.fingerprint} .* 5 .*\\(\\+1 folded\\)`));
  }, 60_000);
});
