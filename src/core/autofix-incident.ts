import { stringify } from 'yaml';
import type { AutofixJobData } from './autofix-job.js';
import { renderTests } from './autofix-pr.js';
import { fenceText, flattenInline, sanitiseProse } from './fence.js';
import { truncateChars } from './text.js';

export type AutofixStatus = 'pr_opened' | 'branch_only' | 'stopped';

export interface AutofixOutcome {
  status: AutofixStatus;
  reason: string | null;
  data: AutofixJobData;
  testCommand: string[] | null;
  costUsd: number;
}

const HEADING = '## Proposed fix';
const PATCH_MAX = 16_000;

/** The incident file with the attempt's outcome: an `autofix:` block in the front matter and a
 * "Proposed fix" section at the end, both replaced when a resumed job writes them again. */
export function amendIncident(markdown: string, outcome: AutofixOutcome): string {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(markdown);
  if (!match) return markdown; // not one of ours: leave it alone
  const front = match[1]!;
  // A top-level `autofix:` key can only be ours: the front matter's values are YAML-quoted.
  const amended = /^autofix:/m.test(front);
  const kept = front.replace(/^autofix:\n(?:[ ]+.*\n?)*/m, '').replace(/\n+$/, '');
  let rest = markdown.slice(match[0].length);
  if (amended) {
    const cut = rest.lastIndexOf(`\n${HEADING}\n`);
    if (cut >= 0) rest = rest.slice(0, cut + 1);
  }
  const block = stringify({ autofix: frontMatter(outcome) }).trimEnd();
  return `---\n${kept}\n${block}\n---\n${rest.replace(/\n*$/, '\n')}\n${renderSection(outcome)}\n`;
}

function frontMatter(o: AutofixOutcome): Record<string, unknown> {
  const { data } = o;
  const tests = data.tests && !('notRun' in data.tests) ? { base: data.tests.base.outcome, fix: data.tests.fix.outcome } : null;
  return {
    status: o.status,
    reason: o.reason,
    branch: data.branch ?? null,
    commit: data.commitSha ?? null,
    pr_url: data.pr?.kind === 'draft' ? data.pr.url : null,
    compare_url: data.pr?.kind === 'branch_only' ? data.pr.compareUrl : null,
    tests,
    cost_usd: Number(o.costUsd.toFixed(4)),
  };
}

function renderSection(o: AutofixOutcome): string {
  const { data } = o;
  const head =
    data.pr?.kind === 'draft'
      ? `**Draft pull request:** ${data.pr.url} (branch \`${data.branch}\`, commit \`${data.commitSha?.slice(0, 12)}\`).`
      : data.pr?.kind === 'branch_only'
        ? `**Branch pushed, no pull request** (${flattenInline(data.pr.reason, 200)}): open it from ${data.pr.compareUrl}`
        : `**Not published:** ${flattenInline(o.reason ?? 'stopped', 400)}`;
  const parts = [HEADING, head];
  if (data.fix) {
    parts.push(
      `${data.fix.outcome === 'fixed' ? (data.fix.fix_kind === 'root_cause' ? 'Fixes the cause' : 'Defensive') : 'Claude gave up'}; risk **${data.fix.risk}**.`,
      sanitiseProse(data.fix.summary, 1500),
    );
  }
  if (data.tests) parts.push(renderTests(data.tests, o.testCommand, data.baseSha ?? '', data.commitSha ?? ''));
  if (data.diff && data.pr === undefined)
    parts.push('The change, to apply by hand:', fenceText(truncateChars(data.diff.patch, PATCH_MAX), 'diff'));
  parts.push(`Cost of the attempt: $${o.costUsd.toFixed(2)}.`);
  return parts.join('\n\n');
}
