import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Answer } from '../../src/core/answer.js';
import { incidentFileName, renderIncident, slugify, summariseIncident, type IncidentInput } from '../../src/core/incident.js';
import { deriveFallbackSeverity, renderIgnoreCommands } from '../../src/core/incident-groups.js';
import { buildSilenceGroup } from '../../src/core/silence.js';
import { scanMarkdown } from '../support/markdown-fences.js';
import { buildGroup, T0 } from '../support/groups.js';

const answer: Answer = {
  verdict: 'real_issue',
  severity: 'high',
  title: 'Gemini 429s stall the TTS queue',
  summary: 'Since 11:00 the TTS workers hit Gemini rate limits; 42 jobs failed.',
  root_cause: { text: 'The workers send more than the 60 requests a minute the quota allows.', status: 'hypothesis' },
  evidence: [{ tool: 'mcp__sentinel__metric', finding: 'gemini_rpm peaked at 61 against a limit of 60' }],
  actions: ['Lower the TTS worker concurrency from 8 to 4'],
  suggested_ignore: [{ match: { message: "^Retrying (gemini|inworld)'s call" }, reason: "retries are expected, they're fine" }],
  confidence: 0.7,
};

function buildInput(overrides: Partial<IncidentInput> = {}): IncidentInput {
  return {
    kind: 'incident',
    id: 'inv-17',
    created: T0,
    groups: [buildGroup()],
    window: { from: T0 - 3_600_000, to: T0 },
    diagnosis: {
      kind: 'claude',
      answer,
      run: {
        model: 'sonnet',
        numTurns: 5,
        costUsd: 0.1234,
        durationMs: 42_500,
        toolCalls: [{ name: 'mcp__sentinel__metric', input: { name: 'gemini_rpm', window: '1h' }, isError: false }],
      },
    },
    earlierFailures: ['claude timed out after 600 s and was killed (3 tool calls)'],
    costUsd: 0.2,
    ...overrides,
  };
}

const frontMatterOf = (doc: string) => parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(doc)?.[1] ?? '') as Record<string, unknown>;
const headingsOf = (doc: string) => scanMarkdown(doc).outside.filter((line) => /^#{1,6} /.test(line));

describe('renderIncident', () => {
  it('renders a diagnosed incident', () => {
    expect(renderIncident(buildInput())).toMatchInlineSnapshot(`
      "---
      id: inv-17
      kind: incident
      created: 2026-05-01T12:00:00Z
      status: open
      title: Gemini 429s stall the TTS queue
      severity: high
      verdict: real_issue
      trigger: new
      fingerprints:
        - 3f2a9c0d1e4b5a69
      groups: 1
      rows: 42
      window:
        from: 2026-05-01T11:00:00Z
        to: 2026-05-01T12:00:00Z
      diagnosis: done
      model: sonnet
      cost_usd: 0.2
      ---

      # Gemini 429s stall the TTS queue

      severity **high** · verdict **real issue** · confidence 70% · 1 group (1 new), 42 rows · 2026-05-01T11:00:00Z to 2026-05-01T12:00:00Z

      ## Summary

      Since 11:00 the TTS workers hit Gemini rate limits; 42 jobs failed.

      ## Root cause (hypothesis)

      The workers send more than the 60 requests a minute the quota allows.

      ## Evidence

      - \`mcp__sentinel__metric\`: gemini_rpm peaked at 61 against a limit of 60

      ## Suggested actions

      1. Lower the TTS worker concurrency from 8 to 4

      ## Error groups

      | # | trigger | level | rows | first seen | last seen | fingerprint | template |
      |---|---|---|---:|---|---|---|---|
      | 1 | new | ERROR | 42 | 2026-05-01T11:00:00Z | 2026-05-01T11:59:00Z | \`3f2a9c0d1e4b5a69\` | \`Timeout after <*>s calling <*>\` |

      ### Group 1: \`3f2a9c0d1e4b5a69\`

      42 rows, trigger new: never seen before.

      \`\`\`text
      template: Timeout after <*>s calling <*>
      exception: TimeoutError
      logger: app.jobs.tts
      function: synthesize
      \`\`\`

      Row 1001 at 2026-05-01T11:00:00Z:

      \`\`\`text
      Timeout after 30s calling gemini
      \`\`\`

      Traceback:

      \`\`\`text
      Traceback (most recent call last):
        File "tts.py", line 12, in synthesize
      TimeoutError: 30s
      \`\`\`

      Extra:

      \`\`\`json
      {"job": 17, "api": "gemini"}
      \`\`\`

      ## Suggested ignore rules

      Suggested by the model: read them before running them.

      \`\`\`sh
      sentinel ignore add --message='^Retrying (gemini|inworld)'\\''s call' --reason='retries are expected, they'\\''re fine'
      \`\`\`

      ## Run details

      - Model \`sonnet\`, 5 turns, $0.1234, 42.5 s
      - Tool calls: 1
      - Total cost of this investigation: $0.2000
      - Attempt 1 failed: claude timed out after 600 s and was killed (3 tool calls)

      \`\`\`text
      1. mcp__sentinel__metric {"name":"gemini_rpm","window":"1h"}
      \`\`\`

      ## Ignore a group

      \`\`\`sh
      # 1. ERROR, 42 rows
      sentinel ignore add --from-group 3f2a9c0d1e4b5a69 --reason 'why this is not worth an alert'
      \`\`\`
      "
    `);
  });

  it('renders the fallback report with the analyses and why there is no diagnosis', () => {
    const input = buildInput({
      diagnosis: {
        kind: 'fallback',
        why: { kind: 'failed', attempts: 3, reason: 'claude failed (error_during_execution, HTTP 529, exit code 1): Overloaded' },
        analyses: [{ tool: 'group_detail', text: 'hour                 rows\n2026-05-01T11:00Z      42\n' }],
      },
      costUsd: 0.05,
    });
    expect(renderIncident(input)).toMatchInlineSnapshot(`
      "---
      id: inv-17
      kind: incident
      created: 2026-05-01T12:00:00Z
      status: open
      title: New ERROR TimeoutError in app.jobs.tts
      severity: high
      verdict: unclear
      trigger: new
      fingerprints:
        - 3f2a9c0d1e4b5a69
      groups: 1
      rows: 42
      window:
        from: 2026-05-01T11:00:00Z
        to: 2026-05-01T12:00:00Z
      diagnosis: none
      model: null
      cost_usd: 0.05
      ---

      # New ERROR TimeoutError in app.jobs.tts

      severity **high** · verdict **unclear** · 1 group (1 new), 42 rows · 2026-05-01T11:00:00Z to 2026-05-01T12:00:00Z

      **No diagnosis:** Claude failed after 3 attempts: claude failed (error_during_execution, HTTP 529, exit code 1): Overloaded

      ## Summary

      1 group (1 new), 42 rows between 2026-05-01T11:00:00Z and 2026-05-01T12:00:00Z. Severity derived from the groups: ERROR group \`3f2a9c0d1e4b5a69\` is new.

      ## Analyses (raw output)

      ### \`group_detail\`

      \`\`\`text
      hour                 rows
      2026-05-01T11:00Z      42
      \`\`\`

      ## Error groups

      | # | trigger | level | rows | first seen | last seen | fingerprint | template |
      |---|---|---|---:|---|---|---|---|
      | 1 | new | ERROR | 42 | 2026-05-01T11:00:00Z | 2026-05-01T11:59:00Z | \`3f2a9c0d1e4b5a69\` | \`Timeout after <*>s calling <*>\` |

      ### Group 1: \`3f2a9c0d1e4b5a69\`

      42 rows, trigger new: never seen before.

      \`\`\`text
      template: Timeout after <*>s calling <*>
      exception: TimeoutError
      logger: app.jobs.tts
      function: synthesize
      \`\`\`

      Row 1001 at 2026-05-01T11:00:00Z:

      \`\`\`text
      Timeout after 30s calling gemini
      \`\`\`

      Traceback:

      \`\`\`text
      Traceback (most recent call last):
        File "tts.py", line 12, in synthesize
      TimeoutError: 30s
      \`\`\`

      Extra:

      \`\`\`json
      {"job": 17, "api": "gemini"}
      \`\`\`

      ## Run details

      - Total cost of this investigation: $0.0500
      - Attempt 1 failed: claude timed out after 600 s and was killed (3 tool calls)

      ## Ignore a group

      \`\`\`sh
      # 1. ERROR, 42 rows
      sentinel ignore add --from-group 3f2a9c0d1e4b5a69 --reason 'why this is not worth an alert'
      \`\`\`
      "
    `);
  });
});

describe('renderIncident with hostile model text', () => {
  const hostileTitle = 'x: "y"\n---\nid: evil\n# Heading | cell \u202e ```';
  const hostile: Answer = {
    ...answer,
    title: hostileTitle.slice(0, 120),
    summary: 'fine\n```\n## Fake section\n',
    root_cause: { text: '~~~~\nstill prose\n===', status: 'confirmed' },
    actions: ['# not a heading', '```sh\nrm -rf /\n'],
    evidence: [{ tool: 'a`b', finding: 'line one\n## Two' }],
  };
  const doc = renderIncident(
    buildInput({ diagnosis: { ...(buildInput().diagnosis as Extract<IncidentInput['diagnosis'], { kind: 'claude' }>), answer: hostile } }),
  );

  it('keeps the front matter intact and the title on one line', () => {
    const front = frontMatterOf(doc);
    expect(front).toMatchObject({ id: 'inv-17', status: 'open', severity: 'high', verdict: 'real_issue' });
    expect(front.title).toBe('x: "y" --- id: evil # Heading ¦ cell ```');
  });

  it('keeps the document structure: the same headings, no fence left open', () => {
    expect(headingsOf(doc)).toEqual([
      '# x: "y" --- id: evil # Heading ¦ cell ```',
      '## Summary',
      '## Root cause (confirmed by the evidence)',
      '## Evidence',
      '## Suggested actions',
      '## Error groups',
      '### Group 1: `3f2a9c0d1e4b5a69`',
      '## Suggested ignore rules',
      '## Run details',
      '## Ignore a group',
    ]);
    expect(doc.endsWith('```\n')).toBe(true);
    expect(scanMarkdown(`${doc}\n## After`).outside.at(-1)).toBe('## After');
  });
});

describe('renderIncident with hostile log text', () => {
  const group = buildGroup({
    template: '| pipe ``` ## Heading',
    samples: [{ id: 7, time: T0, message: '```\n## Injected\n~~~~', exception: '`'.repeat(20), extra: '```json' }],
  });
  const doc = renderIncident(buildInput({ groups: [group] }));

  it('keeps every piece of log text inside a fence or a code span', () => {
    expect(headingsOf(doc)).not.toContain('## Injected');
    expect(scanMarkdown(doc).blocks.map((b) => b.body)).toEqual(
      expect.arrayContaining(['```\n## Injected\n~~~~', '`'.repeat(20), '```json']),
    );
    const row = doc.split('\n').find((line) => line.startsWith('| 1 |')) ?? '';
    expect(row.split('|').length).toBe(10); // the template's | did not add a column
  });
});

describe('renderIncident bounds', () => {
  it('lists 50 groups, shows samples of 10, and lists 50 tool calls of 200', () => {
    const groups = Array.from({ length: 500 }, (_, i) => buildGroup({ fingerprint: `fp-${i}`, count: 1000 - i }));
    const base = buildInput().diagnosis as Extract<IncidentInput['diagnosis'], { kind: 'claude' }>;
    const toolCalls = Array.from({ length: 200 }, (_, i) => ({
      name: 'mcp__sentinel__rows',
      input: { id: i, pad: 'x'.repeat(4000) },
      isError: i === 0,
    }));
    const doc = renderIncident(buildInput({ groups, diagnosis: { ...base, run: { ...base.run, toolCalls } } }));
    expect(doc.split('\n').filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(50);
    expect(doc).toContain('… and 450 more groups');
    expect(headingsOf(doc).filter((h) => h.startsWith('### Group'))).toHaveLength(10);
    expect(doc).toContain('1. mcp__sentinel__rows {"id":0,"pad":"xxx');
    expect(doc).toContain('[error]');
    expect(doc).toContain('… and 150 more');
    expect(frontMatterOf(doc).fingerprints).toHaveLength(100);
    expect(frontMatterOf(doc).groups).toBe(500);
    expect(doc.length).toBeLessThan(120_000);
  });
});

describe('slugify and incidentFileName', () => {
  it.each([
    ['Gemini 429s stall the TTS queue', 'gemini-429s-stall-the-tts-queue'],
    ['../../etc/passwd', 'etc-passwd'],
    ['', 'untitled'],
    ['🔥🔥🔥', 'untitled'],
    ['خطأ في قاعدة البيانات', 'untitled'],
    ['\u202eevil\u202c name', 'evil-name'],
    ['Café crème brûlée', 'cafe-creme-brulee'],
    ['ALL CAPS — and punctuation!!!', 'all-caps-and-punctuation'],
    ['one two three four five six seven eight nine ten', 'one-two-three-four-five-six-seven-eight'],
    ['a'.repeat(60), 'a'.repeat(48)],
    ['Redis connection pool exhausted during nightly re-indexing', 'redis-connection-pool-exhausted-during-nightly'],
    ['New ERROR KeyError in app.worker (+2 more groups)', 'new-error-keyerror-in-app-worker'],
  ])('%j → %s', (title, slug) => {
    expect(slugify(title)).toBe(slug);
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(slug.length).toBeLessThanOrEqual(48);
  });

  it.each([
    ['incident', 'Gemini 429s', '2026-05-01-incident-gemini-429s.md'],
    ['health', 'Disk fills in 3 days', '2026-05-01-health-disk-fills-in-3-days.md'],
  ] as const)('names a %s file by its UTC date and title', (kind, title, name) => {
    expect(incidentFileName(kind, T0, title)).toBe(name);
  });
});

describe('renderIgnoreCommands', () => {
  it('quotes every value so the shell passes it through unchanged', () => {
    const values = {
      fingerprint: 'fp; rm -rf ~',
      message: '^it\'s \\d+ $(whoami) `id` "quoted"',
      logger: 'app.*',
      exception: "O'Brien\nError",
    };
    const block = scanMarkdown(renderIgnoreCommands([{ match: values, reason: "don't $HOME" }])).blocks[0]?.body ?? '';
    const script = block.replace(/^sentinel ignore add /, "printf '%s\\n' ");
    const printed = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(printed.split('\n').slice(0, -1).join('\n')).toBe(
      [
        `--fingerprint=${values.fingerprint}`,
        `--message=${values.message}`,
        `--logger=${values.logger}`,
        `--exception=${values.exception}`,
        "--reason=don't $HOME",
      ].join('\n'),
    );
  });

  it('warns, in a shell comment, when the regex would be refused', () => {
    const block = renderIgnoreCommands([{ match: { message: '(unclosed\nrm -rf /' }, reason: 'r' }]);
    const lines = scanMarkdown(block).blocks[0]?.body.split('\n') ?? [];
    expect(lines[0]).toMatch(/^# will be refused: invalid regular expression/);
    expect(lines[1]).toBe("sentinel ignore add --message='(unclosed");
  });
});

describe('deriveFallbackSeverity and summariseIncident', () => {
  it.each([
    ['a CRITICAL row', [buildGroup({ levelNo: 50, count: 1 })], 'high'],
    ['a new ERROR group over 100 rows', [buildGroup({ count: 101 })], 'high'],
    ['an escalating ERROR group over 100 rows', [buildGroup({ count: 500, trigger: 'escalating' })], 'high'],
    ['a new ERROR group of 3 rows', [buildGroup({ count: 3 })], 'high'],
    ['an escalating ERROR group of 100 rows', [buildGroup({ count: 100, trigger: 'escalating' })], 'medium'],
    ['warnings only, however many', [buildGroup({ levelNo: 30, count: 10_000 })], 'low'],
    ['no groups', [], 'low'],
  ])('%s → %s', (_label, groups, severity) => {
    expect(deriveFallbackSeverity(groups).severity).toBe(severity);
    const fallback = buildInput({ groups, diagnosis: { kind: 'fallback', why: { kind: 'disabled' }, analyses: [] } });
    expect(summariseIncident(fallback)).toMatchObject({ severity, verdict: 'unclear' });
  });

  it.each([
    [{ kind: 'disabled' } as const, 'Claude is disabled in the config (claude.enabled: false).'],
    [
      { kind: 'over_budget', detail: '$10.02 of $10 spent today' } as const,
      'the daily Claude budget is used up ($10.02 of $10 spent today).',
    ],
    [{ kind: 'failed', attempts: 1, reason: 'exit code 1' } as const, 'Claude failed after 1 attempt: exit code 1'],
  ])('says why there is no diagnosis: %j', (why, line) => {
    const doc = renderIncident(buildInput({ diagnosis: { kind: 'fallback', why, analyses: [] } }));
    expect(doc).toContain(`**No diagnosis:** ${line}`);
    expect(doc).toContain('No analysis ran.');
  });

  it('builds a title from log text only when it is a plain identifier', () => {
    const groups = [
      buildGroup({ exceptionType: '![x](http://t.example/p.png)', logger: 'app.jobs', trigger: 'regressed' }),
      buildGroup({ count: 1 }),
    ];
    const input = buildInput({ groups, diagnosis: { kind: 'fallback', why: { kind: 'disabled' }, analyses: [] } });
    expect(summariseIncident(input).title).toBe('Regressed ERROR in app.jobs (+1 more group)');
  });

  it('leads with the most severe group: level, then new or regressed before escalating, then rows', () => {
    const noise = buildGroup({
      fingerprint: 'aaaaaaaaaaaaaaaa',
      levelNo: 30,
      count: 172,
      exceptionType: null,
      logger: 'app.api',
      trigger: 'new',
    });
    const escalating = buildGroup({ fingerprint: 'bbbbbbbbbbbbbbbb', count: 400, exceptionType: 'TimeoutError', trigger: 'escalating' });
    const fresh = buildGroup({
      fingerprint: 'cccccccccccccccc',
      count: 2,
      exceptionType: 'KeyError',
      logger: 'app.worker',
      trigger: 'new',
    });
    const input = buildInput({
      groups: [noise, escalating, fresh],
      diagnosis: { kind: 'fallback', why: { kind: 'disabled' }, analyses: [] },
    });
    expect(summariseIncident(input).title).toBe('New ERROR KeyError in app.worker (+2 more groups)');
    const table = renderIncident(input)
      .split('\n')
      .filter((l) => /^\| \d/.test(l));
    expect(table.map((l) => l.split(' | ')[6])).toEqual(['`cccccccccccccccc`', '`bbbbbbbbbbbbbbbb`', '`aaaaaaaaaaaaaaaa`']);
    expect(
      summariseIncident(buildInput({ groups: [noise], diagnosis: { kind: 'fallback', why: { kind: 'disabled' }, analyses: [] } })).title,
    ).toBe('New WARNING in app.api');
  });

  it('titles the app falling silent as its own alert, at high severity', () => {
    const since = Date.parse('2026-05-01T10:00:00Z');
    const silence = buildSilenceGroup(since, since + 2 * 3_600_000 + 13 * 60_000, 2 * 3_600_000);
    const input = buildInput({ groups: [silence], diagnosis: { kind: 'fallback', why: { kind: 'disabled' }, analyses: [] } });
    expect(summariseIncident(input)).toMatchObject({
      title: 'app stopped logging: no rows for 2h 13m, last at 2026-05-01T10:00:00Z',
      severity: 'high',
    });
  });
});
