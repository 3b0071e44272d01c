import { parse as parseYaml, YAMLParseError } from 'yaml';
import { parseConfig, type Config } from '../core/config.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { type LoadedConfig, placeConfig, readConfigText } from './config-paths.js';

export function loadConfig(file: string, env: NodeJS.ProcessEnv): LoadedConfig {
  return placeConfig(file, env, parseConfigText(file, readConfigText(file)));
}

/** The config file's text parsed and validated; any fault is a usage error naming the file (and line). */
export function parseConfigText(file: string, text: string): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? `:${error.linePos[0].line}` : '';
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new SentinelError(`${file}${where}: invalid YAML: ${reason}`, ExitCode.usage);
  }
  const parsed = parseConfig(raw);
  if (!parsed.ok) {
    throw new SentinelError(`${file}: ${parsed.errors.join('; ')}`, ExitCode.usage);
  }
  return parsed.config;
}
