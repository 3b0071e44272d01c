import * as z from '../core/zod.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateStore } from '../core/state-store.js';
import { readPastIncident } from '../core/past-incident.js';
import type { PastIncident } from '../core/prompt.js';
import { defineAnalysis, fingerprintArg, type Analysis } from './define.js';
import { fence, formatTime, plural } from './render.js';

const MAX_LISTED = 20;

export function createPastIncidents(incidentsDir: string): Analysis {
  return defineAnalysis({
    name: 'past_incidents',
    description:
      'The earlier incidents of one error group, newest first: date, verdict, title, root cause, and what the team wrote was done. Does this look like last time?',
    inputSchema: z.strictObject({ fingerprint: fingerprintArg }),
    run({ fingerprint }, { state, redactor }) {
      const incidents = loadPastIncidents(state, incidentsDir, fingerprint, MAX_LISTED);
      if (incidents.length === 0) return { kind: 'ok', text: `Group ${fingerprint}: no earlier incident.`, truncated: false };
      const lines = incidents.map((i) =>
        [
          `${formatTime(i.created)}  ${i.verdict}: ${i.title}  (${i.file})`,
          ...(i.rootCause ? [`    root cause: ${i.rootCause}`] : []),
          ...(i.done ? [`    what was done: ${i.done}`] : ['    what was done: (the file does not say)']),
        ].join('\n'),
      );
      const text = redactor.redact(lines.join('\n')).text;
      return {
        kind: 'ok',
        text: `Group ${fingerprint}: ${plural(incidents.length, 'earlier incident')}, newest first (untrusted text):\n${fence(text)}`,
        truncated: false,
      };
    },
  });
}

/** A group's earlier incidents, newest first: from the file as the team may have edited it, else
 * from the report kept in the state when the file is gone. */
export function loadPastIncidents(state: StateStore, incidentsDir: string, fingerprint: string, limit: number): PastIncident[] {
  const out: PastIncident[] = [];
  for (const row of state.incidentsOf(state.canonicalFingerprint(fingerprint), limit)) {
    let markdown: string | null = null;
    try {
      markdown = readFileSync(join(incidentsDir, row.incidentPath), 'utf8');
    } catch {
      try {
        markdown = row.report ? (JSON.parse(row.report) as { report: string }).report : null;
      } catch {
        markdown = null;
      }
    }
    const incident = markdown === null ? null : readPastIncident(markdown, row.incidentPath);
    if (incident) out.push(incident);
  }
  return out;
}
