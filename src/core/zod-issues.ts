import * as z from './zod.js';

/** One zod issue as a person reads it: `key.path: message`, `required` for a missing key, and a
 * "did you mean" for an unknown key when `schema` knows one close to it. `names` turns list indexes
 * into names: `metrics[gemini_rpm].sql` rather than `metrics.0.sql`. */
export function formatIssue(issue: z.core.$ZodIssue, schema?: z.ZodType, raw?: unknown): string {
  const path = renderPath(issue.path, raw) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const known = schema ? keysAt(schema, issue.path, raw) : [];
    const at = path === '(top level)' ? '' : `${path}.`;
    return issue.keys
      .map((key) => {
        const near = closest(key, known);
        return `${at}${key}: unknown key${near ? ` (did you mean ${near}?)` : ''}`;
      })
      .join('; ');
  }
  // zod says "expected string, received undefined" for a key that is not there at all.
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return `${path}: required`;
  return `${path}: ${issue.message}`;
}

function renderPath(path: readonly PropertyKey[], raw: unknown): string {
  const parts: string[] = [];
  let node = raw;
  for (const key of path) {
    const next = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    const name = typeof key === 'number' && next !== null && typeof next === 'object' ? (next as { name?: unknown }).name : undefined;
    if (typeof name === 'string' && /^[\w.-]{1,64}$/.test(name) && parts.length > 0) parts[parts.length - 1] += `[${name}]`;
    else parts.push(String(key));
    node = next;
  }
  return parts.join('.');
}

/** The keys an object schema takes at `path` (through optional, default, transform, preprocess,
 * list and union: a union offers the keys of each of its objects). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[], raw: unknown): string[] {
  let nodes: unknown[] = [schema];
  let value = raw;
  for (const key of [...path, null]) {
    nodes = nodes.flatMap(unwrap).filter((node) => fitsKind(node, value));
    if (key === null) break;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    nodes = nodes.flatMap((node) => {
      if (node instanceof z.ZodArray && typeof key === 'number') return [node.element];
      if (node instanceof z.ZodObject && String(key) in node.shape) return [node.shape[String(key)]];
      return [];
    });
  }
  return [...new Set(nodes.flatMap((node) => (node instanceof z.ZodObject ? Object.keys(node.shape) : [])))];
}

/** A union's object whose `kind` is a literal fits only a value of that kind (or one with none). */
function fitsKind(node: unknown, value: unknown): boolean {
  if (!(node instanceof z.ZodObject) || value === null || typeof value !== 'object' || !('kind' in value)) return true;
  let kind: unknown = node.shape.kind;
  while (kind instanceof z.ZodDefault || kind instanceof z.ZodOptional) kind = kind.unwrap();
  return !(kind instanceof z.ZodLiteral) || kind.values.has((value as { kind: unknown }).kind as never);
}

function unwrap(node: unknown): unknown[] {
  if (node instanceof z.ZodOptional || node instanceof z.ZodDefault || node instanceof z.ZodNullable) return unwrap(node.unwrap());
  // z.preprocess is a pipe from a transform into the schema that validates.
  if (node instanceof z.ZodPipe) return unwrap(node.in instanceof z.ZodTransform ? node.out : node.in);
  if (node instanceof z.ZodUnion) return node.options.flatMap(unwrap);
  return [node];
}

/** The known key a typo most likely meant: at most two edits away, or one a prefix of the other. */
export function closest(word: string, known: readonly string[]): string | null {
  let best: { key: string; distance: number } | null = null;
  for (const key of known) {
    const distance = key.startsWith(word) || word.startsWith(key) ? 1 : editDistance(word, key);
    if (distance <= 2 && (!best || distance < best.distance)) best = { key, distance };
  }
  return best?.key ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
