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

/** Waits for the child, killing its group at `timeoutMs`; once it has exited, whatever it left
 * running in its group is killed as well. */
export async function settleWithin<T>(child: Promise<T> & GroupLeader, timeoutMs: number): Promise<{ result: T; timedOut: boolean }> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, timeoutMs);
  const result = await child;
  clearTimeout(timer);
  killGroup(child);
  return { result, timedOut };
}
