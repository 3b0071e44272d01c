import type { Answer } from './answer.js';
import { fenceText, flattenInline, quoteCode } from './fence.js';
import { levelName } from './levels.js';
import { formatUtc, type TriggeredGroup } from './prompt.js';
import { truncateMiddleUtf8Bytes } from './text.js';

export interface FixPromptInput {
  /** The text of prompts/autofix.md. */
  template: string;
  answer: Answer;
  group: TriggeredGroup;
  baseSha: string;
  paths: string[];
  maxFiles: number;
  maxLines: number;
}

const SAMPLES = 3;

/** Sentinel's prompt for the fixing run: the diagnosis, the group's redacted samples inside fences
 * they cannot close, the allowed paths, and "the smallest change, or give up". */
export function renderFixPrompt(input: FixPromptInput): string {
  const { answer, group } = input;
  const diagnosis = [
    `Title: ${flattenInline(answer.title, 120)}`,
    `Root cause (${answer.root_cause.status}): ${flattenInline(answer.root_cause.text, 2000)}`,
    ...answer.evidence.slice(0, 6).map((e) => `Evidence from ${flattenInline(e.tool, 60)}: ${flattenInline(e.finding, 400)}`),
  ].join('\n');
  const fields = [
    `template: ${group.template}`,
    `exception: ${group.exceptionType ?? '-'}`,
    `logger: ${group.logger ?? '-'}`,
    `function: ${group.function ?? '-'}`,
  ].join('\n');
  const parts = [
    `${group.count} ${levelName(group.levelNo)} rows from ${formatUtc(group.firstSeen)} to ${formatUtc(group.lastSeen)}, fingerprint ${flattenInline(group.fingerprint, 64)}.`,
    fenceText(truncateMiddleUtf8Bytes(fields, 1200)),
  ];
  group.samples.slice(0, SAMPLES).forEach((sample, i) => {
    parts.push(`Sample ${i + 1}:`, fenceText(truncateMiddleUtf8Bytes(sample.message, 600)));
    if (sample.exception) parts.push('Traceback:', fenceText(truncateMiddleUtf8Bytes(sample.exception, 3000)));
  });
  const values: Record<string, string> = {
    diagnosis: fenceText(diagnosis),
    group: parts.join('\n\n'),
    base: input.baseSha.slice(0, 12),
    paths: input.paths.map((p) => quoteCode(p, 100)).join(', '),
    max_files: String(input.maxFiles),
    max_lines: String(input.maxLines),
  };
  return input.template.replace(/\{\{([a-z_]+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}
