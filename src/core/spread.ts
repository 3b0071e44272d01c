/** Where a group was seen, when the rows say: the hosts that logged it (of the hosts whose rows the
 * run read) and, with several sources, its rows per source. Host names come from the log: untrusted. */
export interface GroupSpread {
  hosts?: { seen: string[]; of: number };
  sources?: [name: string, rows: number][];
}

const MAX_HOSTS_NAMED = 10;

/** Lines for a fenced block of the incident and the prompt. */
export function spreadLines(group: GroupSpread): string[] {
  const lines: string[] = [];
  if (group.hosts && group.hosts.seen.length > 0) {
    const named = group.hosts.seen.slice(0, MAX_HOSTS_NAMED).map((h) => h.slice(0, 64));
    const more = group.hosts.seen.length > named.length ? `, … ${group.hosts.seen.length - named.length} more` : '';
    lines.push(`hosts: ${group.hosts.seen.length} of ${group.hosts.of} (${named.join(', ')}${more})`);
  }
  if (group.sources && group.sources.length > 0)
    lines.push(`sources: ${group.sources.map(([name, rows]) => `${name} ${rows}`).join(', ')}`);
  return lines;
}

/** " on 2 of 3 hosts" for a title: counts only, no names. Empty with a single host or none known. */
export function hostsPhrase(group: GroupSpread): string {
  const hosts = group.hosts;
  if (!hosts || hosts.of < 2) return '';
  return hosts.seen.length === hosts.of ? ` on all ${hosts.of} hosts` : ` on ${hosts.seen.length} of ${hosts.of} hosts`;
}
