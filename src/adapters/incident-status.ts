import { chmodSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ExitCode, SentinelError } from '../core/errors.js';
import { readRegularFile } from './regular-file.js';

const FRONT_MATTER = /^---\r?\n([\s\S]*?\r?\n)?---\r?\n/;

/** Marks an incident closed in its front matter (status, when, by whom, the note), keeping the rest of
 * the file byte for byte; written atomically with the file's own mode. */
export function closeIncident(path: string, closing: { at: string; by: string; note: string | null }): void {
  const text = readIncidentFile(path);
  const match = FRONT_MATTER.exec(text);
  if (!match) throw new SentinelError(`${path}: no front matter to record the closing in`, ExitCode.usage);
  const doc = parseDocument(match[1] ?? '');
  if (doc.errors.length > 0)
    throw new SentinelError(`${path}: front matter is not YAML: ${doc.errors[0]!.message.split('\n')[0]}`, ExitCode.usage);
  doc.set('status', 'closed');
  doc.set('closed', closing.at);
  doc.set('closed_by', closing.by);
  if (closing.note !== null) doc.set('closing_note', closing.note);
  else doc.delete('closing_note');
  const updated = `---\n${doc.toString({ lineWidth: 0 })}---\n${text.slice(match[0].length)}`;
  const temp = `${path}.tmp-${process.pid}`;
  try {
    const mode = statSync(path).mode & 0o777;
    writeFileSync(temp, updated, { mode });
    chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SentinelError(`${path}: cannot record the closing: ${code}`, ExitCode.internal, { cause: error });
  }
}

/** Sentinel's incident files are bounded far below this: a larger file at the name is not one. */
const MAX_INCIDENT_BYTES = 8 << 20;

export function readIncidentFile(path: string): string {
  try {
    return readRegularFile(path, MAX_INCIDENT_BYTES).toString('utf8');
  } catch (error) {
    throw new SentinelError(`${path}: cannot read the incident: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, ExitCode.usage);
  }
}
