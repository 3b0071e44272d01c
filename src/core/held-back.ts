/** Triggers kept from an alert for now (a cooldown): never silent, `run` and `status` name them. */
export interface HeldBack {
  fingerprint: string;
  trigger: string;
  reason: 'cooldown';
  until: number;
}

/** The state DB meta key holding what is held back, for `status`. */
export const HELD_BACK_META_KEY = 'held_back';

/** What stays held back after a run: this run's, and earlier ones still waiting that this run did not see again. */
export function mergeHeldBack(previous: HeldBack[], current: HeldBack[], seen: Set<string>, now: number): HeldBack[] {
  return [...current, ...previous.filter((h) => h.until > now && !seen.has(h.fingerprint))];
}

export function parseHeldBack(meta: string | null): HeldBack[] {
  if (meta === null) return [];
  try {
    const parsed: unknown = JSON.parse(meta);
    return Array.isArray(parsed) ? (parsed as HeldBack[]) : [];
  } catch {
    return [];
  }
}

/** `held back: in cooldown until 14:38 UTC: 5a7f6920b9b0d9aa (regressed), …` — one line. */
export function describeHeldBack(held: HeldBack[]): string | null {
  if (held.length === 0) return null;
  const until = Math.max(...held.map((h) => h.until));
  const listed = held.slice(0, 5).map((h) => `${h.fingerprint} (${h.trigger})`);
  if (held.length > 5) listed.push(`${held.length - 5} more`);
  return `held back: in cooldown until ${clockTime(until)}: ${listed.join(', ')} (an investigation ran within investigate.cooldown; sentinel resolve FP lets a fix's regression through)`;
}

/** `14:38 UTC`, with the date when it is not today's. */
export function clockTime(ms: number, now?: number): string {
  const iso = new Date(ms).toISOString();
  const sameDay = now === undefined || iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 16)} UTC`;
}
