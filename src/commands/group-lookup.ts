import type { StateStore } from '../core/state-store.js';
import { ExitCode, SentinelError } from '../core/errors.js';

const MIN_PREFIX = 4; // shorter than this is a slip of the mouse, not a copied id
const SHOWN = 10;

export type GroupLookup = { kind: 'found'; fingerprint: string } | { kind: 'none' } | { kind: 'ambiguous'; candidates: string[] };

/** A fingerprint as a person types it: whole (or an alias), or a unique prefix, the way ids are copied. */
export function lookUpGroup(state: StateStore, text: string): GroupLookup {
  const exact = state.group(text);
  if (exact) return { kind: 'found', fingerprint: exact.fingerprint };
  if (text.length < MIN_PREFIX) return { kind: 'none' };
  const candidates = state.fingerprintsStartingWith(text, SHOWN + 1);
  if (candidates.length === 1) return { kind: 'found', fingerprint: candidates[0]! };
  return candidates.length === 0 ? { kind: 'none' } : { kind: 'ambiguous', candidates };
}

/** The group's full fingerprint, or a one-line error a person can act on. */
export function requireGroup(state: StateStore, text: string, flag = 'fingerprint'): string {
  const found = lookUpGroup(state, text);
  if (found.kind === 'found') return found.fingerprint;
  throw new SentinelError(describeMiss(found, text, flag), ExitCode.usage);
}

export function describeMiss(found: Exclude<GroupLookup, { kind: 'found' }>, text: string, flag: string): string {
  const shown = JSON.stringify(text);
  if (found.kind === 'none') return `${flag}: no error group with fingerprint ${shown}; \`sentinel status\` lists them`;
  const more = found.candidates.length > SHOWN ? ' …' : '';
  return `${flag}: ${shown} is the start of several fingerprints (${found.candidates.slice(0, SHOWN).join(', ')}${more}); give more of it`;
}
