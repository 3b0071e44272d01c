import type { StateStore } from '../core/state-store.js';
import { buildSilenceGroup, decideSilence, describeSilence, SILENCE_META_KEY } from '../core/silence.js';
import type { InvestigationSubject } from '../core/investigation.js';

export interface SilenceCheck {
  /** For stderr on every run while silent; null while the app logs. */
  warning: string | null;
  /** The subject to queue, the silence group added (unchanged when there is nothing to report). */
  subject: InvestigationSubject | null;
  /** Meta to commit with the run, so the same silence is reported once. */
  meta: Record<string, string>;
}

/** "The app stopped logging" joins the run's investigation as one more group: same queue, same
 * incident file, same outbox. */
export function checkSilence(opts: {
  /** The newest row of any level over the sources read; null when none has a row. */
  newestRowTime: number | null;
  state: StateStore;
  silenceAfterMs: number;
  now: number;
  subject: InvestigationSubject | null;
}): SilenceCheck {
  const { now, silenceAfterMs, subject } = opts;
  const decision = decideSilence({
    newestRowTime: opts.newestRowTime,
    now,
    silenceAfterMs,
    reportedFor: opts.state.getMeta(SILENCE_META_KEY),
  });
  if (decision.kind === 'logging') return { warning: null, subject, meta: {} };
  const warning = `the app has written ${describeSilence(decision.since, decision.forMs, silenceAfterMs)}`;
  if (!decision.report) return { warning, subject, meta: {} };
  const group = buildSilenceGroup(decision.since, now, silenceAfterMs);
  const merged: InvestigationSubject = subject
    ? {
        ...subject,
        groups: [group, ...subject.groups],
        window: { from: Math.min(subject.window.from, decision.since), to: Math.max(subject.window.to, now) },
      }
    : { window: { from: decision.since, to: now }, groups: [group], rates: {} };
  return { warning, subject: merged, meta: { [SILENCE_META_KEY]: decision.key } };
}
