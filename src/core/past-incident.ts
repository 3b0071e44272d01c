import { parse as parseYaml } from 'yaml';
import type { PastIncident } from './prompt.js';

/** Sections the team may add to an incident file to say what they did. */
const DONE_HEADINGS = /^## (?:what (?:was|we) did|what was done|resolution|fix(?:ed)?|done|follow[- ]up)\b.*$/im;
const ROOT_CAUSE = /^## Root cause\b.*$/m;

/** The facts memory needs from one incident file: its front matter, its root cause, and what the
 * team wrote was done, if they did. Null when it is not an incident file. */
export function readPastIncident(markdown: string, file: string): PastIncident | null {
  const front = /^---\n([\s\S]*?)\n---\n/.exec(markdown);
  if (!front) return null;
  let meta: unknown;
  try {
    meta = parseYaml(front[1]!);
  } catch {
    return null;
  }
  if (typeof meta !== 'object' || meta === null) return null;
  const { created, verdict, title } = meta as Record<string, unknown>;
  const createdAt = typeof created === 'string' ? Date.parse(created) : created instanceof Date ? created.getTime() : NaN;
  if (!Number.isFinite(createdAt)) return null;
  return {
    created: createdAt,
    verdict: typeof verdict === 'string' ? verdict : 'unclear',
    title: typeof title === 'string' ? title : '(untitled)',
    rootCause: sectionAfter(markdown, ROOT_CAUSE),
    done: sectionAfter(markdown, DONE_HEADINGS),
    file,
  };
}

/** The first paragraph under the first heading that matches, as one line; null when absent or empty. */
function sectionAfter(markdown: string, heading: RegExp): string | null {
  const match = heading.exec(markdown);
  if (!match) return null;
  const rest = markdown.slice(match.index + match[0].length).replace(/^\s+/, '');
  const paragraph =
    rest
      .split(/\n\s*\n|\n## /)[0]
      ?.replace(/\s+/g, ' ')
      .trim() ?? '';
  return paragraph === '' ? null : paragraph.slice(0, 400);
}
