import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIncidentWriter, listIncidents } from '../../src/adapters/incident-writer.js';
import { incidentsCommand, incidentsShowCommand } from '../../src/commands/incidents.js';
import type { CommandContext } from '../../src/core/types.js';
import { renderIncident, type IncidentInput } from '../../src/core/incident.js';
import { buildGroup, T0 } from '../support/groups.js';
import { makeProject } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function makeDir(): string {
  const dir = tempDir('sentinel-incidents-');
  dirs.push(dir);
  return join(dir, 'incidents');
}

function renderFallback(id: string, created: number, overrides: Partial<IncidentInput> = {}): string {
  return renderIncident({
    kind: 'incident',
    id,
    created,
    groups: [buildGroup()],
    window: { from: created - 3_600_000, to: created },
    diagnosis: { kind: 'fallback', why: { kind: 'disabled' }, analyses: [] },
    earlierFailures: [],
    costUsd: 0,
    ...overrides,
  });
}

describe('createIncidentWriter', () => {
  it('creates the directory and writes the file with mode 0600', () => {
    const dir = makeDir();
    const result = createIncidentWriter({ dir }).write('2026-05-01-incident-x.md', 'hello\n');
    expect(result).toEqual({ kind: 'written', path: join(dir, '2026-05-01-incident-x.md'), fileName: '2026-05-01-incident-x.md' });
    expect(readFileSync(join(dir, '2026-05-01-incident-x.md'), 'utf8')).toBe('hello\n');
    expect(statSync(join(dir, '2026-05-01-incident-x.md')).mode & 0o777).toBe(0o600);
  });

  it('never overwrites: the same name becomes -2, then -3, and the first files keep their content', () => {
    const dir = makeDir();
    const writer = createIncidentWriter({ dir, mode: 0o640 });
    const names = ['first', 'second', 'third'].map((text) => {
      const result = writer.write('2026-05-01-incident-x.md', text);
      return result.kind === 'written' ? result.fileName : result.reason;
    });
    expect(names).toEqual(['2026-05-01-incident-x.md', '2026-05-01-incident-x-2.md', '2026-05-01-incident-x-3.md']);
    expect(names.map((name) => readFileSync(join(dir, name), 'utf8'))).toEqual(['first', 'second', 'third']);
    expect(statSync(join(dir, names[2] ?? '')).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual([...names].sort()); // no temp file left behind
  });

  it('writes a health chart next to the incidents by the same rule: .svg, then -2.svg', () => {
    const dir = makeDir();
    const writer = createIncidentWriter({ dir });
    const names = ['<svg>1</svg>', '<svg>2</svg>'].map((svg) => {
      const result = writer.write('2026-05-01-health-x-queue-depth.svg', svg);
      return result.kind === 'written' ? result.fileName : result.reason;
    });
    expect(names).toEqual(['2026-05-01-health-x-queue-depth.svg', '2026-05-01-health-x-queue-depth-2.svg']);
    expect(readFileSync(join(dir, names[0]!), 'utf8')).toBe('<svg>1</svg>');
    expect(listIncidents(dir).incidents).toEqual([]); // charts are not incidents
  });

  it.each([['../escape.md'], ['a/b.md'], ['.hidden.md'], ['notes.txt'], ['chart.svg.sh'], ['']])('refuses the file name %j', (name) => {
    const dir = makeDir();
    expect(createIncidentWriter({ dir }).write(name, 'x')).toMatchObject({
      kind: 'failed',
      reason: expect.stringContaining('not a plain file name'),
    });
  });

  it('reports a directory it cannot create as a failure, not an exception', () => {
    const dir = makeDir();
    writeFileSync(`${dir}-file`, '');
    dirs.push(`${dir}-file`);
    const result = createIncidentWriter({ dir: join(`${dir}-file`, 'incidents') }).write('2026-05-01-incident-x.md', 'x');
    expect(result).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/cannot write an incident in .*: ENOTDIR/) });
  });
});

describe('listIncidents', () => {
  it('parses the front matter of each incident, newest first, and names the files it cannot read', () => {
    const dir = makeDir();
    const writer = createIncidentWriter({ dir });
    writer.write('2026-05-01-incident-older.md', renderFallback('inv-1', T0));
    writer.write('2026-05-02-incident-newer.md', renderFallback('inv-2', T0 + 86_400_000, { groups: [buildGroup({ levelNo: 50 })] }));
    writer.write('2026-05-02-health-disk.md', renderFallback('inv-3', T0 + 3_600_000, { kind: 'health' }));
    writer.write('2026-05-03-incident-broken.md', '# no front matter\n');
    writer.write('2026-05-03-incident-bad-yaml.md', '---\nid: [unclosed\n---\n');
    writer.write('README.md', 'not an incident');

    const { incidents, problems } = listIncidents(dir);
    expect(incidents.map((i) => [i.file, i.id, i.kind, i.severity, i.verdict, i.status])).toEqual([
      ['2026-05-02-incident-newer.md', 'inv-2', 'incident', 'high', 'unclear', 'open'],
      ['2026-05-02-health-disk.md', 'inv-3', 'health', 'high', 'unclear', 'open'],
      ['2026-05-01-incident-older.md', 'inv-1', 'incident', 'high', 'unclear', 'open'],
    ]);
    expect(incidents[0]).toMatchObject({ created: T0 + 86_400_000, title: 'New CRITICAL TimeoutError in app.jobs.tts' });
    expect(problems.sort((a, b) => a.file.localeCompare(b.file))).toEqual([
      { file: '2026-05-03-incident-bad-yaml.md', reason: expect.stringContaining('front matter is not YAML') },
      { file: '2026-05-03-incident-broken.md', reason: 'no front matter' },
    ]);
  });

  it('lists nothing when the directory does not exist yet', () => {
    expect(listIncidents(join(makeDir(), 'missing'))).toEqual({ incidents: [], problems: [] });
  });
});

describe('incidentsCommand', () => {
  function makeContext(cwd: string) {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CommandContext = {
      env: {},
      cwd,
      clock: { now: () => T0 },
      pid: process.pid,
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      progress: () => {},
      cliPath: 'dist/cli.js',
    };
    return { ctx, out, err };
  }

  it('prints one line per incident, newest first, and JSON with --json', async () => {
    const { dir, configFile } = makeProject();
    dirs.push(dir);
    const writer = createIncidentWriter({ dir: join(dir, 'incidents') });
    writer.write('2026-05-01-incident-a.md', renderFallback('inv-1', T0));
    writer.write('2026-05-02-incident-b.md', renderFallback('inv-2', T0 + 86_400_000, { groups: [buildGroup({ levelNo: 30 })] }));
    writer.write('2026-05-03-incident-c.md', 'garbage');

    const text = makeContext(dir);
    expect(await incidentsCommand({ config: configFile }, text.ctx)).toBe(0);
    expect(text.out).toEqual([
      `2026-05-02 12:00  inv-2         low       unclear     ${'New WARNING TimeoutError in app.jobs.tts'.padEnd(60)}  2026-05-02-incident-b.md`,
      `2026-05-01 12:00  inv-1         high      unclear     ${'New ERROR TimeoutError in app.jobs.tts'.padEnd(60)}  2026-05-01-incident-a.md`,
    ]);
    expect(text.err).toEqual(['sentinel: warning: 2026-05-03-incident-c.md: no front matter']);

    const json = makeContext(dir);
    await incidentsCommand({ config: configFile, json: true }, json.ctx);
    expect(JSON.parse(json.out[0] ?? '')).toMatchObject([{ id: 'inv-2', created: '2026-05-02T12:00:00.000Z' }, { id: 'inv-1' }]);
  });

  it('shows a file with the control characters a hand edit let in stripped, bidi controls and escapes too', async () => {
    const { dir, configFile } = makeProject();
    dirs.push(dir);
    const file = renderFallback('inv-1', T0).replace('## Summary', '## Summary\n\x1b[31mred\x1b[0m paid \u202e01$\u202c, ref 42\u200f7\r');
    createIncidentWriter({ dir: join(dir, 'incidents') }).write('2026-05-01-incident-a.md', file);
    const { ctx, out } = makeContext(dir);
    expect(await incidentsShowCommand({ config: configFile, ref: 'inv-1' }, ctx)).toBe(0);
    expect(out[0]).toContain('## Summary\nred paid 01$, ref 427\n');
  });

  it('says so when there are no incidents', async () => {
    const { dir, configFile } = makeProject();
    dirs.push(dir);
    const { ctx, out } = makeContext(dir);
    await incidentsCommand({ config: configFile }, ctx);
    expect(out).toEqual([`no open incidents in ${join(dir, 'incidents')}`]);
  });
});
