import * as z from './zod.js';
import { parseDuration } from './duration.js';
import { levelNumber } from './levels.js';
import { checkLoggerGlob } from './logger-glob.js';
import { compileSafeRegex, type SafeRegex } from './safe-regex.js';
import { formatIssue } from './zod-issues.js';

export { formatIssue } from './zod-issues.js';

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

/** A `match.logger` glob, checked now so a bad one is a config error (matching is linear: logger-glob.ts). */
export const loggerGlob = z
  .string()
  .min(1)
  .superRefine((glob, ctx) => {
    const error = checkLoggerGlob(glob);
    if (error) ctx.addIssue({ code: 'custom', message: error });
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
  host: column.nullable().default(null),
});

/** How rows are named in counts, incidents and checkpoints; the one `source:` is `main`. */
const sourceName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, _ and - (at most 32)')
  .default('main');

const sourceCommon = {
  name: sourceName,
  table: column.default('logs'),
  time_format: z.enum(['iso', 'unix', 'unix_ms']).default('iso'),
  min_level: level.default(30),
  first_run_lookback: duration.default(3_600_000),
  silence_after: duration.default(7_200_000),
};

const sqliteSource = z.strictObject({
  kind: z.literal('sqlite').default('sqlite'),
  path: z.string().min(1),
  columns: columns.default(columns.parse({})),
  ...sourceCommon,
});

const postgresColumns = columns.extend({
  /** `xid8 DEFAULT pg_current_xact_id()`: with the id, the cursor that never skips a late commit. */
  txid: column.default('txid'),
  host: column.nullable().default('host'), // the reference sink writes it
});

const postgresSource = z.strictObject({
  kind: z.literal('postgres'),
  /** The connection URL comes from this variable, else from the systemd credential `url_credential`. */
  url_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .default('SENTINEL_PG_URL'),
  url_credential: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a credential name')
    .default('postgres-url'),
  columns: postgresColumns.default(postgresColumns.parse({})),
  /** Rows per query; a run reads all of them, this many at a time. */
  batch_limit: z.number().int().min(1).max(100_000).default(5000),
  statement_timeout: duration.default(30_000),
  ...sourceCommon,
});

// `kind` defaults to sqlite, so the key is filled in before the union picks a branch.
const source = z.preprocess(
  (raw) => (raw !== null && typeof raw === 'object' && !('kind' in raw) ? { kind: 'sqlite', ...raw } : raw),
  z.discriminatedUnion('kind', [sqliteSource, postgresSource]),
);

const fingerprintRule = z
  .strictObject({
    match: z
      .strictObject({
        message: safeRegex.optional(),
        logger: loggerGlob.optional(),
        exception: z.string().min(1).optional(),
      })
      .refine((m) => m.message || m.logger || m.exception, 'needs at least one of message, logger, exception'),
    /** Merge: every matching row gets this fixed fingerprint. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a short name: letters, digits, . _ -')
      .optional(),
    /** Split: the default fingerprint, refined by these parts of the row. */
    split_by: z
      .array(z.enum(['captures', 'line', 'level']))
      .min(1)
      .optional(),
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

const NTFY_TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

const ntfy = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).default('https://ntfy.sh'),
    topic: z.string().regex(NTFY_TOPIC, 'an ntfy topic: letters, digits, - and _ (at most 64)').optional(),
    token_env: z.string().min(1).optional(),
    token_file: z.string().min(1).optional(),
    click: z.string().min(1).optional(),
    // issue 15: attach the incident file to the push (ntfy's attachment upload), one tap away.
    attach: z.boolean().default(false),
  })
  .refine((n) => !(n.token_env && n.token_file), 'give token_env or token_file, not both')
  .transform((n, ctx) => splitNtfyUrl(n, ctx));

/** issue 15: `https://ntfy.sh/mytopic`, as ntfy's docs write it, is taken apart into the server root and
 * the topic; publishing JSON to a topic URL would put raw JSON on the phones. */
function splitNtfyUrl<T extends { url: string; topic?: string | undefined }>(n: T, ctx: z.RefinementCtx): T & { topic: string } {
  const url = new URL(n.url);
  const path = url.pathname.replace(/\/+$/, '');
  const root = `${url.protocol}//${url.host}`;
  if (path === '') {
    if (n.topic !== undefined) return { ...n, topic: n.topic };
    ctx.addIssue({ code: 'custom', path: ['topic'], message: 'required: the topic to publish to (or end notify.ntfy.url in it)' });
    return z.NEVER;
  }
  const inUrl = path.slice(1);
  if (!NTFY_TOPIC.test(inUrl)) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: `give the server root (${root}) and the topic apart, not the path ${path}` });
    return z.NEVER;
  }
  if (n.topic !== undefined && n.topic !== inUrl) {
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message: `ends in topic ${inUrl} but topic is ${n.topic}: give the server root (${root})`,
    });
    return z.NEVER;
  }
  return { ...n, url: root, topic: inUrl };
}

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

const glob = z
  .string()
  .min(1)
  .refine((g) => !g.startsWith('/') && !g.split('/').includes('..'), 'a path glob relative to the repository root, without ..');

const autofixTest = z.strictObject({
  /** An argument array, run without a shell in a throwaway worktree. */
  command: z.array(z.string().min(1)).min(1),
  timeout: duration.default(600_000),
  /** Names of variables passed from sentinel's environment; nothing else is (no credentials). */
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
  /** bwrap: no network, read-only system, only the worktree writable. none: a laptop without bubblewrap. */
  isolation: z.enum(['bwrap', 'none']).default('bwrap'),
  /** Extra directories the tests read (a virtualenv, a toolchain), bound read-only. */
  read_only_paths: z.array(z.string().regex(/^\//, 'an absolute path')).default([]),
});

const autofix = z
  .strictObject({
    enabled: z.boolean().default(false),
    repository: z
      .strictObject({
        /** What git clones and pushes to: https://github.com/OWNER/NAME.git (or a path, for tests). */
        url: z.string().min(1),
        /** OWNER/NAME on GitHub, or GROUP/NAME on GitLab: one of the two. */
        github: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'OWNER/NAME')
          .optional(),
        gitlab: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, 'GROUP/NAME')
          .optional(),
        /** Default https://api.github.com, or https://gitlab.com/api/v4. */
        api_url: z.url({ protocol: /^https?$/ }).optional(),
        token_env: z.string().min(1).default('SENTINEL_FORGE_TOKEN'),
        allow_public: z.boolean().default(false),
      })
      .refine((r) => (r.github === undefined) !== (r.gitlab === undefined), 'give either github: OWNER/NAME or gitlab: GROUP/NAME')
      .optional(),
    /** Globs the fix may change; everything else is refused by the diff gate. */
    paths: z.array(glob).min(1).default(['**']),
    /** Added to the built-in denied paths (CI, manifests, lock files, migrations, env files, shell scripts). */
    deny_paths: z.array(glob).default([]),
    max_files: z.number().int().min(1).max(50).default(5),
    max_changed_lines: z.number().int().min(1).max(5000).default(200),
    min_confidence: z.number().min(0).max(1).default(0.8),
    severities: z
      .array(z.enum(['critical', 'high', 'medium', 'low']))
      .min(1)
      .default(['critical', 'high']),
    daily_max_attempts: z.number().int().min(0).default(2),
    daily_max_prs: z.number().int().min(0).default(1),
    /** Of claude.daily_budget_usd / daily_max_runs, what autofix never spends: kept for alerting. */
    reserve_usd: z.number().min(0).default(3),
    reserve_runs: z.number().int().min(0).default(4),
    model: z.string().min(1).default('sonnet'),
    max_turns: z.number().int().min(1).max(200).default(40),
    max_budget_usd: z.number().positive().default(3),
    timeout: duration.default(900_000),
    test: autofixTest.optional(),
    labels: z.array(z.string().min(1).max(50)).max(10).default(['sentinel', 'autofix']),
  })
  .refine((a) => !a.enabled || a.repository !== undefined, { message: 'enabled autofix needs a repository', path: ['repository'] });

/** A Markdown runbook, put in the prompt when a triggered group matches (HolmesGPT's runbooks). */
const runbook = z.strictObject({
  match: z
    .strictObject({
      fingerprint: z.string().min(1).optional(),
      logger: loggerGlob.optional(),
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

const configObject = z.strictObject({
  source: source.optional(),
  sources: z.array(source).min(1).optional(),
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
      // How long the first push may wait for Claude before the deterministic report leaves.
      first_push_within: duration.default(60_000),
      /** The team's Markdown: what the system is, what is normal, who to call (examples/team-context.md). */
      context_file: z.string().min(1).optional(),
    })
    .default({ cooldown: 21_600_000, max_attempts: 3, first_push_within: 60_000 }),
  runbooks: z.array(runbook).default([]),
  notify: notify.default({ max_age: 86_400_000 }),
  metrics: z.array(metric).default([]),
  scripts: z.array(script).default([]),
  system: z.strictObject({ mounts: z.array(z.string().min(1)).default(['/']) }).default({ mounts: ['/'] }),
  heartbeat: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }).optional(),
  autofix: autofix.default(autofix.parse({})),
  /** One root or several. */
  code: z
    .union([codeRoot, z.array(codeRoot)])
    .transform((code) => (Array.isArray(code) ? code : [code]))
    .default([]),
});

/** `source:` (one) or `sources:` (several, each named): either way `sources` lists them all and
 * `source` is the first, the one the analyses and `status` read. */
export const configSchema = configObject
  .superRefine((c, ctx) => {
    if ((c.source === undefined) === (c.sources === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['source'], message: 'give either source (one) or sources (a list)' });
      return;
    }
    const seen = new Set<string>();
    for (const [i, s] of (c.sources ?? []).entries()) {
      if (seen.has(s.name))
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'name'], message: `two sources are named ${JSON.stringify(s.name)}` });
      seen.add(s.name);
    }
  })
  .transform(({ source: one, sources, ...rest }) => {
    const all = sources ?? [one!];
    return { ...rest, source: all[0]!, sources: all };
  });

export type Config = z.infer<typeof configSchema>;
export type SourceConfig = Config['sources'][number];
export type SqliteSourceConfig = Extract<SourceConfig, { kind: 'sqlite' }>;
export type PostgresSourceConfig = Extract<SourceConfig, { kind: 'postgres' }>;
export type FingerprintRule = Config['fingerprint']['rules'][number];
export type MetricConfig = Config['metrics'][number];
export type ScriptConfig = Config['scripts'][number];
export type AutofixConfig = Config['autofix'];
export type CodeRootConfig = Config['code'][number];
export type RunbookConfig = Config['runbooks'][number];

export type ParsedConfig = { ok: true; config: Config } | { ok: false; errors: string[] };

/** Validates raw YAML data; errors are `key.path: message`, one per problem. */
export function parseConfig(raw: unknown): ParsedConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, errors: result.error.issues.map((issue) => formatIssue(issue, configSchema, raw)) };
}
