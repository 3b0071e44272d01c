// The ignore file's rules as the operator writes them, validated; matching them is ignore.ts's.
import * as z from './zod.js';
import { formatIssue, loggerGlob, safeRegex } from './config.js';
import { parseDuration } from './duration.js';
import { levelName, levelNumber } from './levels.js';

const date = z.union([z.date(), z.string()]).transform((value, ctx) => {
  const ms = value instanceof Date ? value.getTime() : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected a date such as 2026-12-31, got ${JSON.stringify(String(value))}` });
    return z.NEVER;
  }
  return ms;
});

const rate = z.strictObject({
  count: z.number().int().min(1),
  per: z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (!ms) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 1h, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return ms;
  }),
});

/** `WARN`, `warning` and `30` all mean loguru's `WARNING`, as in the config: a rule written with an
 * alias must match the rows it names. */
const ruleLevel = z.union([z.string(), z.number().int().min(0).max(100)]).transform((value, ctx) => {
  const n = typeof value === 'number' ? value : levelNumber(value);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown level ${JSON.stringify(value)}; use a loguru level name such as WARNING or ERROR` });
    return z.NEVER;
  }
  return levelName(n);
});

const ruleSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ -'),
  match: z
    .strictObject({
      fingerprint: z.string().min(1).optional(),
      message: safeRegex.optional(),
      logger: loggerGlob.optional(),
      exception: z.string().min(1).optional(),
      level: ruleLevel.optional(),
    })
    .refine((m) => Object.values(m).some((v) => v !== undefined), 'needs at least one of fingerprint, message, logger, exception, level'),
  reason: z.string().trim().min(1, 'a rule needs a reason'),
  // `added: 2026-11-29` by hand, `added: {date, author}` from `ignore add`.
  added: z
    .preprocess(
      (value) => (typeof value === 'string' || value instanceof Date ? { date: value } : value),
      z.strictObject({ date, author: z.string().min(1).optional() }),
    )
    .optional(),
  until: date.optional(),
  unless: rate.optional(),
});

export type IgnoreRule = z.infer<typeof ruleSchema>;

export type ParsedRules = { ok: true; rules: IgnoreRule[] } | { ok: false; errors: string[] };

/** Validates the ignore file's list; an error names the rule by its id (or its position). */
export function parseIgnoreRules(raw: unknown): ParsedRules {
  const list = z.array(z.unknown()).safeParse(raw ?? []);
  if (!list.success) return { ok: false, errors: ['the ignore file must be a YAML list of rules'] };
  const rules: IgnoreRule[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  list.data.forEach((item, index) => {
    const parsed = ruleSchema.safeParse(item);
    const name = typeof item === 'object' && item && 'id' in item ? `rule ${String(item.id)}` : `rule #${index + 1}`;
    if (!parsed.success) {
      errors.push(...parsed.error.issues.map((issue) => `${name}: ${formatIssue(issue, ruleSchema)}`));
      return;
    }
    if (seen.has(parsed.data.id)) errors.push(`${name}: duplicate id`);
    seen.add(parsed.data.id);
    rules.push(parsed.data);
  });
  return errors.length ? { ok: false, errors } : { ok: true, rules };
}
