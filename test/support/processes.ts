import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Parent pid of every live process, read from /proc (Linux). */
function readParents(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // gone while we looked
    }
  }
  return parents;
}

/** Every process below `pid` (children, grandchildren …), whatever its process group or session. */
export function descendantsOf(pid: number): number[] {
  const parents = readParents();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

export const isAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'; // a zombie is dead, only not yet reaped
  } catch {
    return false;
  }
};

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

/** SIGKILL for `pid` and all it started, as systemd's KillMode=control-group does: the tree is frozen
 * first so no child escapes to init between the scan and the kill. */
export function killTree(pid: number): void {
  signal(pid, 'SIGSTOP');
  const frozen = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const fresh = descendantsOf(pid).filter((p) => !frozen.has(p));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      signal(p, 'SIGSTOP');
      frozen.add(p);
    }
  }
  signal(pid, 'SIGKILL');
  for (const p of frozen) signal(p, 'SIGKILL');
}

/** Live processes working in `dir` or below it (their cwd), such as a Claude in its run directory. */
export function processesWorkingIn(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if ((cwd === dir || cwd.startsWith(`${dir}/`)) && isAlive(Number(name))) found.push(Number(name));
    } catch {
      // gone while we looked, or not ours to read
    }
  }
  return found;
}

/** `pids` still alive once they had `withinMs` to die: a killed process is gone only once scheduled. */
export async function survivors(pids: number[], withinMs = 3000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return pids.filter(isAlive);
}
