import { errorMessage } from './errors.js';
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

// RE2 is loaded at the first pattern compiled: a run whose config and ignore file hold none does not
// compile or evaluate its 270 KB. Required at run time, so the bundle leaves it out.
const requireHere = createRequire(import.meta.url);
let re2: typeof RE2JS | undefined;
export const loadRe2 = (): typeof RE2JS => (re2 ??= (requireHere('re2js') as typeof import('re2js')).RE2JS);

/** An operator-written pattern, compiled with RE2 semantics: matching time is linear in the input,
 * so no rule can hang a run however hostile the log line (no catastrophic backtracking). */
export interface SafeRegex {
  readonly source: string;
  test(text: string): boolean;
  /** The capture groups of the first match, or null when it does not match. */
  captures(text: string): string[] | null;
  /** [start, end) of every non-overlapping match, in UTF-16 offsets; of its first capture group
   * when it has one (`order_ref=([A-Z0-9]{8})` marks only the reference). */
  spans(text: string): [number, number][];
}

export type CompileResult = { ok: true; regex: SafeRegex } | { ok: false; error: string };

export function compileSafeRegex(source: string): CompileResult {
  let compiled: RE2JS;
  try {
    compiled = loadRe2().compile(source);
  } catch (error) {
    const reason = errorMessage(error);
    return { ok: false, error: `invalid regular expression ${JSON.stringify(source)}: ${reason}` };
  }
  return {
    ok: true,
    regex: {
      source,
      test: (text) => compiled.matcher(text).find(),
      captures(text) {
        const matcher = compiled.matcher(text);
        if (!matcher.find()) return null;
        const groups: string[] = [];
        for (let i = 1; i <= matcher.groupCount(); i++) groups.push(matcher.group(i) ?? '');
        return groups;
      },
      spans(text) {
        const matcher = compiled.matcher(text);
        const spans: [number, number][] = [];
        const group = compiled.groupCount() > 0 ? 1 : 0;
        while (matcher.find()) {
          const [start, end] =
            matcher.group(group) === null ? [matcher.start(), matcher.end()] : [matcher.start(group), matcher.end(group)];
          if (end > start) spans.push([start, end]);
        }
        return spans;
      },
    },
  };
}
