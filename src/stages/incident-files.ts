import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { IncidentWriter } from '../adapters/incident-writer.js';
import type { QueuedInvestigation, StateStore } from '../adapters/state-store.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { describeHealthNotification } from '../core/incident-health.js';
import { incidentFileName, renderIncident, slugify, summariseIncident, type Diagnosis, type IncidentInput } from '../core/incident.js';
import type { Notification } from '../core/notification.js';
import { flattenInline, renderPushedAnswer } from '../core/fence.js';
import { levelName } from '../core/levels.js';
import type { QueuedSubject } from './investigate.js';

export interface IncidentFileDeps {
  state: StateStore;
  writer: IncidentWriter;
  incidentsDir: string;
  channels: string[];
  now: () => number;
}

/** Renders and keeps the report in the queue (step 1), writes the file (2), then marks it done and
 * queues its notifications in one transaction (3). A crash anywhere repeats at most step 2's write,
 * which `finishWriting` recognises. A health report's charts are written first, next to it: the
 * report links them by the names they got. */
export function writeIncident(deps: IncidentFileDeps, item: QueuedInvestigation, queued: QueuedSubject, diagnosis: Diagnosis): string {
  const input: IncidentInput = {
    kind: queued.kind,
    id: `${item.kind}-${item.id}`,
    created: deps.now(),
    groups: queued.kind === 'incident' ? queued.subject.groups : [],
    window: queued.subject.window,
    diagnosis,
    earlierFailures: item.errors,
    costUsd: diagnosis.kind === 'claude' ? diagnosis.run.costUsd : 0,
    ...(queued.kind === 'health' ? { health: { series: queued.subject.series, charts: {} } } : {}),
  };
  const summary = summariseIncident(input);
  const fileName = incidentFileName(input.kind, input.created, summary.title);
  const stem = fileName.replace(/\.md$/, '');
  for (const s of input.health?.series ?? []) input.health!.charts[s.key] = write(deps, `${stem}-${slugify(s.name)}.svg`, s.svg).fileName;
  const report = renderIncident(input);
  const notification: Notification = {
    title: summary.title,
    message: queued.kind === 'health' ? describeHealthNotification(diagnosis, queued.subject.series, summary.title) : notificationText(diagnosis, queued.subject.groups),
    severity: summary.severity,
    tags: [summary.verdict, ...(queued.kind === 'health' ? ['health'] : new Set(queued.subject.groups.map((g) => g.trigger ?? 'seen')))],
  };
  const kept = JSON.stringify({ report, notification });
  deps.state.reserveIncident(item.id, fileName, kept);
  return finishWriting(deps, { ...item, state: 'writing', incidentPath: fileName, report: kept });
}

export function finishWriting(deps: IncidentFileDeps, item: QueuedInvestigation): string {
  const { report, notification } = JSON.parse(item.report!) as { report: string; notification: Notification };
  const fileName = item.incidentPath!;
  const path = findWritten(deps.incidentsDir, fileName, report) ?? write(deps, fileName, report).path;
  const file = path.slice(path.lastIndexOf('/') + 1);
  const rates = (JSON.parse(item.subject) as { rates?: Record<string, number> }).rates ?? {};
  deps.state.completeInvestigation(
    item.id,
    deps.now(),
    deps.channels.map((channel) => ({ channel, payload: JSON.stringify({ ...notification, file, message: `${notification.message}\n\n${file}` }) })),
    Object.entries(rates).map(([fingerprint, rate]) => ({ fingerprint, rate })),
  );
  return path;
}

function write(deps: IncidentFileDeps, fileName: string, content: string): { path: string; fileName: string } {
  const written = deps.writer.write(fileName, content);
  if (written.kind === 'failed') {
    throw new SentinelError(`cannot write the incident to ${deps.incidentsDir}: ${written.reason} (kept in the queue for the next run)`, ExitCode.internal);
  }
  return written;
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

/** Summary, the first actions, then the file name: what fits on a lock screen. */
function notificationText(diagnosis: Diagnosis, groups: IncidentInput['groups']): string {
  const rows = groups.reduce((sum, g) => sum + g.count, 0);
  const counts = `${rows} rows in ${groups.length} group${groups.length === 1 ? '' : 's'}`;
  if (diagnosis.kind === 'claude') {
    return [...renderPushedAnswer(diagnosis.answer.summary, diagnosis.answer.actions), '', counts].join('\n');
  }
  // Without a diagnosis the person woken up still needs to know what is failing: the top groups.
  const top = [...groups]
    .sort((a, b) => b.count - a.count)
    .slice(0, 3)
    .map((g) => `- ${g.count}× ${levelName(g.levelNo)} \`${flattenInline(g.template, 160).replaceAll('`', "'")}\``);
  return [`No diagnosis (${diagnosis.why.kind.replace('_', ' ')}): ${counts}; the report has the raw analyses.`, '', ...top].join('\n');
}
