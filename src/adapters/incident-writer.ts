import { errorMessage } from '../core/errors.js';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from '../core/zod.js';

export type WriteResult = { kind: 'written'; path: string; fileName: string } | { kind: 'failed'; reason: string };

export interface IncidentWriter {
  /** Writes `content` as `fileName`, or as `<name>-2.md`, `-3` … if taken: never overwrites.
   * Incidents are `.md`; a health incident's charts `.svg`, next to it. */
  write(fileName: string, content: string): WriteResult;
  /** Replaces the file `fileName` this writer wrote earlier, atomically: a diagnosis that came later. */
  replace(fileName: string, content: string): WriteResult;
}

export interface IncidentWriterOptions {
  dir: string;
  /** 0o600 (default) or 0o640 for a team group that reads the incidents. */
  mode?: 0o600 | 0o640;
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.(md|svg)$/;
const MAX_SUFFIX = 1000;

export function createIncidentWriter(opts: IncidentWriterOptions): IncidentWriter {
  const mode = opts.mode ?? 0o600;
  return {
    write(fileName, content) {
      if (!FILE_NAME.test(fileName)) return { kind: 'failed', reason: `not a plain file name: ${JSON.stringify(fileName)}` };
      const ext = fileName.slice(fileName.lastIndexOf('.'));
      const stem = fileName.slice(0, -ext.length);
      const temp = join(opts.dir, `.${stem}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
        writeDurably(temp, content, mode);
        // link() fails on an existing name where rename() would replace it: no check-then-act race.
        for (let n = 1; n <= MAX_SUFFIX; n++) {
          const name = n === 1 ? fileName : `${stem}-${n}${ext}`;
          try {
            linkSync(temp, join(opts.dir, name));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
            throw error;
          }
          syncDirectory(opts.dir);
          return { kind: 'written', path: join(opts.dir, name), fileName: name };
        }
        return { kind: 'failed', reason: `${opts.dir}: ${fileName} and ${MAX_SUFFIX - 1} suffixed names are all taken` };
      } catch (error) {
        return { kind: 'failed', reason: `cannot write an incident in ${opts.dir}: ${errorMessage(error)}` };
      } finally {
        removeTemp(temp);
      }
    },
    replace(fileName, content) {
      if (!FILE_NAME.test(fileName)) return { kind: 'failed', reason: `not a plain file name: ${JSON.stringify(fileName)}` };
      const temp = join(opts.dir, `.${fileName}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
        writeDurably(temp, content, mode);
        // A reader sees the old report or the new one, never half of either.
        renameSync(temp, join(opts.dir, fileName));
        syncDirectory(opts.dir);
        return { kind: 'written', path: join(opts.dir, fileName), fileName };
      } catch (error) {
        return { kind: 'failed', reason: `cannot update ${fileName} in ${opts.dir}: ${errorMessage(error)}` };
      } finally {
        removeTemp(temp);
      }
    },
  };
}

function removeTemp(temp: string): void {
  try {
    unlinkSync(temp);
  } catch {
    // never created, already renamed or gone: nothing to clean up
  }
}

function writeDurably(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    fchmodSync(fd, mode); // the umask may have taken bits off
    const bytes = Buffer.from(content, 'utf8');
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** So the new name survives a power cut, not only the file's bytes. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface IncidentSummary {
  file: string;
  id: string;
  kind: string;
  created: number;
  status: string;
  severity: string;
  verdict: string;
  title: string;
}

export interface IncidentListing {
  /** Newest first. */
  incidents: IncidentSummary[];
  /** Files that look like incidents but whose front matter could not be read. */
  problems: { file: string; reason: string }[];
}

const LISTED = /^\d{4}-\d{2}-\d{2}-[a-z]+-.+\.md$/;
const HEAD_BYTES = 64 * 1024;

const frontMatterSchema = z.object({
  id: z.coerce.string(),
  kind: z.string().default('incident'),
  created: z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not a date'),
  status: z.string().default('open'),
  severity: z.string(),
  verdict: z.string(),
  title: z.string().default(''),
});

export function listIncidents(dir: string): IncidentListing {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => LISTED.test(name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { incidents: [], problems: [] };
    throw error;
  }
  const listing: IncidentListing = { incidents: [], problems: [] };
  for (const file of names) {
    const parsed = readFrontMatter(join(dir, file));
    if (!parsed.ok) {
      listing.problems.push({ file, reason: parsed.reason });
      continue;
    }
    const checked = frontMatterSchema.safeParse(parsed.data);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      listing.problems.push({ file, reason: `front matter: ${issue?.path.join('.')}: ${issue?.message}` });
      continue;
    }
    listing.incidents.push({ file, ...checked.data, created: Date.parse(checked.data.created) });
  }
  listing.incidents.sort((a, b) => b.created - a.created || b.file.localeCompare(a.file));
  return listing;
}

/** The YAML between the leading `---` lines, parsed. */
function readFrontMatter(path: string): { ok: true; data: unknown } | { ok: false; reason: string } {
  let head: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      head = buffer.toString('utf8', 0, readSync(fd, buffer, 0, HEAD_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return { ok: false, reason: `cannot read: ${errorMessage(error)}` };
  }
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(head);
  if (!match) return { ok: false, reason: 'no front matter' };
  try {
    return { ok: true, data: parseYaml(match[1] ?? '') };
  } catch (error) {
    return { ok: false, reason: `front matter is not YAML: ${errorMessage(error).split('\n')[0]}` };
  }
}
