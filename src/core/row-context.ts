// What a row is grouped within (its learner context), computed once per distinct value: the hot path
// builds no string per row for it.
import { appFramesOf } from './fingerprint.js';
import { contextKey } from './template-learner.js';

const CONTEXTS_CACHED = 10_000;
const TRACEBACKS_CACHED = 1_000;

/** `appFramesOf`, remembered: a storm repeats the same traceback row after row. */
export function cachedFrames() {
  const cache = new Map<string, string>();
  return (traceback: string | null): string => {
    if (traceback === null) return '';
    let frames = cache.get(traceback);
    if (frames === undefined) {
      if (cache.size >= TRACEBACKS_CACHED) cache.clear();
      cache.set(traceback, (frames = appFramesOf(traceback)));
    }
    return frames;
  };
}

/** `contextKey`, the same string for the same parts: no string built per row, and cheap to compare. */
export function cachedContextKey() {
  const cache = new Map<string | null, Map<string | null, Map<string | null, Map<string, string>>>>();
  let size = 0;
  return (exceptionType: string | null, logger: string | null, fn: string | null, frames: string): string => {
    if (size >= CONTEXTS_CACHED) {
      cache.clear();
      size = 0;
    }
    let byFunction = cache.get(logger);
    if (!byFunction) cache.set(logger, (byFunction = new Map()));
    let byException = byFunction.get(fn);
    if (!byException) byFunction.set(fn, (byException = new Map()));
    let byFrames = byException.get(exceptionType);
    if (!byFrames) byException.set(exceptionType, (byFrames = new Map()));
    let key = byFrames.get(frames);
    if (key === undefined) {
      byFrames.set(frames, (key = contextKey({ exceptionType, logger, function: fn, frames })));
      size++;
    }
    return key;
  };
}
