import type { AutofixJobData, TestRun } from './autofix-job.js';
import { fenceText, flattenInline, quoteCode, sanitiseProse } from './fence.js';
import { formatUtc } from './prompt.js';
import type { Redactor } from './redact.js';
import { truncateChars } from './text.js';

/** GitHub refuses bodies over 65 536 characters; SWE-agent stops at 60 000 too. */
export const PR_BODY_MAX = 60_000;
const ZWSP = '\u200b';

/** Model text on a forge: `@name` would ping a person or a team, `fixes #12` would close an issue
 * on merge, `#12` alone would cross-link. A zero-width space keeps the text readable and inert. */
export function defang(text: string): string {
  return text
    .replace(/@(?=[A-Za-z0-9])/g, `@${ZWSP}`)
    .replace(/\b(clos|fix|resolv)(e[sd]?|es|ed)?\b/gi, (word) => `${word.slice(0, 1)}${ZWSP}${word.slice(1)}`)
    .replace(/#(?=\d)/g, `#${ZWSP}`)
    .replace(/\b(GH-)(?=\d)/gi, `$1${ZWSP}`);
}

export interface PullText {
  title: string;
  body: string;
}

export interface PullTextInput {
  job: AutofixJobData & Required<Pick<AutofixJobData, 'fix' | 'diff' | 'baseSha' | 'tests'>>;
  jobId: number;
  incidentFile: string;
  testCommand: string[] | null;
  model: string;
  costUsd: number;
  redactor: Redactor;
}

/** Title, body and commit message, built by sentinel from its template: the model supplies only
 * fields, each flattened or sanitised, defanged, then the whole text redacted and capped. */
export function renderPullText(input: PullTextInput): PullText {
  const { job, redactor } = input;
  const { answer, group, fix, diff } = job;
  const safe = (text: string, max: number) => defang(sanitiseProse(text, max));
  const title = redactor.redact(`fix: ${defang(flattenInline(answer.title, 110))}`).text;
  const where = [
    group.exceptionType && quoteCode(group.exceptionType, 80),
    group.logger && `in ${quoteCode(group.logger, 80)}`,
    group.function && `(${quoteCode(group.function, 80)})`,
  ]
    .filter(Boolean)
    .join(' ');
  const sections = [
    '> Draft opened by sentinel, an automated watchdog, for a person to review. Nobody was asked to review it; nothing merges without a human.',
    '## What broke',
    `${where || 'An error'}: ${group.count} rows from ${formatUtc(group.firstSeen)} to ${formatUtc(group.lastSeen)}, fingerprint \`${flattenInline(group.fingerprint, 64)}\`.`,
    fenceText(defang(truncateChars(group.template, 400))),
    `## Diagnosis (${answer.root_cause.status})`,
    safe(answer.root_cause.text, 2000),
    '## The change',
    `${fix.fix_kind === 'root_cause' ? 'Fixes the cause' : 'Defensive: guards against the effect, not the cause'}. ${diff.files.length} file${diff.files.length === 1 ? '' : 's'}, +${diff.added} −${diff.removed} lines: ${diff.files.map((f) => quoteCode(f, 200)).join(', ')}.`,
    safe(fix.summary, 1500),
    '## Verification',
    renderTests(job.tests, input.testCommand, job.baseSha, job.commitSha ?? ''),
    '## Risk',
    `**${fix.risk}**${fix.risk_note ? `: ${safe(fix.risk_note, 500)}` : ''}`,
    '## Incident',
    `${quoteCode(input.incidentFile, 200)} on the sentinel host (autofix job ${input.jobId}).`,
    '---',
    `sentinel autofix · ${flattenInline(input.model, 60)} · $${input.costUsd.toFixed(2)} · review before merging`,
  ];
  const body = truncateChars(redactor.redact(sections.join('\n\n')).text, PR_BODY_MAX);
  return { title, body };
}

/** The fix commit's message: one flattened, defanged, redacted summary line and sentinel's trailers. */
export function renderCommitMessage(
  job: Pick<AutofixJobData, 'answer' | 'group'> & { fix: NonNullable<AutofixJobData['fix']> },
  incidentFile: string,
  redactor: Redactor,
): string {
  const title = `fix: ${defang(flattenInline(job.answer.title, 110))}`;
  const lines = [
    title,
    '',
    defang(flattenInline(job.fix.summary, 600)),
    '',
    `Sentinel-Incident: ${flattenInline(incidentFile, 200)}`,
    `Sentinel-Fingerprint: ${flattenInline(job.group.fingerprint, 64)}`,
  ];
  return redactor.redact(lines.join('\n')).text;
}

export function renderTests(tests: AutofixJobData['tests'], command: string[] | null, baseSha: string, fixSha: string): string {
  if (!tests || 'notRun' in tests) return `Not verified locally: ${tests && 'notRun' in tests ? tests.notRun : 'no test command'}.`;
  const row = (name: string, sha: string, run: TestRun) =>
    `| ${name} | \`${sha.slice(0, 12)}\` | ${run.outcome} | ${run.exitCode ?? '-'} | ${(run.durationMs / 1000).toFixed(1)} s |`;
  return [
    `Sentinel ran ${command ? quoteCode(command.join(' '), 300) : 'the tests'} without network, in a throwaway checkout of each commit:`,
    '',
    '| run | commit | result | exit code | duration |',
    '|---|---|---|---:|---:|',
    row('before (base)', baseSha, tests.base),
    row('after (this fix)', fixSha, tests.fix),
    '',
    '<details><summary>Last lines of the run on this fix</summary>',
    '',
    fenceText(defang(tests.fix.tail)),
    '',
    '</details>',
  ].join('\n');
}
