import { errorMessage } from './errors.js';
import { loadRe2 } from './safe-regex.js';

/** A compiled `match.logger` glob: true when the whole logger name matches. */
export type LoggerGlob = (logger: string) => boolean;

const MEMO_LIMIT = 4096; // a run sees a few dozen logger names, over and over
const MAX_GLOB = 1024;

/**
 * Compiles a logger glob to an RE2 automaton, so matching is linear in the logger's length
 * whatever an operator (or a model's suggested rule) wrote: `*a*a*a*a*a*a*b` cannot backtrack.
 * `*` is any run of characters but `/`, `**` any run at all, `?` one character but `/`,
 * `[abc]` / `[!abc]` a class, `{a,b}` alternatives, `\x` the character x. Anything else is itself.
 */
export function compileLoggerGlob(glob: string): LoggerGlob {
  const re = loadRe2().compile(`(?s)${globToRegex(glob)}`);
  return memoized((logger) => re.matches(logger));
}

// Path globs (`**/*.py`, `.github/**`) as one linear-time test: true when any of them matches.
export function compilePathGlobs(globs: readonly string[], options: { nocase?: boolean } = {}): LoggerGlob {
  const flags = options.nocase ? '(?si)' : '(?s)';
  const re = loadRe2().compile(`${flags}(?:${globs.map(globToRegex).join('|')})`);
  return (path) => re.matches(path);
}

/** Why a glob cannot be compiled (`[z-a]`), or null: a config error rather than a crash mid-run. */
export function checkLoggerGlob(glob: string): string | null {
  if (glob.length > MAX_GLOB) return `a logger glob is at most ${MAX_GLOB} characters`;
  try {
    loadRe2().compile(`(?s)${globToRegex(glob)}`);
    return null;
  } catch (error) {
    return `invalid logger glob ${JSON.stringify(glob)}: ${errorMessage(error)}`;
  }
}

function memoized(test: LoggerGlob): LoggerGlob {
  const memo = new Map<string, boolean>();
  return (logger) => {
    let hit = memo.get(logger);
    if (hit === undefined) {
      hit = test(logger);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(logger, hit);
    }
    return hit;
  };
}

const quote = (char: string) => (/[A-Za-z0-9_]/.test(char) ? char : `\\x{${char.codePointAt(0)!.toString(16)}}`);

/** The RE2 source of a glob. Unbalanced `[` or `{` are literal characters, as in shells. */
function globToRegex(glob: string): string {
  const chars = [...glob];
  let i = 0;
  // What `{` at an index parsed to (null: unbalanced): the same wherever it is reached from, and
  // reached again each time an enclosing brace fails, so remembering it keeps parsing quadratic at worst.
  const braces = new Map<number, { regex: string; end: number } | null>();

  // Reads up to the end of the glob, or (inside braces) to the next top-level `,` or `}`.
  function sequence(inBraces: boolean): string {
    let out = '';
    while (i < chars.length) {
      const c = chars[i]!;
      if (inBraces && (c === ',' || c === '}')) return out;
      i += 1;
      if (c === '\\' && i < chars.length) out += quote(chars[i++]!);
      else if (c === '*') {
        if (chars[i] === '*') {
          while (chars[i] === '*') i += 1;
          // `**` then `/` is any number of whole directories, none included: `**` `/*.py` matches `app.py`.
          if (chars[i] === '/') {
            i += 1;
            out += '(?:.*/)?';
          } else out += '.*';
        } else out += '[^/]*';
      } else if (c === '?') out += '[^/]';
      else if (c === '[') out += charClass() ?? quote('[');
      else if (c === '{') out += alternatives() ?? quote('{');
      else out += quote(c);
    }
    return out;
  }

  // After `[`: the class through its `]`, or null (and no input consumed) when it has none.
  function charClass(): string | null {
    let j = i;
    const negated = chars[j] === '!' || chars[j] === '^';
    if (negated) j += 1;
    let body = '';
    for (let first = true; j < chars.length && (first || chars[j] !== ']'); first = false) {
      const c = chars[j++]!;
      if (c === '\\' && j < chars.length) body += quote(chars[j++]!);
      else if (c === '-' && !first && j < chars.length && chars[j] !== ']') body += '-';
      else body += quote(c);
    }
    if (j >= chars.length) return null;
    i = j + 1;
    return `[${negated ? '^' : ''}${body}]`;
  }

  // After `{`: `(?:a|b|…)` through the matching `}`, or null (input restored) when unbalanced.
  function alternatives(): string | null {
    const start = i;
    const known = braces.get(start);
    if (known !== undefined) {
      if (known) i = known.end;
      return known?.regex ?? null;
    }
    const options = [sequence(true)];
    while (chars[i] === ',') {
      i += 1;
      options.push(sequence(true));
    }
    if (chars[i] !== '}') {
      braces.set(start, null);
      i = start;
      return null;
    }
    i += 1;
    const regex = `(?:${options.join('|')})`;
    braces.set(start, { regex, end: i });
    return regex;
  }

  return sequence(false);
}
