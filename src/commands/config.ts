import { z } from 'zod';
import { findConfigFile, loadConfig } from '../adapters/config-file.js';
import { loadIgnoreRules } from '../adapters/ignore-file.js';
import { configSchema } from '../core/config.js';
import { ExitCode } from '../core/errors.js';
import type { CommandContext } from './context.js';

/** The config's JSON Schema, generated from the zod schema the loader validates with. */
export async function configSchemaCommand(ctx: CommandContext): Promise<number> {
  ctx.stdout(JSON.stringify(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }), null, 2));
  return ExitCode.ok;
}

/** Validates the config file and the ignore file it names; errors exit 2 like every command's. */
export async function configCheckCommand(options: { config?: string; file?: string }, ctx: CommandContext): Promise<number> {
  const loaded = loadConfig(findConfigFile(options.file ?? options.config, ctx.env, ctx.cwd), ctx.env);
  const rules = loadIgnoreRules(loaded.paths.ignoreFile);
  ctx.stdout(`${loaded.file}: valid (${rules.length} ignore rules in ${loaded.paths.ignoreFile})`);
  return ExitCode.ok;
}
