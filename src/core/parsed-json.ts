import { compileSafeRegex, type SafeRegex } from './safe-regex.js';

// A parsed config or ignore list as JSON, to be read back instead of parsed again (parsed-cache.ts).
// What JSON cannot give back exactly is refused, never approximated: undefined, functions, non-finite
// numbers, dates, class instances. The one exception is an operator's pattern (SafeRegex), written as
// its source and compiled again when read back.

const REGEX_TAG = '$safeRegex';

class NotJson extends Error {}

/** The value as JSON, or null when it holds something JSON would not give back as it is. */
export function serializeParsed(value: unknown): string | null {
  try {
    return JSON.stringify(value, function (this: Record<string, unknown>, key: string) {
      return plain(this[key]);
    });
  } catch (error) {
    if (error instanceof NotJson) return null;
    throw error;
  }
}

/** `serializeParsed`'s text as the value it was; null when it is not such a text. */
export function reviveParsed(text: string): unknown {
  try {
    return JSON.parse(text, (_key, value: unknown) => {
      if (!isTagged(value)) return value;
      const compiled = compileSafeRegex(value[REGEX_TAG]);
      if (!compiled.ok) throw new NotJson();
      return compiled.regex;
    });
  } catch {
    return null;
  }
}

function plain(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new NotJson();
  }
  if (isSafeRegex(value)) return { [REGEX_TAG]: value.source };
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && isPlainObject(value) && !(REGEX_TAG in value)) return value;
  throw new NotJson();
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isSafeRegex(value: unknown): value is SafeRegex {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Record<keyof SafeRegex, unknown>>;
  return (
    typeof r.source === 'string' &&
    typeof r.test === 'function' &&
    typeof r.captures === 'function' &&
    typeof r.spans === 'function' &&
    Object.keys(value).length === 4
  );
}

function isTagged(value: unknown): value is { [REGEX_TAG]: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === REGEX_TAG && typeof (value as Record<string, unknown>)[REGEX_TAG] === 'string';
}
