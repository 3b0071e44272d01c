import { readdirSync, readFileSync } from 'node:fs';

/** A child started `detached`: the leader of its own process group. */
interface GroupLeader {
  pid?: number | undefined;
  kill: (signal: NodeJS.Signals) => boolean;
}

/** SIGKILL to the whole group: what the child started goes too. */
export function killGroup(child: GroupLeader): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // no such group (already gone, or not a leader): at least the child itself
  }
}

/** Waits for the child, stopping its group at `timeoutMs` (`stopGroup`); once it has exited,
 * whatever it left running in its group is stopped as well. */
export async function settleWithin<T>(child: Promise<T> & GroupLeader, timeoutMs: number): Promise<{ result: T; timedOut: boolean }> {
  let stopped: Promise<void> | null = null;
  const timer = setTimeout(() => (stopped = stopGroup(child)), timeoutMs);
  running.add(child);
  watchStopSignals();
  const result = await child;
  clearTimeout(timer);
  const timedOut = stopped !== null;
  await (stopped ?? stopGroup(child));
  // This process is ending by a signal: no caller may act on (record, report, retry) a child the
  // signal ended.
  if (stopping !== null) await new Promise<never>(() => {});
  running.delete(child);
  if (running.size === 0) unwatchStopSignals();
  return { result, timedOut };
}

/** Long enough for Claude and its MCP server to stop what they run; what is left then is killed. */
const STOP_GRACE_MS = 1500;

/** SIGTERM to the group, and SIGKILL to what is left of it after the grace: a stop its members can
 * pass on (Claude's MCP server stops the analysis it is running, which has a group of its own). */
async function stopGroup(child: GroupLeader): Promise<void> {
  if (child.pid === undefined) return;
  signalGroup(child, 'SIGTERM');
  const deadline = performance.now() + STOP_GRACE_MS;
  while (hasLiveMember(child.pid) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  killGroup(child);
}

// A detached child is in a group of its own, so Ctrl-C at a terminal, a closed SSH session or a
// `kill` of this process does not reach it: Claude would go on with an investigation nobody reads.
// While such a child runs, these signals stop its group first, then end this process by the same signal.
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const running = new Set<Promise<unknown> & GroupLeader>();
let stopping: NodeJS.Signals | null = null;

function watchStopSignals(): void {
  for (const signal of STOP_SIGNALS) if (!process.listeners(signal).includes(onStopSignal)) process.on(signal, onStopSignal);
}

function unwatchStopSignals(): void {
  for (const signal of STOP_SIGNALS) process.removeListener(signal, onStopSignal);
}

function onStopSignal(signal: NodeJS.Signals): void {
  if (stopping !== null) {
    endBy(signal); // a second Ctrl-C: no more waiting
    return;
  }
  stopping = signal;
  void Promise.all([...running].map(stopGroup)).then(() => endBy(signal));
}

function endBy(signal: NodeJS.Signals): void {
  for (const child of running) killGroup(child);
  unwatchStopSignals();
  process.kill(process.pid, signal); // the default action now: the exit status says which signal
}

function signalGroup(child: GroupLeader, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** What identifies a process group whose leader may have exited: its id, and when its leader
 * started (in clock ticks since boot) so that a later process given the same id is told apart.
 * Null where there is no /proc to read it from. */
export function groupIdentity(pid: number): string | null {
  const start = startTicks(pid);
  return start === null ? null : `${pid} ${start}`;
}

/** Kills the group `identity` names if it is still that group, and waits (briefly) until it is
 * gone. False when a group by that id is alive but cannot be shown to be the one recorded. */
export async function endRecordedGroup(identity: string): Promise<boolean> {
  const [pid, start] = identity.split(' ').map(Number) as [number, number];
  if (!Number.isInteger(pid) || pid <= 1 || !groupExists(pid)) return true; // nothing left to end
  // A group's id is not handed out again while any member lives, so with its leader gone the
  // members are the recorded group's (unless a new group took the id and its leader left too: rare
  // enough). A live leader must have started when recorded.
  const leaderStart = startTicks(pid);
  if (leaderStart !== null && leaderStart !== start) return false;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    return true; // gone meanwhile
  }
  // Until none is left that could still write to the directory about to be removed.
  for (let i = 0; i < 100 && hasLiveMember(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return true;
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fields after "pid (comm)": comm may hold spaces and parentheses, so read after the last ')'. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

const startTicks = (pid: number): number | null => {
  const start = statFields(pid)?.[19]; // field 22, starttime
  return start === undefined ? null : Number(start);
};

/** Whether any process of the group is alive; a zombie is not: it runs nothing and writes nothing. */
function hasLiveMember(pgid: number): boolean {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return groupExists(pgid); // no /proc: a zombie counts as alive, and the wait runs to its end
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name)); // [state, ppid, pgrp, …]
    if (fields !== null && Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}
