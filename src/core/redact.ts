import type { SafeRegex } from './safe-regex.js';
import { createKeywordScanner, type KeywordScanner } from './keyword-scan.js';
import { SECRET_RULES } from './secret-rules.js';
/** Where a secret sits in a text, and what kind it is (shown as `[REDACTED:kind]`). */
export interface SecretSpan {
  start: number;
  end: number;
  kind: string;
}

export interface Redaction {
  text: string;
  count: number;
}

export interface Redactor {
  /** Sorted, non-overlapping spans of every secret found in `text`. */
  findSecrets(text: string): SecretSpan[];
  redact(text: string): Redaction;
}

interface SecretPattern {
  kind: string;
  /** Global + `d` (indices). The first named group that matched is the secret; else the whole match. */
  re: RegExp;
}

/** Bumped whenever the built-in rules find more: stored samples are redacted again on upgrade. */
const REDACTION_VERSION = 2;

/** What a state DB records as the redaction its stored text went through; a new built-in version or
 * a new operator pattern differs, and the stored text is redacted again. */
export const redactionMarker = (extra: readonly SafeRegex[]) => JSON.stringify([REDACTION_VERSION, ...extra.map((regex) => regex.source)]);

const PATTERNS: readonly SecretPattern[] = SECRET_RULES.map((rule) => ({
  kind: rule.kind,
  re: new RegExp(rule.source, `${rule.flags ?? ''}gd`),
}));

// One pass over the text finds the few rules worth running: most log lines hold no keyword at all.
// Built at the first text: a run with no new rows never needs its table.
let keywords: KeywordScanner | undefined;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

/** Built-in secret patterns plus the operator's own, kind `custom`. The operator's run on RE2
 * (`SafeRegex`): linear whatever they wrote, since they scan every field of every row. */
export function createRedactor(extra: readonly SafeRegex[] = []): Redactor {
  function findIn(text: string, spans: SecretSpan[]): void {
    keywords ??= createKeywordScanner(SECRET_RULES.map((rule) => rule.keywords));
    for (const index of keywords.scan(text)) collectSpans(text, PATTERNS[index]!, spans);
    for (const regex of extra) for (const [start, end] of regex.spans(text)) spans.push({ start, end, kind: 'custom' });
  }

  function findSecrets(text: string): SecretSpan[] {
    const spans: SecretSpan[] = [];
    findIn(text, spans);
    // Most text holds no keyword and no escape: nothing to decode, sort or merge.
    if (spans.length === 0 && !text.includes('%')) return spans;
    // Text URL-encoded once (a query string, a form body): `password%3Dhunter2` is `password=hunter2`.
    if (PERCENT_ESCAPE.test(text)) {
      const decoded = percentDecode(text);
      const found: SecretSpan[] = [];
      findIn(decoded.text, found);
      for (const span of found) spans.push({ kind: span.kind, start: decoded.at[span.start]!, end: decoded.at[span.end]! });
    }
    return mergeSpans(spans);
  }

  return {
    findSecrets,
    redact(text) {
      const spans = findSecrets(text);
      return spans.length === 0 ? { text, count: 0 } : renderRedacted(text, spans);
    },
  };
}

/** `%XX` of an ASCII character decoded; `at[i]` is where decoded position i starts in `text`
 * (`at[length]` = its end), so spans found in the decoded text map back onto the original. */
function percentDecode(text: string): { text: string; at: number[] } {
  let out = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; ) {
    at.push(i);
    const hex = text.charCodeAt(i) === 37 ? text.slice(i + 1, i + 3) : '';
    const code = /^[0-9A-Fa-f]{2}$/.test(hex) ? Number.parseInt(hex, 16) : -1;
    if (code >= 0x20 && code < 0x7f) {
      out += String.fromCharCode(code);
      i += 3;
    } else {
      out += text[i];
      i += 1;
    }
  }
  at.push(text.length);
  return { text: out, at };
}

/**
 * Renders `text[from, to)` with every span that overlaps the window replaced, whole, by its
 * marker. A secret straddling the window's edge is therefore redacted, never cut in half.
 */
export function renderRedacted(text: string, spans: readonly SecretSpan[], from = 0, to = text.length): Redaction {
  let out = '';
  let at = from;
  let count = 0;
  for (const span of spans) {
    if (span.end <= from || span.start >= to) continue;
    if (span.start > at) out += text.slice(at, span.start);
    out += `[REDACTED:${span.kind}]`;
    count += 1;
    at = span.end;
  }
  if (at < to) out += text.slice(at, to);
  return { text: out, count };
}

function collectSpans(text: string, pattern: SecretPattern, into: SecretSpan[]): void {
  const { re, kind } = pattern;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === '') {
      re.lastIndex += 1; // an operator pattern that can match empty must not loop forever
      continue;
    }
    const groups = m.indices?.groups;
    const range = (groups && Object.values(groups).find((g) => g !== undefined)) ?? [m.index, m.index + m[0].length];
    into.push({ start: range[0], end: range[1], kind });
  }
}

/** Overlapping finds become one span (so one count); at the same start the earlier pattern names it. */
function mergeSpans(spans: SecretSpan[]): SecretSpan[] {
  spans.sort((a, b) => a.start - b.start);
  const merged: SecretSpan[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}
