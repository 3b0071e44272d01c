import { existsSync } from 'node:fs';
import { ExitCode, SentinelError } from '../core/errors.js';
import { readRegularFile } from './regular-file.js';

/** Thousands of rules fit in a few hundred KB. */
const MAX_IGNORE_BYTES = 4 << 20;

/** The ignore file's text, '' when there is none (an empty list). Apart from its parser (ignore-file.ts),
 * so that a run whose parsed rules are cached does not load the YAML parser. */
export function readIgnoreText(file: string): string {
  if (!existsSync(file)) return '';
  try {
    return readRegularFile(file, MAX_IGNORE_BYTES).toString('utf8');
  } catch (error) {
    throw new SentinelError(`${file}: cannot read ignore file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, ExitCode.usage);
  }
}
