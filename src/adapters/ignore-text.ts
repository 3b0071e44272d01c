import { existsSync, readFileSync } from 'node:fs';
import { ExitCode, SentinelError } from '../core/errors.js';

/** The ignore file's text, '' when there is none (an empty list). Apart from its parser (ignore-file.ts),
 * so that a run whose parsed rules are cached does not load the YAML parser. */
export function readIgnoreText(file: string): string {
  if (!existsSync(file)) return '';
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new SentinelError(`${file}: cannot read ignore file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, ExitCode.usage);
  }
}
