import type { SafeRegex } from './safe-regex.js';
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

// Linear on hostile input: a pattern either opens with a distinctive literal and fails within a
// few characters, or with a lookbehind that refuses to start inside a run of its own characters.
const TOKEN = '[A-Za-z0-9_-]';
const notAfter = (chars: string) => `(?<![${chars}])`;
const PAIR_KEYS =
  'passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?';
const PLACEHOLDER = '(?!(?:none|null|nil|true|false|undefined)\\b|\\*{3}|\\[redacted|<redacted)';
const QUOTED = (q: string, name: string) =>
  `${q}${PLACEHOLDER}(?<${name}>(?:[^${q}\\\\\\n]|\\\\.){1,512})(?=${q})`;

const BUILT_IN: ReadonlyArray<[kind: string, source: string, flags?: string]> = [
  [
    'private_key',
    '-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?' +
      // An unterminated block (truncated upstream, or by our own bounding) runs to the end.
      '(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)',
  ],
  ['anthropic_key', `sk-ant-${TOKEN}{20,}`],
  ['openai_key', `${notAfter('A-Za-z0-9_-')}sk-${TOKEN}{20,}`],
  ['stripe_key', `[sr]k_(?:live|test)_[A-Za-z0-9]{10,}`],
  ['google_api_key', `AIza${TOKEN}{35}`],
  ['aws_access_key_id', `${notAfter('A-Za-z0-9')}(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])`],
  [
    'aws_secret_key',
    `${notAfter('A-Za-z0-9')}(?:aws_?)?secret_?access_?key["']?\\s{0,8}[:=]\\s{0,8}["']?` +
      '(?<s>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])',
    'i',
  ],
  ['github_token', `(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\\w{22,})`],
  ['slack_token', `(?:xox[abprs]-[A-Za-z0-9-]{10,}|xapp-\\d-[A-Za-z0-9-]{10,})`],
  ['slack_webhook', 'https?://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+'],
  ['jwt', `${notAfter('A-Za-z0-9_-')}eyJ${TOKEN}{5,8192}\\.eyJ${TOKEN}{5,8192}\\.${TOKEN}{0,8192}`],
  [
    'authorization',
    `${notAfter('A-Za-z0-9_-')}authorization["']?\\s{0,8}[:=]\\s{0,8}["']?` +
      `(?:bearer|basic|token|bot|apikey)\\s{1,8}${PLACEHOLDER}(?<s>[^\\s"',;]+)`,
    'i',
  ],
  [
    'bearer_token',
    // A plain "Bearer …" must look like a token (contain a digit): "bearer authentication" is prose.
    `${notAfter('A-Za-z0-9_-')}bearer\\s{1,8}(?<s>(?=[A-Za-z._~+/=-]{0,4096}[0-9])[A-Za-z0-9._~+/=-]{8,})`,
    'i',
  ],
  [
    'url_password',
    `${notAfter('A-Za-z0-9+.-')}[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\\s:/@[\\]]{0,256}:${PLACEHOLDER}(?<s>[^\\s/]{1,256})(?=@)`,
    'i',
  ],
  [
    'secret',
    // The key must END in a secret word ("db_password", "x-api-key"), so "max_tokens=4096" survives.
    `${notAfter('A-Za-z0-9_.-')}[A-Za-z0-9_.-]{0,40}?(?:${PAIR_KEYS})(?<!://[^\\s/@:=]{0,256})["']?\\s{0,8}[:=]\\s{0,8}` +
      `(?:${QUOTED('"', 's')}|${QUOTED("'", 's2')}|["']?${PLACEHOLDER}(?<s3>[^\\s"',;&]{1,512}))`,
    'i',
  ],
  [
    'email',
    // Not inside a URL's authority: "scheme://user:pass@host" keeps its user and host.
    `${notAfter('A-Za-z0-9._%+-')}[A-Za-z0-9._%+-]{1,64}(?<!://[^\\s/@]{0,256})@` +
      '[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){0,8}\\.[A-Za-z]{2,24}(?![A-Za-z0-9-])',
  ],
];

// One cheap test per row: typical messages contain none of these, and skip all the scans above.
const HINT_EXACT = /sk-|[sr]k_(?:live|test)_|AIza|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|xapp-|hooks\.slack\.com|eyJ|@/;
const HINT_WORDS = new RegExp(`private key|bearer|authoriz|${PAIR_KEYS}`, 'i');

/** Built-in secret patterns plus the operator's own, kind `custom`. The operator's run on RE2
 * (`SafeRegex`): linear whatever they wrote, since they scan every field of every row. */
export function createRedactor(extra: readonly SafeRegex[] = []): Redactor {
  const patterns: SecretPattern[] = BUILT_IN.map(([kind, source, flags = '']) => ({
    kind,
    re: new RegExp(source, `${flags}gd`),
  }));
  const hasExtra = extra.length > 0;

  function findSecrets(text: string): SecretSpan[] {
    const hinted = HINT_EXACT.test(text) || HINT_WORDS.test(text);
    if (!hinted && !hasExtra) return [];
    const spans: SecretSpan[] = [];
    if (hinted) for (const pattern of patterns) collectSpans(text, pattern, spans);
    for (const regex of extra) for (const [start, end] of regex.spans(text)) spans.push({ start, end, kind: 'custom' });
    return mergeSpans(spans);
  }

  return {
    findSecrets,
    redact: (text) => renderRedacted(text, findSecrets(text)),
  };
}

/**
 * Renders `text[from, to)` with every span that overlaps the window replaced, whole, by its
 * marker. A secret straddling the window's edge is therefore redacted, never cut in half.
 */
export function renderRedacted(
  text: string,
  spans: readonly SecretSpan[],
  from = 0,
  to = text.length,
): Redaction {
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
    const range = (groups && Object.values(groups).find((g) => g !== undefined)) ?? [
      m.index,
      m.index + m[0].length,
    ];
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

