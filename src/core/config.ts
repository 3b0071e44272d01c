import { z } from 'zod';
import { parseDuration } from './duration.js';
import { levelNumber } from './levels.js';
import { compileSafeRegex, type SafeRegex } from './safe-regex.js';

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null || ms === 0) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 30s, 10m, 6h or 7d, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return ms;
});

/** A regex written by the operator, compiled now so a bad pattern is a config error. */
export const safeRegex = z.string().transform((source, ctx): SafeRegex => {
  const compiled = compileSafeRegex(source);
  if (!compiled.ok) {
    ctx.addIssue({ code: 'custom', message: compiled.error });
    return z.NEVER;
  }
  return compiled.regex;
});

const level = z.union([z.string(), z.number().int().min(0).max(100)]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const n = levelNumber(value);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown level ${JSON.stringify(value)}; use a loguru level name or number` });
    return z.NEVER;
  }
  return n;
});

const column = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name');

const columns = z.strictObject({
  id: column.default('id'),
  time: column.default('time'),
  level: column.default('level'),
  message: column.default('message'),
  logger: column.nullable().default('name'),
  function: column.nullable().default('function'),
  line: column.nullable().default('line'),
  exception: column.nullable().default('exception'),
  extra: column.nullable().default('extra'),
});

const source = z.strictObject({
  path: z.string().min(1),
  table: column.default('logs'),
  columns: columns.default(columns.parse({})),
  time_format: z.enum(['iso', 'unix', 'unix_ms']).default('iso'),
  min_level: level.default(30),
  first_run_lookback: duration.default(3_600_000),
  silence_after: duration.default(7_200_000),
});

const fingerprintRule = z
  .strictObject({
    match: z
      .strictObject({
        message: safeRegex.optional(),
        logger: z.string().min(1).optional(),
        exception: z.string().min(1).optional(),
      })
      .refine((m) => m.message || m.logger || m.exception, 'needs at least one of message, logger, exception'),
    /** Merge: every matching row gets this fixed fingerprint. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a short name: letters, digits, . _ -').optional(),
    /** Split: the default fingerprint, refined by these parts of the row. */
    split_by: z.array(z.enum(['captures', 'line', 'level'])).min(1).optional(),
  })
  .refine((r) => (r.name === undefined) !== (r.split_by === undefined), 'give either name (merge) or split_by (split)');

/** Explicit paths, since claude gets its own HOME: ~/.aws and ~/.config/gcloud are not found there. */
const bedrock = z.strictObject({
  region: z.string().min(1).optional(),
  profile: z.string().min(1).optional(),
  credentials_file: z.string().min(1).optional(),
  config_file: z.string().min(1).optional(),
});

const vertex = z.strictObject({
  region: z.string().min(1).optional(),
  project_id: z.string().min(1).optional(),
  credentials_file: z.string().min(1).optional(),
});

export const AUTH_KINDS = ['api_key', 'oauth_token', 'bedrock', 'vertex'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

const claude = z.strictObject({
  enabled: z.boolean().default(true),
  /** Which credential drives claude; unset: the one that is present. */
  auth: z.enum(AUTH_KINDS).optional(),
  bedrock: bedrock.optional(),
  vertex: vertex.optional(),
  command: z.string().min(1).default('claude'),
  model: z.string().min(1).default('sonnet'),
  max_turns: z.number().int().min(1).max(100).default(12),
  timeout: duration.default(600_000),
  max_budget_usd: z.number().positive().default(1),
  daily_max_runs: z.number().int().min(0).default(24),
  daily_budget_usd: z.number().min(0).default(10),
});

const ntfy = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).default('https://ntfy.sh'),
    topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'an ntfy topic: letters, digits, - and _ (at most 64)'),
    token_env: z.string().min(1).optional(),
    token_file: z.string().min(1).optional(),
    click: z.string().min(1).optional(),
  })
  .refine((n) => !(n.token_env && n.token_file), 'give token_env or token_file, not both');

const notify = z.strictObject({
  ntfy: ntfy.optional(),
  discord: z.strictObject({ webhook_url_env: z.string().min(1) }).optional(),
  max_age: duration.default(86_400_000),
});

const metric = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _'),
    description: z.string().default(''),
    sql: z.string().min(1).optional(),
    count_where: z.string().min(1).optional(),
    bucket: duration.default(60_000),
    limit: z.number().positive().optional(),
    unit: z.string().optional(),
    counter: z.boolean().default(false),
  })
  .refine((m) => (m.sql === undefined) !== (m.count_where === undefined), 'give either sql or count_where');

const scriptArg = z.strictObject({
  enum: z.array(z.string().min(1)).min(1).optional(),
  pattern: safeRegex.optional(),
  description: z.string().optional(),
});

const script = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _'),
  description: z.string().default(''),
  command: z.array(z.string().min(1)).min(1),
  args: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), scriptArg).default({}),
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
  timeout: duration.default(30_000),
});

/** A Markdown runbook, put in the prompt when a triggered group matches (HolmesGPT's runbooks). */
const runbook = z.strictObject({
  match: z
    .strictObject({
      fingerprint: z.string().min(1).optional(),
      logger: z.string().min(1).optional(),
      message: safeRegex.optional(),
      exception: z.string().min(1).optional(),
    })
    .refine((m) => Object.values(m).some((v) => v !== undefined), 'needs at least one of fingerprint, logger, message, exception'),
  file: z.string().min(1),
});

const codeRoot = z.strictObject({
  /** The deployed source, read only; a git work tree also gives recent_changes and show_change. */
  root: z.string().min(1),
  include: z.array(z.string().min(1)).min(1).default(['**/*']),
  exclude: z.array(z.string().min(1)).default([]),
});

export const configSchema = z.strictObject({
  source,
  state_dir: z.string().min(1).optional(),
  incidents_dir: z.string().min(1).default('./incidents'),
  ignore_file: z.string().min(1).default('./ignore.yaml'),
  fingerprint: z.strictObject({ rules: z.array(fingerprintRule).default([]) }).default({ rules: [] }),
  redact: z.strictObject({ patterns: z.array(safeRegex).default([]) }).default({ patterns: [] }),
  claude: claude.default(claude.parse({})),
  investigate: z
    .strictObject({
      cooldown: duration.default(21_600_000),
      max_attempts: z.number().int().min(1).max(20).default(3),
      /** The team's Markdown: what the system is, what is normal, who to call (examples/team-context.md). */
      context_file: z.string().min(1).optional(),
    })
    .default({ cooldown: 21_600_000, max_attempts: 3 }),
  runbooks: z.array(runbook).default([]),
  notify: notify.default({ max_age: 86_400_000 }),
  metrics: z.array(metric).default([]),
  scripts: z.array(script).default([]),
  system: z.strictObject({ mounts: z.array(z.string().min(1)).default(['/']) }).default({ mounts: ['/'] }),
  heartbeat: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }).optional(),
  /** One root or several. */
  code: z
    .union([codeRoot, z.array(codeRoot)])
    .transform((code) => (Array.isArray(code) ? code : [code]))
    .default([]),
});

export type Config = z.infer<typeof configSchema>;
export type FingerprintRule = Config['fingerprint']['rules'][number];
export type MetricConfig = Config['metrics'][number];
export type ScriptConfig = Config['scripts'][number];
export type CodeRootConfig = Config['code'][number];
export type RunbookConfig = Config['runbooks'][number];

export type ParsedConfig = { ok: true; config: Config } | { ok: false; errors: string[] };

/** Validates raw YAML data; errors are `key.path: message`, one per problem. */
export function parseConfig(raw: unknown): ParsedConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, errors: result.error.issues.map(formatIssue) };
}

export function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${path === '(top level)' ? '' : `${path}.`}${issue.keys.join(', ')}: unknown key${issue.keys.length > 1 ? 's' : ''}`;
  }
  return `${path}: ${issue.message}`;
}
