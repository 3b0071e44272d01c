import { flattenInline } from './fence.js';
import type { NoDiagnosis } from './investigation.js';
import { formatUtc } from './prompt.js';

/** Why there is no diagnosis, in the few words a phone shows: "no Anthropic credential …". */
export function describeNoDiagnosis(why: NoDiagnosis): string {
  if (why.kind === 'disabled') return 'Claude is disabled (claude.enabled: false)';
  if (why.kind === 'unavailable' || why.kind === 'over_budget') return flattenInline(why.detail, 160);
  if (why.kind === 'pending') return `diagnosis pending (${flattenInline(why.reason, 120)})`;
  if (why.kind === 'usage_limit') return `the Claude subscription's usage limit is reached until ${formatUtc(why.until)}`;
  return `Claude failed after ${why.attempts} attempt${why.attempts === 1 ? '' : 's'}: ${flattenInline(why.reason, 120)}`;
}
