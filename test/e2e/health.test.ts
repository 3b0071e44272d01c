import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { writeLogDb, type RowSpec } from '../analysis/support.js';
import { startFakeAnthropic, type FakeTurn } from '../fakes/fake-anthropic.js';
import { startFakeNtfy } from '../fakes/fake-ntfy.js';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const MINUTE = 60_000;
// The system series judge this machine's real load: a test machine busy for 15 minutes (more than
// 2 per core, sentinel's threshold) rightly makes "load per core" concerning.
const machineOverloaded = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[2]) / Math.max(1, cpus().length) > 2;

const ANSWER = {
  verdict: 'real_issue',
  severity: 'high',
  title: 'TTS queue backs up past its capacity',
  summary: 'The TTS queue went from its usual 7–13 jobs to 180 within minutes, above its capacity of 100.',
  root_cause: { status: 'hypothesis', text: 'Workers stopped draining the queue.' },
  evidence: [{ tool: 'metric', finding: 'queue_depth 180 against a usual 7–13 over three days' }],
  actions: ['Check the TTS workers', 'Scale the worker pool'],
  suggested_ignore: [],
  confidence: 0.6,
};

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** Three days of history every 5 minutes, written straight into the sink's table (loguru would
 * stamp them all with the current time): queue depth about 10, about 20 Inworld calls. */
function backfill(db: string, now: number): void {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const rows: RowSpec[] = [];
  for (let t = now - 3 * 24 * 60 * MINUTE; t < now - 2 * MINUTE; t += 5 * MINUTE) {
    rows.push({
      time: t,
      level: 'INFO',
      message: 'queue depth',
      name: 'app.queue',
      extra: JSON.stringify({ depth: Math.round(7 + rand() * 6) }),
    });
    const calls = Math.round(18 + rand() * 4);
    for (let i = 0; i < calls; i++)
      rows.push({ time: t + i * 1000, level: 'INFO', message: 'api call', name: 'app.tts', extra: JSON.stringify({ api: 'inworld' }) });
  }
  writeLogDb(db, rows);
}

async function setup(opts: { claude?: Record<string, unknown>; turns?: FakeTurn[]; depths: number[] }) {
  const api = await startFakeAnthropic(opts.turns ?? []);
  const ntfy = await startFakeNtfy();
  servers.push(api, ntfy);
  const project = makeProject({
    claude: { enabled: false, command: CLAUDE, timeout: '60s', ...opts.claude },
    notify: { ntfy: { url: ntfy.url, topic: 'sentinel-health' } },
    // No mounts: a nearly full disk on the test machine must not decide these tests.
    system: { mounts: [] },
    metrics: [
      {
        name: 'queue_depth',
        sql: "SELECT time, json_extract(extra, '$.depth') FROM logs WHERE message = 'queue depth' AND time >= :since",
        limit: 100,
      },
      { name: 'inworld_calls', count_where: "json_extract(extra, '$.api') = 'inworld'", bucket: '5m', limit: 100 },
    ],
  });
  backfill(project.db, Date.now());
  // The recent rows through real loguru, as the app writes them; one process each, so that every
  // reading gets its own millisecond (the judge keeps one value per timestamp).
  for (const depth of opts.depths)
    await writeWithLoguru(project.db, [{ level: 'INFO', message: 'queue depth', logger: 'app.queue', extra: { depth } }]);
  await writeWithLoguru(project.db, [{ level: 'INFO', message: 'api call', logger: 'app.tts', extra: { api: 'inworld' }, repeat: 5 }]);
  const env = { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: api.url, CLAUDE_CODE_MAX_RETRIES: '0' };
  const cli = async (...args: string[]) => {
    const result = await runCli(args, { cwd: project.dir, env, timeoutMs: 90_000 });
    expect(result.stderr).not.toMatch(/internal error/);
    return result;
  };
  const health = async () => {
    const result = await cli('health', '--json');
    expect(result.exitCode, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as {
      series: { key: string; verdict: string; alerted: boolean; points: number; reasons: string[] }[];
      incident: string | null;
      notified: number;
      investigation: string;
    };
  };
  expect((await cli('run')).exitCode).toBe(0); // records a system sample, counts the (zero) errors
  return { api, ntfy, ...project, cli, health };
}

const files = (dir: string) => (existsSync(join(dir, 'incidents')) ? readdirSync(join(dir, 'incidents')).sort() : []);

describe('sentinel health on a database written by real loguru', () => {
  it('a queue backing up → one Claude investigation → a health incident with its chart → one notification; a second run within the cooldown sends nothing', async () => {
    const t = await setup({
      claude: { enabled: true },
      turns: [
        { kind: 'tool_use', name: 'mcp__sentinel__metric', input: { name: 'queue_depth', hours: 24 } },
        { kind: 'structured_output', output: ANSWER },
      ],
      depths: [150, 160, 170, 180],
    });
    const overloaded = machineOverloaded();
    const first = await t.health();
    const verdicts = Object.fromEntries(first.series.map((s) => [s.key, s.verdict]));
    expect(verdicts).toMatchObject({
      'metric:queue_depth': 'concerning',
      'metric:inworld_calls': 'normal',
      'errors:error rows per hour': 'normal',
      'system:load per core': overloaded ? 'concerning' : 'warming_up',
    });
    expect(first.series.find((s) => s.key === 'system:load per core')!.points).toBe(2); // the sample `sentinel run` recorded, and now
    expect(first).toMatchObject({ investigation: 'claude', notified: 1 });

    const [incident, chart, ...rest] = files(t.dir)
      .filter((f) => !(overloaded && f.endsWith('-load-per-core.svg')))
      .sort((a, b) => a.length - b.length);
    expect(rest).toEqual([]);
    expect(incident).toMatch(/^\d{4}-\d{2}-\d{2}-health-tts-queue-backs-up-past-its-capacity\.md$/);
    expect(first.incident).toBe(join(t.dir, 'incidents', incident!));
    expect(chart).toBe(incident!.replace(/\.md$/, '-queue-depth.svg'));
    const report = readFileSync(join(t.dir, 'incidents', incident!), 'utf8');
    expect(report).toMatch(
      /^---\n[\s\S]*kind: health[\s\S]*severity: high[\s\S]*series:\n( {2}- system:load per core\n)? {2}- metric:queue_depth\n[\s\S]*---\n/,
    );
    expect(report).toContain(`](${chart})`);
    expect(report).toMatch(/queue_depth 1[5-8]0, \d+ % of its limit 100, at or above it/);
    expect(report).toContain('mcp__sentinel__metric'); // the tool Claude called, in the run details
    const svg = readFileSync(join(t.dir, 'incidents', chart!), 'utf8');
    expect(svg).toMatch(/^<svg [\s\S]*fill="#e5484d" fill-opacity="0.18"[\s\S]*limit 100/); // flagged span and limit drawn

    const prompt = JSON.stringify(t.api.messageBodies()[0]);
    expect(prompt).toContain('queue_depth');
    expect(prompt).toContain('180');
    const offered = (t.api.messageBodies()[0]!.tools ?? []).map((tool) => tool.name);
    expect(offered).toEqual(
      expect.arrayContaining(['mcp__sentinel__metric', 'mcp__sentinel__system', 'mcp__sentinel__errors', 'mcp__sentinel__error_group']),
    );
    // `sentinel mcp` served the metric tool Claude asked for, from the same registry.
    expect(JSON.stringify(t.api.messageBodies()[1])).toMatch(/tool_result[^}]*queue_depth: concerning — /);

    expect(t.ntfy.messages).toHaveLength(1);
    expect(t.ntfy.messages[0]).toMatchObject({ title: ANSWER.title, priority: 4 });
    expect(t.ntfy.messages[0]!.message).toMatch(/queue_depth[\s\S]*[▁▂▃▄▅▆▇█]{10}/);

    const again = await t.health();
    expect(again.series.find((s) => s.key === 'metric:queue_depth')).toMatchObject({ verdict: 'concerning', alerted: false });
    expect(again).toMatchObject({ incident: null, notified: 0 });
    expect(t.api.messageBodies()).toHaveLength(2);
    expect(t.ntfy.messages).toHaveLength(1);
    expect(files(t.dir)).toHaveLength(overloaded ? 3 : 2); // the report and its chart(s)
  });

  it('with Claude disabled a concerning series still ends in a fallback health incident and one notification', async () => {
    const t = await setup({ depths: [150, 160, 170, 180] });
    const dry = await t.cli('health', '--dry-run', '--json');
    expect(JSON.parse(dry.stdout)).toMatchObject({
      incident: null,
      notified: 0,
      dry_run: true,
      series: expect.arrayContaining([expect.objectContaining({ key: 'metric:queue_depth', alerted: true })]),
    });
    expect(files(t.dir)).toEqual([]); // a dry run changes nothing, not even the cooldown
    const run = await t.health();
    expect(run).toMatchObject({ investigation: 'fallback', notified: 1 });
    const incident = files(t.dir).find((f) => f.endsWith('.md'))!;
    expect(incident).toMatch(/^\d{4}-\d{2}-\d{2}-health-concerning-(load-per-core-)?queue-depth\.md$/);
    const report = readFileSync(join(t.dir, 'incidents', incident), 'utf8');
    expect(report).toContain('Claude is disabled in the config');
    expect(report).toMatch(/### `metric queue_depth`\n\n```text\nqueue_depth: concerning/); // the analysis, run again, raw
    expect(report).toContain(`](${incident.replace(/\.md$/, '-queue-depth.svg')})`);
    expect(t.api.requests).toHaveLength(0);
    expect(t.ntfy.messages).toHaveLength(1);
    expect(t.ntfy.messages[0]).toMatchObject({ priority: 4 });
    expect(t.ntfy.messages[0]!.title).toMatch(/^Concerning: .*queue_depth$/);
  });

  it('a database where everything is as usual: exit 0, no incident, no notification', async (context) => {
    if (machineOverloaded()) context.skip('this machine has been loaded above 2 per core for 15 minutes: its load is rightly concerning');
    const t = await setup({ depths: [9, 11, 10, 12] });
    expect((await t.cli('run', '--dry-run')).exitCode).toBe(0); // records no system sample
    const run = await t.health();
    expect(run.series.find((s) => s.key === 'system:load per core')!.points).toBe(2);
    // Two system samples are no baseline yet: warming up, which is not "normal" and not concerning.
    expect(run.series.filter((s) => s.verdict !== 'normal').every((s) => s.verdict === 'warming_up' && s.key.startsWith('system:'))).toBe(
      true,
    );
    expect(run).toMatchObject({ incident: null, notified: 0, investigation: 'none' });
    expect(files(t.dir)).toEqual([]);
    expect(t.ntfy.messages).toHaveLength(0);
    const text = await t.cli('health');
    const warming = run.series.filter((s) => s.verdict === 'warming_up').length;
    expect(text.stdout.split('\n')[0]).toBe(
      `health: ${run.series.length - warming} of ${run.series.length} series normal, ${warming} warming up`,
    );
    expect(text.stdout).toMatch(/^ {2}warming up \(0 of 24 h\) {2}system:load per core$/m);
  });
});
