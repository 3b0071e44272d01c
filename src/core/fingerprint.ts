import { createHash } from 'node:crypto';
import type { FingerprintRule } from './config.js';
import { compileLoggerGlob } from './logger-glob.js';

/** What the default fingerprint is made of; the template comes from the normalizer. */
export interface FingerprintInput {
  message: string;
  template: string;
  exceptionType: string | null;
  logger: string | null;
  function: string | null;
  line: number | null;
  levelName: string;
}

export interface Fingerprinter {
  fingerprintOf(input: FingerprintInput): string;
}

const MEMO_LIMIT = 10_000; // keys are templates of up to a few KB: bounded memory
// Long part → short parts → digest: the long one (a template: the same string row after row, its
// hash cached) is looked up as it is, and only the short ones are joined per call.
const memo = new Map<string, Map<string, string>>();
let memoSize = 0;

/** The first 16 hex digits of sha256(`text()`), memoized by (`long`, `short`), which determine it. */
function memoHash(long: string, short: string, text: () => string): string {
  let byShort = memo.get(long);
  let digest = byShort?.get(short);
  if (digest === undefined) {
    digest = createHash('sha256').update(text()).digest('hex').slice(0, 16);
    if (memoSize >= MEMO_LIMIT) {
      memo.clear();
      memoSize = 0;
      byShort = undefined;
    }
    if (!byShort) memo.set(long, (byShort = new Map()));
    byShort.set(short, digest);
    memoSize++;
  }
  return digest;
}

/** sha256 of the parts joined by NUL (null as ''). */
function hash(parts: (string | null)[]): string {
  const joined = parts.map((p) => p ?? '').join('\u0000');
  return memoHash(joined, '', () => joined);
}

/** `hash([exceptionType, template, logger, function])`, looked up by template first. */
function hashDefault({ exceptionType, template, logger, function: fn }: FingerprintInput): string {
  const e = exceptionType ?? '';
  const l = logger ?? '';
  const f = fn ?? '';
  // Never '' (two NULs at least), so never a key of `hash`'s.
  return memoHash(template, `${e}\u0000${l}\u0000${f}`, () => `${e}\u0000${template}\u0000${l}\u0000${f}`);
}

/** Default: a hash of exception type, template, logger and function. The first matching rule
 * either merges (a fixed name) or splits (the default, refined by captures, line or level). */
export function createFingerprinter(rules: FingerprintRule[]): Fingerprinter {
  const compiled = rules.map((rule) => ({
    rule,
    logger: rule.match.logger ? compileLoggerGlob(rule.match.logger) : null,
  }));
  return {
    fingerprintOf(input) {
      const base = hashDefault(input);
      for (const { rule, logger } of compiled) {
        const { match } = rule;
        if (match.exception && match.exception !== input.exceptionType) continue;
        if (logger && !logger(input.logger ?? '')) continue;
        const captures = match.message ? match.message.captures(input.message) : [];
        if (captures === null) continue;
        if (rule.name) return rule.name;
        const parts = (rule.split_by ?? []).map((part) =>
          part === 'captures' ? captures.join('\u0001') : part === 'line' ? String(input.line ?? '') : input.levelName,
        );
        return hash([base, ...parts]);
      }
      return base;
    },
  };
}

/** The exception type from a formatted traceback's last line: `ValueError: bad input` → `ValueError`. */
export function exceptionTypeOf(traceback: string | null): string | null {
  if (!traceback) return null;
  const text = traceback.trimEnd();
  const last = text.slice(text.lastIndexOf('\n') + 1).trim();
  return /^([A-Za-z_][\w.]*)(?::|$)/.exec(last)?.[1] ?? null;
}

const FRAME = /^\s*File "([^"]*)", line \d+, in (\S+)/gm;
const LIBRARY = /[/\\](?:site-packages|dist-packages|lib[/\\]python\d[\w.]*)[/\\]|^<frozen /;
const MAX_FRAMES = 8;

/** The application's own frames of a Python traceback, innermost last, as `file:function` lines
 * (library and interpreter frames left out; line numbers too, since any edit moves them). */
export function appFramesOf(traceback: string | null): string {
  if (!traceback) return '';
  const frames: string[] = [];
  for (const [, file, fn] of traceback.matchAll(FRAME)) {
    if (LIBRARY.test(file!)) continue;
    frames.push(`${file!.slice(Math.max(file!.lastIndexOf('/'), file!.lastIndexOf('\\')) + 1)}:${fn}`);
  }
  return frames.slice(-MAX_FRAMES).join('\n');
}
