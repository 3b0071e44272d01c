// Apart from the investigation stage, so that `status` reads the pause without loading what runs Claude.

/** The state key under which a subscription's usage limit is remembered (epoch ms of its reset). */
export const PAUSE_KEY = 'claude_paused_until';

/** The reset time of a usage limit still in force, else null. */
export function usageLimitUntil(deps: { state: { getMeta(key: string): string | null }; now: () => number }): number | null {
  const until = Number(deps.state.getMeta(PAUSE_KEY));
  return Number.isFinite(until) && until > deps.now() ? until : null;
}
