import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { IncidentWriter } from '../adapters/incident-writer.js';
import type { QueuedInvestigation, StateStore } from '../core/state-store.js';
import type { GroupCode } from '../core/code-context.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { describeHealthNotification } from '../core/incident-health.js';
import { incidentFileName, renderIncident, slugify, summariseIncident, type IncidentInput } from '../core/incident.js';
import type { Diagnosis } from '../core/investigation.js';
import type { Notification } from '../core/notification.js';
import { describeErrorPush, pushSeverity, pushTags } from '../core/push.js';
import type { QueuedSubject } from '../core/investigation.js';

export interface IncidentFileDeps {
  state: StateStore;
  writer: IncidentWriter;
  incidentsDir: string;
  channels: string[];
  now: () => number;
}

/** How a report meets its file: `final` writes a new one and ends the item; `first` writes a new one
 * while the diagnosis is still to come (the item stays queued); `update` replaces the file a `first`
 * wrote, with one follow-up notification when there is a diagnosis to tell. */
export type ReportPhase = 'final' | 'first' | 'update';

interface KeptReport {
  report: string;
  notification: Notification | null;
  phase?: ReportPhase;
}

/** Renders and keeps the report in the queue (step 1), writes the file (2), then marks it done and
 * queues its notifications in one transaction (3). A crash anywhere repeats at most step 2's write,
 * which `finishWriting` recognises. A health report's charts are written first, next to it: the
 * report links them by the names they got. */
export function writeIncident(
  deps: IncidentFileDeps,
  item: QueuedInvestigation,
  queued: QueuedSubject,
  diagnosis: Diagnosis,
  phase: ReportPhase = 'final',
  code: GroupCode[] = [],
): string {
  const input: IncidentInput = {
    kind: queued.kind,
    id: `${item.kind}-${item.id}`,
    created: phase === 'update' ? (createdOf(join(deps.incidentsDir, item.incidentPath!)) ?? deps.now()) : deps.now(),
    groups: queued.kind === 'incident' ? queued.subject.groups : [],
    window: queued.subject.window,
    diagnosis,
    earlierFailures: item.errors,
    costUsd: diagnosis.kind === 'claude' ? diagnosis.run.costUsd : 0,
    ...(code.length > 0 ? { code } : {}),
    ...(queued.kind === 'health' ? { health: { series: queued.subject.series, charts: {} } } : {}),
  };
  const summary = summariseIncident(input);
  // An update keeps the file the first push linked to, and its charts.
  const fileName = phase === 'update' ? item.incidentPath! : incidentFileName(input.kind, input.created, summary.title);
  const stem = fileName.replace(/\.md$/, '');
  for (const s of input.health?.series ?? []) {
    input.health!.charts[s.key] =
      phase === 'update' ? `${stem}-${slugify(s.name)}.svg` : write(deps, `${stem}-${slugify(s.name)}.svg`, s.svg).fileName;
  }
  const report = renderIncident(input);
  const notification: Notification | null =
    phase === 'update' && diagnosis.kind !== 'claude'
      ? null
      : {
          title: phase === 'update' ? `Diagnosis: ${summary.title}` : summary.title,
          message:
            queued.kind === 'health'
              ? describeHealthNotification(diagnosis, queued.subject.series, summary.title)
              : describeErrorPush(diagnosis, input.groups),
          severity: pushSeverity(summary.severity, input.groups),
          tags: pushTags({
            severity: pushSeverity(summary.severity, input.groups),
            groups: input.groups,
            health: queued.kind === 'health',
            diagnosis,
            followUp: phase === 'update',
          }),
        };
  const kept = JSON.stringify({ report, notification, phase } satisfies KeptReport);
  deps.state.reserveIncident(item.id, fileName, kept);
  return finishWriting(deps, { ...item, state: 'writing', incidentPath: fileName, report: kept });
}

export function finishWriting(deps: IncidentFileDeps, item: QueuedInvestigation): string {
  const { report, notification, phase = 'final' } = JSON.parse(item.report!) as KeptReport;
  const fileName = item.incidentPath!;
  const path =
    phase === 'update'
      ? replace(deps, fileName, report)
      : (findWritten(deps.incidentsDir, fileName, report) ?? write(deps, fileName, report).path);
  const file = path.slice(path.lastIndexOf('/') + 1);
  const rates = (JSON.parse(item.subject) as { rates?: Record<string, number> }).rates ?? {};
  const outbox =
    notification === null
      ? []
      : deps.channels.map((channel) => ({
          channel,
          payload: JSON.stringify({ ...notification, file, message: `${notification.message}\n\n${file}` }),
        }));
  const cooled = Object.entries(rates).map(([fingerprint, rate]) => ({ fingerprint, rate }));
  if (phase === 'first') deps.state.completeFirstReport(item.id, file, deps.now(), outbox, cooled);
  else deps.state.completeInvestigation(item.id, deps.now(), outbox, phase === 'update' ? [] : cooled);
  return path;
}

function replace(deps: IncidentFileDeps, fileName: string, content: string): string {
  const written = deps.writer.replace(fileName, content);
  if (written.kind === 'failed') {
    throw new SentinelError(
      `cannot update the incident in ${deps.incidentsDir}: ${written.reason} (kept in the queue for the next run)`,
      ExitCode.internal,
    );
  }
  return written.path;
}

function write(deps: IncidentFileDeps, fileName: string, content: string): { path: string; fileName: string } {
  const written = deps.writer.write(fileName, content);
  if (written.kind === 'failed') {
    throw new SentinelError(
      `cannot write the incident to ${deps.incidentsDir}: ${written.reason} (kept in the queue for the next run)`,
      ExitCode.internal,
    );
  }
  return written;
}

/** The `created:` of a report written earlier: its update keeps it. Only the front matter of a
 * regular file is read: whatever now stands at that name (a FIFO, a link to /dev/zero) is not waited on. */
function createdOf(path: string): number | null {
  const match = /^created: (\S+)$/m.exec(readRegularHead(path, 4096));
  const at = match ? Date.parse(match[1]!) : NaN;
  return Number.isFinite(at) ? at : null;
}

/** The file an interrupted earlier write left, if it is there whole: `name.md`, `name-2.md` … */
function findWritten(dir: string, fileName: string, report: string): string | null {
  if (!existsSync(dir)) return null;
  const expected = Buffer.from(report, 'utf8');
  const stem = fileName.replace(/\.md$/, '');
  for (const name of readdirSync(dir)) {
    if (name !== fileName && !(name.startsWith(`${stem}-`) && /^-\d+\.md$/.test(name.slice(stem.length)))) continue;
    const path = join(dir, name);
    if (holds(path, expected)) return path;
  }
  return null;
}

/** The first `max` bytes of `path` if it is a regular file and not a symlink, else ''. */
function readRegularHead(path: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return '';
    const head = Buffer.alloc(max);
    return head.subarray(0, readSync(fd, head, 0, max, 0)).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether `path` is a regular file, not a symlink, of exactly these bytes. Anything else (a FIFO,
 * a device, a link to /dev/zero) is never opened, nor read past the size the report has. */
function holds(path: string, expected: Buffer): boolean {
  let fd: number | undefined;
  try {
    const stat = lstatSync(path);
    if (!stat.isFile() || stat.size !== expected.length) return false;
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.size !== expected.length) return false;
    const actual = Buffer.alloc(expected.length);
    let read = 0;
    while (read < actual.length) {
      const n = readSync(fd, actual, read, actual.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return read === actual.length && actual.equals(expected);
  } catch {
    return false; // gone or unreadable: not the file an earlier run wrote
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
