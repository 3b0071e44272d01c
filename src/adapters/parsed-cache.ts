import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { IgnoreRule } from '../core/ignore-schema.js';
import { reviveParsed, serializeParsed } from '../core/parsed-json.js';
import { type LoadedConfig, placeConfig, readConfigText } from './config-paths.js';
import { readIgnoreText } from './ignore-text.js';

// The timer's quiet run parses the same config and ignore file every five minutes, and parsing is
// most of what it costs: the YAML parser, zod and the schemas it builds are ~80 ms of a ~250 ms run.
// Under the units a run keeps what it parsed in their CacheDirectory= (systemd passes it as
// $CACHE_DIRECTORY, private to sentinel's user), and the next run reads it back instead: an entry
// serves only the exact bytes of the file and the exact build that parsed it, so an edited file or
// an upgraded sentinel is parsed again. By hand and in a dry run nothing is cached (sentinel writes
// nothing to the user's home), and anything amiss with an entry is a miss, never an error.

export interface ParsedCache {
  get(kind: string, file: string, text: string): unknown;
  put(kind: string, file: string, text: string, value: unknown): void;
}

/** The cache in `cacheDirectory`, for the build at `cliPath`; null (parse every time) without a
 * directory or when the build cannot be identified. */
export function openParsedCache(cacheDirectory: string | undefined, cliPath: string): ParsedCache | null {
  const dir = cacheDirectory?.split(':')[0];
  if (!dir) return null;
  let build: string;
  try {
    // The bundle's entry names every chunk by a hash of its content: its own bytes name the build.
    build = sha256(readFileSync(realpathSync(cliPath), 'utf8'));
  } catch {
    return null;
  }
  const root = join(dir, 'parsed');
  const entryPath = (kind: string, file: string) => join(root, `${kind}-${sha256(file).slice(0, 16)}.json`);
  const keyOf = (text: string) => sha256(`${build}\u0000${text}`);
  return {
    get(kind, file, text) {
      try {
        const entry = JSON.parse(readFileSync(entryPath(kind, file), 'utf8')) as { key?: unknown; value?: unknown };
        if (entry.key !== keyOf(text) || typeof entry.value !== 'string') return undefined;
        return reviveParsed(entry.value) ?? undefined;
      } catch {
        return undefined;
      }
    },
    put(kind, file, text, value) {
      const serialized = serializeParsed(value);
      if (serialized === null) return;
      try {
        mkdirSync(root, { recursive: true, mode: 0o700 });
        const path = entryPath(kind, file);
        const temporary = `${path}.${process.pid}.tmp`;
        writeFileSync(temporary, JSON.stringify({ key: keyOf(text), value: serialized }), { mode: 0o600 });
        renameSync(temporary, path);
      } catch {
        // A cache that cannot be written is skipped: the next run parses again.
      }
    },
  };
}

/** `loadConfig`, through the cache: the YAML parser and zod load only on a miss. */
export async function loadConfigCached(file: string, env: NodeJS.ProcessEnv, cache: ParsedCache | null): Promise<LoadedConfig> {
  const text = readConfigText(file);
  const cached = cache?.get('config', file, text) as Config | undefined;
  if (cached !== undefined) return placeConfig(file, env, cached);
  const { parseConfigText } = await import('./config-file.js');
  const config = parseConfigText(file, text);
  cache?.put('config', file, text, config);
  return placeConfig(file, env, config);
}

/** `loadIgnoreRules`, through the cache. */
export async function loadIgnoreRulesCached(file: string, cache: ParsedCache | null): Promise<IgnoreRule[]> {
  const text = readIgnoreText(file);
  const cached = cache?.get('ignore', file, text) as IgnoreRule[] | undefined;
  if (cached !== undefined) return cached;
  const { parseIgnoreText } = await import('./ignore-file.js');
  const rules = parseIgnoreText(file, text);
  cache?.put('ignore', file, text, rules);
  return rules;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
