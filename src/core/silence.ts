import { formatDuration } from './duration.js';
import { formatUtc, type TriggeredGroup } from './prompt.js';

/** The synthetic group that stands for "the app stopped logging"; a valid analysis fingerprint. */
export const SILENCE_FINGERPRINT = 'app-silence';
/** The state DB meta key holding the newest row time a silence was already reported for. */
export const SILENCE_META_KEY = 'silence_reported_for';

export type SilenceDecision =
  | { kind: 'logging' }
  /** `report`: this silence has not been reported yet; `key` goes into the meta when it is. */
  | { kind: 'silent'; since: number; forMs: number; report: boolean; key: string };

/** No rows at all for `silenceAfterMs` is itself an incident, reported once per silence: a silence
 * is known by the time of its last row, so new rows followed by a new silence report again. An empty
 * table says nothing about when the app last wrote, so it is not judged. */
export function decideSilence(input: {
  newestRowTime: number | null;
  now: number;
  silenceAfterMs: number;
  reportedFor: string | null;
}): SilenceDecision {
  const { newestRowTime, now } = input;
  if (newestRowTime === null || now - newestRowTime <= input.silenceAfterMs) return { kind: 'logging' };
  const key = String(newestRowTime);
  return { kind: 'silent', since: newestRowTime, forMs: now - newestRowTime, report: input.reportedFor !== key, key };
}

export function describeSilence(since: number, forMs: number, silenceAfterMs: number): string {
  return `no log rows since ${formatUtc(since)} (${formatRoughly(forMs)}, more than source.silence_after ${formatDuration(silenceAfterMs)})`;
}

/** The group an investigation of the silence is about: no rows, so no samples. */
export function buildSilenceGroup(since: number, now: number, silenceAfterMs: number): TriggeredGroup {
  return {
    fingerprint: SILENCE_FINGERPRINT,
    template: `the app stopped logging: ${describeSilence(since, now - since, silenceAfterMs)}`,
    exceptionType: 'AppStoppedLogging',
    logger: 'sentinel',
    function: null,
    levelNo: 40,
    count: 0,
    firstSeen: since,
    lastSeen: now,
    samples: [],
    trigger: 'new',
    triggerReason: 'the log database has had no new rows of any level for longer than source.silence_after',
  };
}

/** `2h 13m`, `3d 4h`: two units are enough to read a gap. */
export function formatRoughly(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor(minutes / 60) % 24, minutes % 60];
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return `${m}m`;
}
