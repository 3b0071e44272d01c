import { formatDuration, parseDuration } from './duration.js';

/** `system`: units in /etc/systemd/system under a service account; `user`: `systemctl --user`. */
export type UnitScope = 'system' | 'user';

export interface UnitParams {
  scope: UnitScope;
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of dist/cli.js; its parent's parent is the app dir, bound read-only. */
  cli: string;
  /** Absolute path of sentinel.yaml; its directory is bound read-only. */
  config: string;
  /** Directory of the app's log database, bound read-only. */
  logDbDir: string;
  /** System scope: the service account (default `sentinel`). */
  user?: string;
  /** System scope: a group that may read the log database; empty or absent for none. */
  logGroup?: string;
  /** How often `sentinel run` fires (default 5m). */
  runInterval?: string;
  /** How often `sentinel health` fires (default 1h). */
  healthInterval?: string;
  /** Claude's own timeout (default 10 min); the units allow 5 min more. */
  claudeTimeoutMs?: number;
  /** With autofix enabled: the fixing run's timeout plus both test runs' (default 15 + 2 × 10 min). */
  autofixTimeoutMs?: number;
}

export type RenderResult = { kind: 'ok'; units: Record<string, string> } | { kind: 'invalid'; errors: string[] };

export const UNIT_FILES = [
  'sentinel.service',
  'sentinel.timer',
  'sentinel-health.service',
  'sentinel-health.timer',
  'sentinel-failure@.service',
] as const;

/** Rendered only when autofix.enabled is true: a separate unit, so alerting never waits for a fix. */
export const AUTOFIX_UNIT_FILES = ['sentinel-autofix.service', 'sentinel-autofix.timer'] as const;
const AUTOFIX_INTERVAL_MS = 15 * 60_000;

const MINUTE = 60_000;
const GRACE_MS = 5 * MINUTE;
// Whitespace splits lists and arguments, `%` is a specifier, `$` expands variables, `\` and
// quotes escape, `;` separated commands, `:` splits bind sources, a newline starts a directive.
const SAFE_PATH = /^(\/[A-Za-z0-9._@+-]+)+$/;
const SAFE_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Fills the templates for one scope; every value is checked before it reaches a unit file. */
export function renderUnits(templates: Record<string, string>, params: UnitParams): RenderResult {
  const errors: string[] = [];
  const values = collectValues(params, errors);
  const units: Record<string, string> = {};
  // A refused value leaves its placeholder empty: say what was refused, not the template's insides.
  const refused = errors.length > 0;
  for (const [name, template] of Object.entries(templates)) {
    const scoped = params.scope === 'user' ? adaptForUser(template) : template;
    units[name] = scoped.replace(/\{\{([a-z_]+)\}\}/g, (whole, key: string) => {
      const value = values.get(key);
      if (value === undefined && !refused) errors.push(`${name}: unknown placeholder ${whole}`);
      return value ?? whole;
    });
  }
  return errors.length > 0 ? { kind: 'invalid', errors } : { kind: 'ok', units };
}

/** Timer lines for an interval: aligned calendar times when the interval divides the hour or day. */
export function scheduleFor(intervalMs: number): string[] {
  const minutes = intervalMs / MINUTE;
  if (minutes < 60 && 60 % minutes === 0) return [`OnCalendar=*-*-* *:00/${minutes}:00`];
  const hours = minutes / 60;
  if (Number.isInteger(hours) && 24 % hours === 0) return [`OnCalendar=*-*-* 00/${hours}:00:00`];
  // No calendar spelling: a monotonic timer (Persistent= does not apply to it).
  const every = formatDuration(intervalMs);
  return [`OnBootSec=${every}`, `OnUnitActiveSec=${every}`];
}

/** The commands that load the rendered units and start both timers. */
export function listEnableCommands(scope: UnitScope, autofix = false): string[][] {
  const systemctl = scope === 'user' ? ['systemctl', '--user'] : ['systemctl'];
  const commands = [
    [...systemctl, 'daemon-reload'],
    [...systemctl, 'enable', '--now', 'sentinel.timer', 'sentinel-health.timer', ...(autofix ? ['sentinel-autofix.timer'] : [])],
  ];
  // Without lingering, a user's timers stop when the user logs out.
  return scope === 'user' ? [['loginctl', 'enable-linger'], ...commands] : commands;
}

function collectValues(params: UnitParams, errors: string[]): Map<string, string> {
  const values = new Map<string, string>([['scope', params.scope]]);
  const path = (key: string, label: string, value: string): void => {
    if (SAFE_PATH.test(value) && !/\/\.\.?(\/|$)/.test(value)) values.set(key, value);
    else errors.push(`${label}: must be an absolute path of letters, digits and ._@+- (got ${JSON.stringify(value)})`);
  };
  path('node', 'node', params.node);
  path('cli', 'cli', params.cli);
  path('config', 'config', params.config);
  path('log_db_dir', 'logDbDir', params.logDbDir);
  const appDir = parentOf(parentOf(params.cli));
  if (values.has('cli') && appDir === '/') errors.push(`cli: must sit in an app directory, like /opt/sentinel/dist/cli.js`);
  values.set('app_dir', appDir);
  values.set('config_dir', parentOf(params.config));

  if (params.scope === 'system') {
    // Only the app, config and log DB dirs are bound back into the tmpfs over the homes.
    if (/^\/(home|root|run\/user)\//.test(params.node)) {
      errors.push(`node: ${params.node} is hidden by ProtectHome=; use a system-wide node (like /usr/bin/node) or the user units`);
    }
    const user = params.user ?? 'sentinel';
    const logGroup = params.logGroup ?? '';
    if (SAFE_NAME.test(user)) values.set('user', user);
    else errors.push(`--run-as: must be a user name like "sentinel" (got ${JSON.stringify(user)})`);
    if (logGroup === '' || SAFE_NAME.test(logGroup)) values.set('log_group', logGroup);
    else errors.push(`--log-group: must be a group name like "app" (got ${JSON.stringify(logGroup)})`);
  }

  const claudeTimeoutMs = params.claudeTimeoutMs ?? 10 * MINUTE;
  if (Number.isInteger(claudeTimeoutMs) && claudeTimeoutMs > 0) {
    values.set('timeout_start', formatDuration(claudeTimeoutMs + GRACE_MS));
  } else errors.push(`claudeTimeoutMs: must be a positive whole number of milliseconds`);
  const autofixTimeoutMs = params.autofixTimeoutMs ?? 35 * MINUTE;
  if (Number.isInteger(autofixTimeoutMs) && autofixTimeoutMs > 0)
    values.set('autofix_timeout_start', formatDuration(autofixTimeoutMs + GRACE_MS));
  else errors.push(`autofixTimeoutMs: must be a positive whole number of milliseconds`);
  values.set('autofix_interval', formatDuration(AUTOFIX_INTERVAL_MS));
  values.set('autofix_schedule', scheduleFor(AUTOFIX_INTERVAL_MS).join('\n'));

  for (const [name, flag, raw] of [
    ['run', '--interval', params.runInterval ?? '5m'],
    ['health', '--health-interval', params.healthInterval ?? '1h'],
  ] as const) {
    const ms = parseDuration(raw);
    if (ms === null || ms % MINUTE !== 0 || ms < MINUTE || ms > 24 * 60 * MINUTE) {
      errors.push(`${flag}: must be whole minutes or hours from 1m to 24h, like 5m or 1h (got ${JSON.stringify(raw)})`);
      continue;
    }
    values.set(`${name}_interval`, formatDuration(ms));
    values.set(`${name}_schedule`, scheduleFor(ms).join('\n'));
  }
  return values;
}

/** What changes between a system unit and its `systemctl --user` twin, directive by directive. */
const USER_SCOPE_EDITS = new Map<string, (value: string) => string | null>([
  // Identity and these sandboxing settings are system-only (systemd.exec(5)).
  ['User', () => null],
  ['Group', () => null],
  ['SupplementaryGroups', () => null],
  ['ProtectProc', () => null],
  ['ProtectControlGroups', () => null],
  ['RemoveIPC', () => null],
  // network-online.target is a system unit the user manager cannot order against.
  ['Wants', (value) => (value === 'network-online.target' ? null : value)],
  ['After', (value) => (value === 'network-online.target' ? null : value)],
  // The state and cache dirs live under ~ in user mode: a tmpfs over /home would hide them.
  ['ProtectHome', () => 'read-only'],
  // The user manager cannot read /etc/credstore; an absolute source must exist (may be empty).
  ['LoadCredential', (value) => (value.includes(':') ? value : `${value}:%E/credstore/${value}`)],
]);

function adaptForUser(template: string): string {
  const out: string[] = [];
  let comments: string[] = [];
  for (const line of template.split('\n')) {
    if (line.startsWith('#')) {
      comments.push(line);
      continue;
    }
    const [, key = '', value = ''] = /^([A-Za-z]+)=(.*)$/.exec(line) ?? [];
    const edit = USER_SCOPE_EDITS.get(key);
    const edited = edit ? edit(value) : value;
    // A comment explains the directive below it: it goes when that directive goes or changes.
    if (edited === value) out.push(...comments, line);
    else if (edited !== null) out.push(`${key}=${edited}`);
    comments = [];
    if (line === '[Service]') {
      out.push('# The user manager applies the namespacing settings only inside a user namespace.');
      out.push('PrivateUsers=yes');
    }
  }
  out.push(...comments);
  return out.join('\n');
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}
