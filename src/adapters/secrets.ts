import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { readRegularFile } from './regular-file.js';

/** A token or a webhook URL; a credential file much larger is not one. */
const MAX_SECRET_BYTES = 64 * 1024;

/** A secret from an environment variable, a file, or systemd's `$CREDENTIALS_DIRECTORY/<name>`
 * (LoadCredential=), in that order; trimmed, since credential files end in a newline. */
export function readSecret(env: NodeJS.ProcessEnv, from: { envName?: string; file?: string; credential?: string }): string | null {
  const fromEnv = from.envName ? env[from.envName]?.trim() : undefined;
  if (fromEnv) return fromEnv;
  for (const file of [
    from.file,
    env.CREDENTIALS_DIRECTORY && from.credential ? join(env.CREDENTIALS_DIRECTORY, from.credential) : undefined,
  ]) {
    if (!file || !existsSync(file)) continue;
    try {
      const text = readRegularFile(file, MAX_SECRET_BYTES).toString('utf8').trim();
      if (text) return text;
    } catch {
      // unreadable, or not a regular file of a secret's size: the caller reports the secret as missing
    }
  }
  return null;
}

/** The executable a command name resolves to on PATH, or null. */
export function findExecutable(command: string, path: string): string | null {
  const candidates =
    command.includes('/') || isAbsolute(command)
      ? [command]
      : path
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
