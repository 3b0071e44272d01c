import { execa } from 'execa';
import * as z from '../core/zod.js';
import type { ScriptConfig } from '../core/config.js';
import { cleanField } from '../core/clean.js';
import type { Redactor } from '../core/redact.js';
import { compileSafeRegex } from '../core/safe-regex.js';
import { settleWithin } from '../adapters/process-group.js';
import { defineAnalysis, type Analysis } from './define.js';
import { fence } from './render.js';

/** Read at most this much of stdout (the script is killed past it); the analysis returns 8 KB. */
export const READ_CAP = 65_536;
const STDERR_CAP = 16_384;
const STDERR_LINES = 10;
const MAX_VALUE_LENGTH = 256;

export type ScriptArgs = Record<string, string | undefined>;

/**
 * Declared arguments only, each checked against its `enum` or its `pattern` (which must match the
 * WHOLE value). They reach the script as `--name=value`, one argv element each, after the
 * configured command and in the config's order: never through a shell, so `;`, `$()` and quotes
 * are plain characters.
 */
export function buildScriptArgv(script: ScriptConfig, args: ScriptArgs): { ok: true; argv: string[] } | { ok: false; message: string } {
  const unknown = Object.keys(args).filter((name) => !Object.hasOwn(script.args, name));
  if (unknown.length) {
    const declared = Object.keys(script.args).join(', ') || 'none';
    return { ok: false, message: `${script.name}: unknown argument ${unknown.map((n) => `--${n}`).join(', ')} (declared: ${declared})` };
  }
  const argv: string[] = [];
  for (const [name, spec] of Object.entries(script.args)) {
    const value = args[name];
    if (value === undefined) continue;
    if (value.length > MAX_VALUE_LENGTH || /[\0-\x1f\x7f]/.test(value)) {
      return { ok: false, message: `${script.name}: --${name}: at most ${MAX_VALUE_LENGTH} printable characters` };
    }
    if (spec.enum && !spec.enum.includes(value)) {
      return { ok: false, message: `${script.name}: --${name}: ${JSON.stringify(value)} is not one of ${spec.enum.join(', ')}` };
    }
    if (spec.pattern) {
      const whole = compileSafeRegex(`^(?:${spec.pattern.source})$`);
      if (!whole.ok || !whole.regex.test(value)) {
        return { ok: false, message: `${script.name}: --${name}: ${JSON.stringify(value)} does not match ${spec.pattern.source}` };
      }
    }
    argv.push(`--${name}=${value}`);
  }
  return { ok: true, argv };
}

export type ScriptOutcome =
  | { kind: 'rejected'; message: string }
  | { kind: 'finished'; exitCode: number; stdout: string; stderrTail: string; cut: boolean; durationMs: number }
  | { kind: 'timeout'; stdout: string; stderrTail: string; durationMs: number }
  | { kind: 'failed'; message: string };

export interface ScriptRunOptions {
  /** Where the declared `env` names are looked up (the caller's environment). */
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
  cwd?: string;
}

/** Runs one configured script with validated arguments, a timeout, bounded output and an env of
 * PATH plus the names the config declares, nothing else. */
export async function runOperatorScript(script: ScriptConfig, args: ScriptArgs, options: ScriptRunOptions): Promise<ScriptOutcome> {
  const built = buildScriptArgv(script, args);
  if (!built.ok) return { kind: 'rejected', message: built.message };
  const env: Record<string, string> = { PATH: options.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
  for (const name of script.env) {
    const value = options.env[name];
    if (value !== undefined) env[name] = value;
  }
  const [command, ...fixed] = script.command as [string, ...string[]];
  const started = performance.now();
  const child = execa(command, [...fixed, ...built.argv], {
    env,
    extendEnv: false,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: 'ignore',
    detached: true, // its own process group: a timeout also reaches whatever the script started
    maxBuffer: { stdout: READ_CAP, stderr: STDERR_CAP },
    reject: false,
  });
  // The group: a background child left behind would outlive a read-only analysis.
  const { result, timedOut } = await settleWithin(child, script.timeout);
  const durationMs = Math.round(performance.now() - started);
  const clean = (text: unknown, cap: number) => cleanField(typeof text === 'string' ? text : '', cap, options.redactor).text;
  const stdout = clean(result.stdout, READ_CAP);
  const stderrTail = clean(result.stderr, STDERR_CAP).split('\n').slice(-STDERR_LINES).join('\n');
  if (timedOut) return { kind: 'timeout', stdout, stderrTail, durationMs };
  if (result.exitCode === undefined && !result.isMaxBuffer) {
    return { kind: 'failed', message: `${script.name}: ${command}: ${result.code ?? result.shortMessage}` };
  }
  return { kind: 'finished', exitCode: result.exitCode ?? -1, stdout, stderrTail, cut: result.isMaxBuffer, durationMs };
}

/** Renders an outcome: a one-line verdict, then the output as untrusted text. */
export function renderScriptOutcome(script: ScriptConfig, outcome: Exclude<ScriptOutcome, { kind: 'rejected' }>): string {
  if (outcome.kind === 'failed') return `${script.name}: could not start — ${outcome.message}`;
  const seconds = `${(outcome.durationMs / 1000).toFixed(1)} s`;
  const head =
    outcome.kind === 'timeout'
      ? `${script.name}: timed out after ${seconds} (limit ${script.timeout / 1000} s) and was killed`
      : outcome.cut
        ? `${script.name}: output cut at ${READ_CAP / 1024} KB, so the script was stopped after ${seconds} (exit ${outcome.exitCode})`
        : `${script.name}: exit ${outcome.exitCode} in ${seconds}`;
  const out = [head, '', 'Output (untrusted text):', fence(outcome.stdout.replace(/\n$/, '') || '(none)')];
  if (outcome.stderrTail.trim() && (outcome.kind === 'timeout' || outcome.exitCode !== 0)) {
    out.push('', `Last lines of stderr:`, fence(outcome.stderrTail.replace(/\n$/, '')));
  }
  return out.join('\n');
}

/** One analysis per configured script, named as in the config. */
export function createScriptAnalysis(script: ScriptConfig, options: Omit<ScriptRunOptions, 'redactor'>): Analysis {
  const shape = Object.fromEntries(
    Object.entries(script.args).map(([name, spec]) => {
      const base = spec.enum ? z.enum(spec.enum as [string, ...string[]]) : z.string().max(MAX_VALUE_LENGTH);
      const hint = spec.pattern ? ` (must match ${spec.pattern.source})` : '';
      return [name, base.optional().describe(`${spec.description ?? name}${hint}`)];
    }),
  );
  return defineAnalysis({
    name: script.name,
    description: `${script.description || `The operator's script ${script.name}`} (runs ${script.command.join(' ')}; read-only, times out after ${script.timeout / 1000} s).`,
    inputSchema: z.strictObject(shape),
    async run(args, { redactor }) {
      const outcome = await runOperatorScript(script, args, { ...options, redactor });
      if (outcome.kind === 'rejected') return { kind: 'rejected', text: outcome.message };
      return { kind: 'ok', text: renderScriptOutcome(script, outcome), truncated: outcome.kind === 'finished' && outcome.cut };
    },
  });
}
