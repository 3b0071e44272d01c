import type { AutofixJobData } from './autofix-job.js';
import type { AutofixState } from './autofix-policy.js';
import type { Notification } from './notification.js';
import type { Checkpoint, GroupRecord, RunRecord } from './records.js';
import type { SystemSample } from './system-health.js';
import type { GroupFold, RunTally } from './tally.js';
import type { Trigger } from './triggers.js';

/**
 * The state store port: everything sentinel remembers between runs (`state.db`). Only its adapter
 * (`adapters/state-store.ts`) holds SQL; every method fails as one `SentinelError` with exit 5
 * naming the file and what it was doing.
 */
export interface StateStore {
  /** The database file, for messages and for the sandboxes that must not read it. */
  readonly file: string;
  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;
  /** A source's checkpoint; the one `source:` (`main`) keeps the keys it had before there were several. */
  checkpoint(source?: string): Checkpoint | null;
  learnerSnapshot(): string | null;
  /** The group a fingerprint stands for, following aliases left by a normalizer upgrade. */
  group(fingerprint: string): GroupRecord | null;
  canonicalFingerprint(fingerprint: string): string;
  /** After a normalizer upgrade: the fingerprints the new one gives stand for the groups they were. */
  addAliases(pairs: [alias: string, fingerprint: string][]): void;
  /** Folds splinter groups into their survivors (a normalizer upgrade does it before a run). */
  foldGroups(folds: readonly GroupFold[], now: number): void;
  /** Splinter groups folded into each group, by survivor. */
  foldCounts(): Map<string, number>;
  allGroups(): GroupRecord[];
  listGroups(limit: number): GroupRecord[];
  countGroups(): number;
  /** Group fingerprints beginning with `prefix` (as people copy them), at most `limit`. */
  fingerprintsStartingWith(prefix: string, limit: number): string[];
  /** Resolving ends the group's cooldown, so a regression alerts. False: no such group. */
  setStatus(fingerprint: string, status: 'active' | 'resolved', at: number): boolean;
  /** Stored rows of a group in [from, to), by clock hour. */
  countBetween(fingerprint: string, from: number, to: number): number;
  /** Stored rows per clock hour in [from, to), of one group or (null) of all. */
  hourlyCounts(fingerprint: string | null, from: number, to: number): Map<number, number>;
  /** The first clock hour sentinel counted rows for, among those still kept. */
  firstCountedHour(): number | null;
  ruleHitsSince(ruleId: string, since: number): number;
  /** Every rule id that ever had a hit: `ignore add` never hands one out again. */
  ruleIdsSeen(): string[];
  ruleStats(ruleId: string, now: number): { lastDay: number; lastWeek: number; lastHit: number | null };
  /** Runs `redact` over every stored piece of log text (group templates and samples, queued
   * subjects and reports, pending notifications) unless it already ran under this `marker`: a
   * sentinel that finds more secrets cleans what an older one stored. */
  redactStored(marker: string, redact: (text: string) => string): void;

  /** Called under the run lock: a run still marked running lost its process (Ctrl-C, SIGTERM, SIGKILL, a reboot). */
  startRun(kind: string, startedAt: number, checkpointFrom: number | null, pid: number): number;
  finishRun(runId: number, finishedAt: number, outcome: string, message: string | null): void;
  /** Everything a run learned, in ONE transaction: a crash before it commits loses nothing and a
   * crash after it counts nothing twice, because the checkpoint moves with the counts. The id of
   * the investigation it queued, if any. */
  commitRun(change: CommittedRun): number | null;
  recentRuns(limit: number): RunRecord[];
  lastSuccessfulRun(kind: string): RunRecord | null;
  addWarning(at: number, kind: string, message: string): void;
  warningsSince(since: number): { at: number; kind: string; message: string }[];

  /** One sample per `sentinel run`; those older than 30 days are deleted in the same transaction. */
  recordSystemSample(sample: SystemSample): void;
  systemSamplesSince(since: number): SystemSample[];

  /** Due ones, and those whose Claude call died before anything was reported: their first push
   * must not wait for the retry's backoff. */
  dueInvestigations(now: number): QueuedInvestigation[];
  investigation(id: number): QueuedInvestigation | null;
  pendingInvestigations(): number;
  /** Anything queued or unsent, whatever its backoff: whether reporting has work to look at. */
  hasPendingWork(): boolean;
  /** Finished error investigations that covered this fingerprint, newest first: a group's memory. */
  incidentsOf(fingerprint: string, limit: number): { id: number; createdAt: number; incidentPath: string; report: string | null }[];
  /** When each health series (by key) was last alerted on: the per-series cooldown. */
  healthAlerts(): Map<string, number>;
  /** Queues a health investigation and starts its series' cooldown in one transaction: a retry or
   * the next health run, while it waits, never queues the same series twice. */
  queueHealthInvestigation(subject: string, series: string[], now: number): number;
  /** Before a Claude call: the attempt and its retry time are recorded first, so a process killed
   * during the call still uses up the attempt, and a call that always dies ends in the fallback. */
  claimAttempt(id: number, retryAt: number): void;
  recordFailure(id: number, error: string, nextAttemptAt: number): void;
  /** Step 1 of 2: the incident's path and text are kept before the file is written, so a crash
   * in between never costs a second Claude call nor writes a second file. */
  reserveIncident(id: number, path: string, report: string): void;
  /** Step 2 of 2, once the file is on disk: done, notifications queued, groups cooled down. */
  completeInvestigation(id: number, now: number, outbox: QueuedNotification[], investigated: CooledGroup[]): void;
  /** The first report is out while Claude is still to answer: the item stays queued for the next
   * attempt, with the file name to update in place; notifications queued, groups cooled down. */
  completeFirstReport(id: number, file: string, now: number, outbox: QueuedNotification[], investigated: CooledGroup[]): void;

  /** A call counts against the daily limit from the moment it starts, whatever becomes of it. */
  startClaudeCall(at: number): number;
  finishClaudeCall(id: number, call: ClaudeCallRecord): void;
  claudeUsageSince(since: number): { calls: number; cost: number };

  /** A notification about an incident file, sent by the next delivery. */
  queueNotification(incidentPath: string, now: number, notification: QueuedNotification): void;
  pendingOutbox(now: number): OutboxItem[];
  /** Channels whose oldest pending notification waits for its retry: later ones keep their order. */
  blockedChannels(now: number): Set<string>;
  markSent(id: number, now: number): void;
  markRetry(id: number, error: string, nextAttemptAt: number, channelConfig: string | null): void;
  /** A channel whose configuration changed since its messages failed (a token or URL fixed) is due now. */
  resetChangedChannel(channel: string, channelConfig: string, now: number): void;
  /** Each unsent notification with why it is unsent and when it is tried next, oldest first. */
  unsentOutbox(
    limit: number,
  ): { channel: string; incidentPath: string; attempts: number; lastError: string | null; nextAttemptAt: number }[];
  markDropped(id: number, error: string): void;
  outboxCounts(): Record<string, number>;

  /** The autofix jobs (table `autofix_jobs`). */
  readonly autofix: AutofixJobs;
  close(): void;
}

export interface CommittedRun {
  runId: number;
  startedAt: number;
  /** The first source's, for the runs table. */
  checkpointFrom: number;
  checkpointTo: number;
  /** Each read source's new checkpoint; a source missing here keeps its stored one. */
  checkpoints: Map<string, Checkpoint>;
  tally: RunTally;
  triggers: Map<string, Trigger | null>;
  learnerSnapshot: string | null;
  warnings: { kind: string; message: string }[];
  /** The triggered groups to investigate, queued in the same transaction (null: none). Their
   * cooldown starts with it (each group's hourly rate), so while the item waits for a retry a later
   * run does not queue the same groups again; the completed investigation restarts it. */
  investigation: { kind: string; subject: string; groups?: CooledGroup[] } | null;
  /** Meta keys to set with the run (e.g. the silence already reported). */
  meta?: Record<string, string>;
  now: number;
}

/** A group an investigation covered, with its hourly rate then: the cooldown's reference. */
export interface CooledGroup {
  fingerprint: string;
  rate: number;
}

/** One channel's message, JSON, waiting in the outbox. */
export interface QueuedNotification {
  channel: string;
  payload: string;
}

export interface QueuedInvestigation {
  id: number;
  kind: string;
  createdAt: number;
  subject: string;
  state: 'queued' | 'writing' | 'done';
  attempts: number;
  nextAttemptAt: number;
  errors: string[];
  /** The rendered incident, kept while its file is being written (state `writing`). */
  report: string | null;
  incidentPath: string | null;
}

export interface OutboxItem {
  id: number;
  createdAt: number;
  channel: string;
  incidentPath: string;
  payload: string;
  attempts: number;
}

export interface ClaudeCallRecord {
  outcome: string;
  costUsd: number;
  numTurns: number | null;
  durationMs: number;
  subtype: string | null;
  permissionDenials: string[];
}

export interface AutofixJob {
  id: number;
  fingerprint: string;
  incidentPath: string;
  createdAt: number;
  state: AutofixState;
  stopReason: string | null;
  nextAttemptAt: number;
  /** When the job's Claude call started (null: not yet): a resumed job never calls twice. */
  claudeAt: number | null;
  data: AutofixJobData;
}

/** Each step's result is written before the next step starts. */
export interface AutofixJobs {
  /** A new job; `stopReason` set makes it a recorded refusal (an ineligible incident). */
  add(job: { fingerprint: string; incidentPath: string; data: AutofixJobData; now: number; stopReason?: string }): number;
  get(id: number): AutofixJob | null;
  /** Attempts ever made for a fingerprint: recorded refusals and dry runs do not count. */
  attemptsFor(fingerprint: string): number;
  latestFor(fingerprint: string): AutofixJob | null;
  latestForIncident(incidentPath: string): AutofixJob | null;
  /** The oldest unfinished job that is due: the one a tick works on. */
  nextDue(now: number): AutofixJob | null;
  /** A step done: its result and the new state in one write. */
  advance(
    id: number,
    state: AutofixState,
    data: AutofixJobData,
    now: number,
    extra?: { claudeAt?: number; openedAt?: number; stopReason?: string },
  ): void;
  /** Try again later (a rate limit, a forge outage), in the same state. */
  postpone(id: number, data: AutofixJobData, until: number, now: number): void;
  /** Fix attempts that reached Claude since `since`, and draft PRs opened: the daily caps. */
  countsSince(since: number): { attempts: number; prs: number };
  /** Done: the notification joins the outbox in the same transaction (sent by the next `sentinel run`). */
  finish(
    id: number,
    data: AutofixJobData,
    now: number,
    notification: { channels: string[]; payload: Notification & { file: string } } | null,
  ): void;
}
