import { flattenInline } from './fence.js';

/** What a phone reader needs of a Python traceback: the exception with its value, and where in the
 * application it was raised (the innermost frame outside the interpreter and installed packages). */
export interface TracebackSummary {
  exception: string | null;
  frame: string | null;
}

const FRAME = /^\s*File "([^"]+)", line (\d+), in (.+)$/;
const LIBRARY = /\/(site-packages|dist-packages)\/|\/lib\/python\d|^<frozen |^<string>$/;

export function summariseTraceback(text: string | null): TracebackSummary {
  if (!text) return { exception: null, frame: null };
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  // The last unindented line is the exception that ended the chain: `ValueError: bad signature`.
  const last = [...lines].reverse().find((l) => !/^\s/.test(l) && !l.startsWith('Traceback ') && !FRAME.test(l)) ?? null;
  let frame: string | null = null;
  for (const line of lines) {
    const match = FRAME.exec(line);
    if (match && !LIBRARY.test(match[1]!)) frame = `${shortPath(match[1]!)}:${match[2]} in ${match[3]!.trim()}`;
  }
  return { exception: last === null ? null : flattenInline(last, 200), frame: frame === null ? null : flattenInline(frame, 160) };
}

/** The last two segments: `app/pay.py`, enough to find the file and short enough for a lock screen. */
const shortPath = (path: string) => path.split('/').filter(Boolean).slice(-2).join('/');
