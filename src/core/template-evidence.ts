import { isPlaceholder } from './template-mask.js';

// Which token positions of a family of look-alike messages are variables, decided from counts.
//
// The rule, per position, over the rows of one family (same logger, function, exception type and
// application frames, same token count, most tokens alike):
//   - one value: a constant, kept;
//   - at least MANY_VALUES distinct values: a variable, however often each recurs (no handful of
//     providers, regions or buckets is that large);
//   - at least FEW_VALUES distinct values, at least half of them RARE (in at most RARE_ROWS rows) and
//     at least half of the rows carrying a rare value: a variable (identifiers, names, tokens);
//   - otherwise a category: few values that recur (Gemini / Inworld), each value its own group.
// Two values already suffice for a variable where other evidence says the position holds values:
//   - some rows have a masked value there (`<ip>` in one row, `wpad:<num>` in another);
//   - every value has a digit (`eth0` / `eth1`, `an14` / `bn7`): counters and names, not words;
//   - the word before it names an identifier (`user cyrus`, `Voice Ashley`, `session …`: NAMING_WORDS);
//   - under a shared traceback the stack says "same problem" (Sentry groups by stack first), unless
//     there are at most STACK_CATEGORY_VALUES values, each in at least STACK_CATEGORY_ROWS rows
//     (Redis / Postgres behind the same frames).
export const MANY_VALUES = 16;
export const FEW_VALUES = 3;
export const RARE_ROWS = 2;
export const STACK_CATEGORY_VALUES = 4;
export const STACK_CATEGORY_ROWS = 3;
/** Share of positions a message must share with a family's first member to be judged with it. */
export const FAMILY_SIMILARITY = 0.5;
/** Words after which a token is an identifier, not a category (`bucket`, `provider` are left out on purpose). */
export const NAMING_WORDS = new Set([
  'user',
  'users',
  'username',
  'uid',
  'voice',
  'session',
  'sessions',
  'pod',
  'job',
  'batch',
  'request',
  'req',
  'id',
  'key',
  'customer',
  'account',
  'worker',
  'host',
  'hostname',
  'node',
  'client',
  'instance',
  'container',
  'task',
  'order',
  'device',
  'token',
  'object',
  'file',
  'peer',
]);

export const WILDCARD = '<*>';
const PLACEHOLDER = /<(?:[a-z]+|\*)>/g;

export type PositionVerdict = { kind: 'constant' } | { kind: 'variable' | 'category'; why: string };

export interface PositionEvidence {
  /** Rows per distinct value. */
  values: ReadonlyMap<string, number>;
  /** Some member already treats the position as a variable. */
  wildcard: boolean;
  /** Some value is wholly a masked one, punctuation aside (`<ip>,`). */
  masked: boolean;
  /** The word before, the same in every member, if it is one of NAMING_WORDS. */
  namedBy: string | null;
  stack: boolean;
}

export function judgePosition({ values, wildcard, masked, namedBy, stack }: PositionEvidence): PositionVerdict {
  if (wildcard) return { kind: 'variable', why: 'variable: varied in earlier rows of its group' };
  const distinct = values.size;
  if (distinct <= 1) return { kind: 'constant' };
  let rows = 0;
  let rare = 0;
  let rareRows = 0;
  for (const count of values.values()) {
    rows += count;
    if (count <= RARE_ROWS) {
      rare++;
      rareRows += count;
    }
  }
  const counts = `${distinct} values in ${rows} rows, ${rare} of them in at most ${RARE_ROWS} rows`;
  if (distinct >= MANY_VALUES) return { kind: 'variable', why: `variable: ${counts} (at least ${MANY_VALUES} values)` };
  if (distinct >= FEW_VALUES && rare * 2 >= distinct && rareRows * 2 >= rows)
    return { kind: 'variable', why: `variable: ${counts} (mostly rare)` };
  if ([...values.keys()].every((value) => DIGIT.test(value))) return { kind: 'variable', why: `variable: ${counts}, all with digits` };
  if (masked) return { kind: 'variable', why: `variable: ${counts}, some of them masked values` };
  if (namedBy) return { kind: 'variable', why: `variable: ${counts}, named by "${namedBy}"` };
  if (stack) {
    const recurring = [...values.values()].every((count) => count >= STACK_CATEGORY_ROWS);
    if (!(distinct <= STACK_CATEGORY_VALUES && recurring)) return { kind: 'variable', why: `variable: ${counts}, under one traceback` };
  }
  const top = [...values]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([value, count]) => `${value} ${count}`);
  return { kind: 'category', why: `category: ${counts} (${top.join(', ')}${distinct > 4 ? ', …' : ''})` };
}

/** Two tokens that may stand at the same position of one template. */
export function tokensAgree(a: string, b: string): boolean {
  return a === b || a === WILDCARD || b === WILDCARD || ((hasPlaceholder(a) || hasPlaceholder(b)) && skeleton(a) === skeleton(b));
}

const hasPlaceholder = (token: string) => token.includes('<');
// `(<host>)`, `(<ip>)` and `()` are the same token with a value in it (an empty value is still one).
const skeleton = (token: string) => token.replace(PLACEHOLDER, '');
const NOT_A_LETTER = /[^a-z]/g;
const DIGIT = /\d/;
const EDGE_PUNCTUATION = /^[^\w<]+|[^\w>]+$/g;

export interface FamilyMember {
  tokens: readonly string[];
  rows: number;
}

export interface FamilyDecision {
  /** Members that are one group, first (the oldest) the survivor; every member is in one group. */
  groups: number[][];
  /** Why each judged position is a variable or a category. */
  verdicts: Map<number, PositionVerdict>;
}

/** Families: members alike in at least FAMILY_SIMILARITY of their positions to the family's first. */
export function familiesOf(members: readonly FamilyMember[]): number[][] {
  const families: number[][] = [];
  for (let i = 0; i < members.length; i++) {
    const tokens = members[i]!.tokens;
    const family = families.find((f) => similarity(members[f[0]!]!.tokens, tokens) >= FAMILY_SIMILARITY);
    if (family) family.push(i);
    else families.push([i]);
  }
  return families;
}

function similarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0) return 1;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (tokensAgree(a[i]!, b[i]!)) same++;
  return same / a.length;
}

/** Judges every position over the family's rows, then groups members equal at every position that is
 * not a variable. Members are in creation order, so the survivor of a group is its oldest. */
export function decideFamily(members: readonly FamilyMember[], stack: boolean): FamilyDecision {
  const verdicts = new Map<number, PositionVerdict>();
  const length = members[0]?.tokens.length ?? 0;
  for (let i = 0; i < length; i++) {
    const values = new Map<string, number>();
    let wildcard = false;
    let masked = false;
    for (const { tokens, rows } of members) {
      const token = tokens[i]!;
      if (token === WILDCARD) wildcard = true;
      else {
        masked ||= isPlaceholder(token.replace(EDGE_PUNCTUATION, ''));
        const value = hasPlaceholder(token) ? skeleton(token) : token;
        values.set(value, (values.get(value) ?? 0) + rows);
      }
    }
    const before = i > 0 ? members[0]!.tokens[i - 1]! : '';
    const word = before.toLowerCase().replace(NOT_A_LETTER, '');
    const named = !before.includes('<') && NAMING_WORDS.has(word) && members.every((m) => m.tokens[i - 1] === before);
    const verdict = judgePosition({ values, wildcard, masked, namedBy: named ? word : null, stack });
    if (verdict.kind !== 'constant') verdicts.set(i, verdict);
  }
  const byKept = new Map<string, number[]>();
  members.forEach(({ tokens }, index) => {
    const kept = tokens.map((t, i) => (verdicts.get(i)?.kind === 'variable' ? '' : hasPlaceholder(t) ? skeleton(t) : t)).join('\u0000');
    const group = byKept.get(kept);
    if (group) group.push(index);
    else byKept.set(kept, [index]);
  });
  return { groups: [...byKept.values()], verdicts };
}
