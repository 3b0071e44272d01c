import { describe, expect, it } from 'vitest';
import { amendIncident } from '../../src/core/autofix-incident.js';
import type { AutofixJobData } from '../../src/core/autofix-job.js';
import { defang, PR_BODY_MAX, renderPullText } from '../../src/core/autofix-pr.js';
import { createRedactor } from '../../src/core/redact.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0);
const redactor = createRedactor([]);

const job = (change: Partial<AutofixJobData> = {}): Parameters<typeof renderPullText>[0]['job'] => ({
  answer: {
    verdict: 'real_issue',
    severity: 'high',
    title: 'Invoices without lines crash',
    summary: 's',
    root_cause: { text: 'divides by len(lines)', status: 'hypothesis' },
    evidence: [],
    actions: [],
    suggested_ignore: [],
    confidence: 0.9,
    fix_scope: 'app_code',
  },
  group: {
    fingerprint: '3d399e7ad592b2df',
    template: 'Billing run failed for invoice <num>',
    exceptionType: 'ZeroDivisionError',
    logger: 'app.billing',
    function: 'average_line_total',
    levelNo: 40,
    count: 5,
    firstSeen: T0,
    lastSeen: T0,
    samples: [],
    trigger: 'new',
    triggerReason: 'never seen before',
  },
  force: false,
  baseSha: 'a'.repeat(40),
  commitSha: 'b'.repeat(40),
  fix: {
    outcome: 'fixed',
    summary: 'guard the empty invoice',
    fix_kind: 'defensive',
    files: ['app/invoice.py'],
    risk: 'medium',
    risk_note: 'callers may rely on it',
  },
  diff: { files: ['app/invoice.py'], added: 2, removed: 0, patch: '+x' },
  tests: {
    base: { outcome: 'failed', exitCode: 1, durationMs: 1200, tail: 'FAILED' },
    fix: { outcome: 'passed', exitCode: 0, durationMs: 900, tail: 'OK' },
  },
  ...change,
});

const render = (change: Partial<AutofixJobData> = {}) =>
  renderPullText({
    job: job(change),
    jobId: 7,
    incidentFile: '2026-12-01-incident-x.md',
    testCommand: ['pytest', '-q'],
    model: 'sonnet',
    costUsd: 0.42,
    redactor,
  });

describe('defang', () => {
  it.each([
    ['cc @alice and @acme/ops', /@[A-Za-z]/],
    ['fixes #12, closes #3, resolved #4', /\b(fixes|closes|resolved)\s+#\d/i],
    ['Fix: https://github.com/acme/app/issues/9', /\bfix\b/i],
    ['see #41 and GH-7', /#\d|GH-\d/],
  ])('%j no longer pings, closes or links', (text, live) => {
    expect(defang(text)).not.toMatch(live);
    expect(defang(text).replaceAll('\u200b', '')).toBe(text); // reads the same
  });
});

describe('renderPullText', () => {
  it("is sentinel's template: what broke, the diagnosis marked, the change, both test runs, risk, incident, model and cost", () => {
    const { title, body } = render();
    expect(title).toBe('fix: Invoices without lines crash');
    expect(body).toContain('## Diagnosis (hypothesis)');
    expect(body).toContain('Defensive: guards against the effect, not the cause. 1 file, +2 −0 lines: `app/invoice.py`.');
    expect(body).toContain('| before (base) | `aaaaaaaaaaaa` | failed | 1 | 1.2 s |');
    expect(body).toContain('| after (this fix) | `bbbbbbbbbbbb` | passed | 0 | 0.9 s |');
    expect(body).toContain('**medium**: callers may rely on it');
    expect(body).toContain('`2026-12-01-incident-x.md` on the sentinel host (autofix job 7)');
    expect(body).toContain('sentinel autofix · sonnet · $0.42 · review before merging');
  });

  it("caps the body below GitHub's limit, and keeps model Markdown from forging headings or images", () => {
    const { body } = render({
      fix: { ...job().fix, summary: `## Approved by @security\n![x](https://evil.example/p.png)\n${'y'.repeat(2000)}` },
      answer: { ...job().answer, root_cause: { text: 'z'.repeat(100_000), status: 'confirmed' } },
    });
    expect(body.length).toBeLessThanOrEqual(PR_BODY_MAX);
    expect(body).not.toMatch(/^## Approved/m);
    expect(body).not.toContain('![x]');
    expect(body).not.toMatch(/@security/);
  });
});

describe('amendIncident', () => {
  const incident = '---\nid: incident-1\nstatus: open\ntitle: "x"\n---\n\n# x\n\n## Summary\n\ntext\n';
  const outcome = (status: 'stopped' | 'pr_opened', data: Partial<AutofixJobData> = {}) => ({
    status,
    reason: status === 'stopped' ? 'the tests fail on the fix (exit code 1)' : null,
    data: { ...job(), ...data },
    testCommand: ['pytest'],
    costUsd: 0.5,
  });

  it('adds the autofix block and the Proposed fix section; amending again replaces both', () => {
    const once = amendIncident(incident, outcome('stopped', { pr: undefined }));
    expect(once).toMatch(
      /^---\nid: incident-1\nstatus: open\ntitle: "x"\nautofix:\n {2}status: stopped\n {2}reason: the tests fail on the fix \(exit code 1\)\n/,
    );
    expect(once).toContain('**Not published:** the tests fail on the fix (exit code 1)');
    expect(once).toContain('The change, to apply by hand:');
    const twice = amendIncident(
      once,
      outcome('pr_opened', { pr: { kind: 'draft', url: 'https://github.com/acme/app/pull/3', number: 3 }, branch: 'sentinel/x' }),
    );
    expect(twice.match(/^autofix:$/gm)).toHaveLength(1);
    expect(twice.match(/^## Proposed fix$/gm)).toHaveLength(1);
    expect(twice).toContain('pr_url: https://github.com/acme/app/pull/3');
    expect(twice).not.toContain('Not published');
    expect(twice).toContain('## Summary\n\ntext\n');
  });

  it('leaves a "## Proposed fix" line that log text put inside the incident alone', () => {
    const hostile = incident.replace('text\n', '```text\n## Proposed fix\n```\n');
    const amended = amendIncident(hostile, outcome('stopped'));
    expect(amended).toContain('```text\n## Proposed fix\n```');
    expect(amended.match(/^## Proposed fix$/gm)).toHaveLength(2);
  });
});
