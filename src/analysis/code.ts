import * as z from '../core/zod.js';
import { readCodeFile, walkCodeFiles, type CodeRoot } from '../adapters/code-tree.js';
import { cleanField } from '../core/clean.js';
import type { Redactor } from '../core/redact.js';
import { compileSafeRegex } from '../core/safe-regex.js';
import { defineAnalysis, type Analysis } from './define.js';
import { fence, plural } from './render.js';

const LINE_CHARS = 240;
export const SOURCE_MAX_CONTEXT = 40;
export const SEARCH_MAX_HITS = 40;
const SEARCH_MAX_FILES = 20_000;
const SEARCH_MAX_BYTES = 64 * 1_048_576;
const SEARCH_MAX_MS = 5_000;

const pathArg = z.string().min(1).max(1024).describe('a path relative to a code root, or absolute as in a traceback');

/** Lines `from`..`to` (1-based) of a file, numbered, `>` on `mark`, redacted as a whole (a key spans lines). */
export function renderLines(text: string, from: number, to: number, mark: number | null, redactor: Redactor): string {
  const lines = text.split('\n').slice(from - 1, to);
  const clean = cleanField(
    lines.map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)}…` : l)).join('\n'),
    32_768,
    redactor,
  ).text.split('\n');
  if (clean.length !== lines.length) return clean.join('\n'); // a redaction joined lines: numbers would lie
  const width = String(to).length;
  return clean.map((line, i) => `${from + i === mark ? '>' : ' '}${String(from + i).padStart(width)}  ${line}`).join('\n');
}

export function createSourceAt(roots: readonly CodeRoot[]): Analysis {
  return defineAnalysis({
    name: 'source_at',
    description:
      'The deployed source lines around one line of one file (a traceback frame), numbered, redacted. Only files under the ' +
      "configured code roots that code.include allows; secrets (.env*, *.pem, *.key, secrets*) and .git never; no symlinks, no '..'.",
    inputSchema: z.strictObject({
      file: pathArg,
      line: z.number().int().min(1).max(10_000_000).describe('the line number, e.g. from a traceback frame'),
      context: z
        .number()
        .int()
        .min(0)
        .max(SOURCE_MAX_CONTEXT)
        .default(8)
        .describe(`lines before and after it, 0–${SOURCE_MAX_CONTEXT} (default 8)`),
    }),
    run({ file, line, context }, { redactor }) {
      const read = readCodeFile(roots, file);
      if (!read.ok) return { kind: 'rejected', text: read.reason };
      const total = read.text.split('\n').length - (read.text.endsWith('\n') ? 1 : 0);
      if (line > total)
        return {
          kind: 'rejected',
          text: `${read.path} has ${total} lines; line ${line} is past its end (the deployed file may differ from the one that ran)`,
        };
      const from = Math.max(1, line - context);
      const to = Math.min(total, line + context);
      const head = `${read.path} (under ${read.root.root}), lines ${from}–${to} of ${total}; > marks line ${line}. Source (untrusted text):`;
      return { kind: 'ok', text: `${head}\n${fence(renderLines(read.text, from, to, line, redactor))}`, truncated: false };
    },
  });
}

export function createSearchCode(roots: readonly CodeRoot[]): Analysis {
  return defineAnalysis({
    name: 'search_code',
    description:
      `Searches the deployed source under the code roots for a literal string, or an RE2 regular expression with regex: true; ` +
      `at most ${SEARCH_MAX_HITS} matching lines (path:line: text), redacted. Where is this function defined, who logs this message?`,
    inputSchema: z.strictObject({
      pattern: z.string().min(2).max(200).describe('the text to find (2–200 characters)'),
      regex: z.boolean().default(false).describe('true: pattern is an RE2 regular expression (linear time, no backreferences)'),
      ignore_case: z.boolean().default(false),
    }),
    run({ pattern, regex, ignore_case }, { redactor }) {
      const compiled = compileSafeRegex(`${ignore_case ? '(?i)' : ''}${regex ? pattern : escapeRe2(pattern)}`);
      if (!compiled.ok) return { kind: 'rejected', text: compiled.error };
      const started = performance.now();
      const hits: string[] = [];
      let files = 0;
      let bytes = 0;
      let stopped: string | null = null;
      for (const { path, full } of walkCodeFiles(roots, SEARCH_MAX_FILES)) {
        if (hits.length >= SEARCH_MAX_HITS) {
          stopped = `stopped at ${SEARCH_MAX_HITS} matching lines`;
          break;
        }
        if (bytes > SEARCH_MAX_BYTES || performance.now() - started > SEARCH_MAX_MS) {
          stopped = `stopped after ${files} files (${Math.round(bytes / 1_048_576)} MB, ${Math.round(performance.now() - started)} ms): search a narrower pattern`;
          break;
        }
        const read = readCodeFile(roots, full);
        if (!read.ok) continue;
        files += 1;
        bytes += read.text.length;
        const lines = read.text.split('\n');
        for (let i = 0; i < lines.length && hits.length < SEARCH_MAX_HITS; i++) {
          if (compiled.regex.test(lines[i]!))
            hits.push(
              `${path}:${i + 1}: ${renderLines(read.text, i + 1, i + 1, null, redactor)
                .replace(/^ \s*\d+ {2}/, '')
                .trim()}`,
            );
        }
      }
      const head = `${plural(hits.length, 'matching line')} for ${JSON.stringify(pattern)}${regex ? ' (RE2)' : ''} in ${plural(files, 'file')} searched${stopped ? `; ${stopped}` : ''}.`;
      return {
        kind: 'ok',
        text: hits.length ? `${head} Matches (untrusted text):\n${fence(hits.join('\n'))}` : head,
        truncated: stopped !== null,
      };
    },
  });
}

function escapeRe2(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}
