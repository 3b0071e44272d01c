// Template learner: regex masking, then variables learned from evidence (template-evidence.ts).
//
// Two passes per run. While rows are read, a message joins a cluster only when it equals the
// cluster's template at every position that is not yet a variable; otherwise it founds a cluster.
// `decide()`, after the run's rows (and every DECIDE_EVERY new clusters, so memory stays bounded),
// judges each family of alike clusters from the rows counted at every position and FOLDS the
// splinters into their oldest member: the fold is returned, so the caller records it as an alias.
//
// Stability rule. Every cluster has a KEY: the masked text of the message that founded it. The key
// never changes; a cluster's TEMPLATE only generalises (positions become `<*>`), and a folded cluster
// answers with its survivor's key. Every masked shape answered is remembered (up to `maxShapes`)
// and gets the same cluster again: its answer moves only by a fold. Fingerprint by `key`.
import { decideFamily, familiesOf, WILDCARD, tokensAgree, type PositionVerdict } from './template-evidence.js';
import { isPlaceholder, tokenizeMessage } from './template-mask.js';
import { createDoorkeeper, stringHash } from './doorkeeper.js';

/** Bump when masking or learning changes, so old fingerprints can be kept as aliases. */
export const NORMALIZER_VERSION = 2;

/** New clusters between two decisions within a run: a storm of fresh ids folds as it goes. */
export const DECIDE_EVERY = 1000;

export interface TemplateMatch {
  /** Stable identity of the message's group: changes only by a fold. */
  key: string;
  /** The group's current template; may become more general over time. */
  template: string;
}

/** What a message is compared within: only alike messages of the same origin are one group. */
export interface MessageContext {
  exceptionType: string | null;
  logger: string | null;
  function: string | null;
  /** The application's own frames of the traceback (`file:function` lines), or ''. */
  frames: string;
}

/** A splinter cluster folded into its survivor; both have `context`. */
export interface Fold {
  context: string;
  from: string;
  to: string;
  /** The survivor's template after the fold. */
  template: string;
}

export interface TokenExplanation {
  token: string;
  why: string;
}

export interface LearnerOptions {
  /** No clusters beyond this; an unmatched message then gets its regex-only template. */
  maxClusters: number;
  /** Shapes remembered; beyond this, a shape is matched again each time (the same way). */
  maxShapes: number;
  /** Longer messages are cut before masking, so cost and memory per message stay bounded. */
  maxLength: number;
}

export interface SnapshotCluster {
  key: string;
  template: string;
  context: string;
  rows: number;
  /** Index of the cluster it was folded into. */
  into?: number;
  /** Why a position is a variable or a category, by position. */
  why?: Record<string, string>;
}

export interface LearnerSnapshot {
  version: number;
  options: LearnerOptions;
  /** Clusters in creation order. */
  clusters: SnapshotCluster[];
  /** Remembered shapes in insertion order: [context, shape, cluster index or -1 for regex-only]. */
  shapes: Array<[context: string, shape: string, cluster: number]>;
}

export interface TemplateLearner {
  /** `context`: the message's `contextKey`; messages of different contexts are never one group. */
  templateOf(message: string, context?: string): TemplateMatch;
  /** The message's masked shape, by which `templateOf` answers it: always the same for the same message. */
  shapeOf(message: string): string;
  /** As `templateOf` for a message of this shape (`shapeOf`'s): a caller that keeps the shapes of
   * repeated messages is spared finding them again. */
  templateOfShape(shape: string, context?: string): TemplateMatch;
  /** When the learner remembers this shape, counts `rows` more of it as that many `templateOfShape`
   * calls would (they would learn nothing else) and returns true; else counts nothing. */
  countShape(shape: string, rows: number, context?: string): boolean;
  /** The answer for a message already fed, after the decision: not counted again, nothing learned. */
  lookup(message: string, context?: string): TemplateMatch;
  /** As `lookup` for a message of this shape. */
  lookupShape(shape: string, context?: string): TemplateMatch;
  /** Folds the splinters found since the last call; the caller records them. */
  decide(): Fold[];
  /** Per token of the message: why it is a variable or kept. */
  explain(message: string, context?: string): TokenExplanation[];
  /** Plain JSON-serializable state; restoring it gives identical future answers. */
  snapshot(): LearnerSnapshot;
  /** Moves when a decision changes answers: a template generalised, a cluster folded. Until it moves,
   * a message already fed gets the answer it got (new clusters and shapes change no answer given). */
  revision(): number;
}

export const DEFAULT_LEARNER_OPTIONS: LearnerOptions = { maxClusters: 10_000, maxShapes: 20_000, maxLength: 2048 };

interface Cluster {
  key: string;
  context: string;
  tokens: string[];
  template: string;
  rows: number;
  into: number;
  why: Map<number, string>;
}

/** Characters of messages and shapes the message → shape cache holds (a few MB). */
const MESSAGE_CACHE_CHARS = 4_000_000;
const REGEX_ONLY = -1;
const LIVE = -1;
const NO_CONTEXT = '';

/** The context as one string; with a traceback it is marked, since the stack is strong evidence. */
export function contextKey(context: MessageContext): string {
  const stack = context.exceptionType !== null && context.frames !== '' ? 'T' : '-';
  return [stack, context.exceptionType ?? '', context.logger ?? '', context.function ?? '', context.frames].join('\u0000');
}

/** The parts of a `contextKey` (null for what was empty). */
export function contextParts(key: string): MessageContext {
  const [, exceptionType, logger, fn, frames] = key.split('\u0000');
  return { exceptionType: exceptionType || null, logger: logger || null, function: fn || null, frames: frames ?? '' };
}

/** Creates a learner, empty or from a snapshot (whose options then win over `options`). */
export function createTemplateLearner(snapshot?: LearnerSnapshot, options?: Partial<LearnerOptions>): TemplateLearner {
  const opts: LearnerOptions = { ...DEFAULT_LEARNER_OPTIONS, ...options, ...snapshot?.options };
  const clusters: Cluster[] = [];
  const buckets = new Map<string, number[]>();
  // Context → shape → cluster: no string built per row to look a shape up.
  const shapes = new Map<string, Map<string, number>>();
  let shapeCount = 0;
  const remember = (ctx: string, shape: string, index: number) => {
    let inContext = shapes.get(ctx);
    if (!inContext) shapes.set(ctx, (inContext = new Map()));
    inContext.set(shape, index);
    shapeCount++;
  };
  const dirty = new Set<string>();
  const pending: { fold: Fold; survivor: number }[] = [];
  let createdSinceDecide = 0;
  let revision = 0;

  const bucketOf = (context: string, length: number) => `${context}\u0001${length}`;
  const addCluster = (cluster: Cluster): number => {
    const index = clusters.length;
    clusters.push(cluster);
    if (cluster.into === LIVE) {
      const bucket = bucketOf(cluster.context, cluster.tokens.length);
      const list = buckets.get(bucket);
      if (list) list.push(index);
      else buckets.set(bucket, [index]);
    }
    return index;
  };
  for (const c of snapshot?.clusters ?? []) {
    const why = new Map(Object.entries(c.why ?? {}).map(([i, text]) => [Number(i), text]));
    addCluster({
      key: c.key,
      context: c.context,
      tokens: splitShape(c.template),
      template: c.template,
      rows: c.rows,
      into: c.into ?? LIVE,
      why,
    });
  }
  for (const [ctx, shape, index] of snapshot?.shapes ?? []) remember(ctx, shape, index);

  const survivorOf = (index: number): number => {
    let i = index;
    while (i !== REGEX_ONLY && clusters[i]!.into !== LIVE) i = clusters[i]!.into;
    return i;
  };
  const answer = (index: number, shape: string): TemplateMatch => {
    const cluster = clusters[index];
    return cluster ? { key: cluster.key, template: cluster.template } : { key: shape, template: shape };
  };

  // Message → its masked shape, so storms and repeated lines are masked once and `lookup` after
  // `templateOf` costs a map lookup. Messages that differ only in the digits of their numbers
  // (`job 4711`, `job 4712`) share one shape, by their skeleton (see skeletonOf); of those only
  // repeats are kept whole, so a run of fresh ids does not fill memory. Bounded by characters.
  const byMessage = boundedMap<string>();
  const bySkeleton = boundedMap<SkeletonEntry>();
  // Only what has been seen before is cached: fresh ids (UUIDs, hex, names) would otherwise fill
  // the maps with entries that never serve, and the garbage collector with survivors to copy.
  const messageSeen = createDoorkeeper();
  const skeletonSeen = createDoorkeeper();
  const mask = (message: string) => tokenizeMessage(message.length > opts.maxLength ? message.slice(0, opts.maxLength) : message).join(' ');
  const shapeOf = (message: string): string => {
    let shape = byMessage.get(message);
    if (shape !== undefined) return shape;
    const skeleton = skeletonOf(message);
    if (skeleton === null) {
      shape = mask(message);
      if (messageSeen(stringHash(message))) byMessage.set(message, shape, shape.length);
      return shape;
    }
    const entry = bySkeleton.get(skeleton);
    if (entry === undefined) {
      shape = mask(message);
      if (skeletonSeen(stringHash(skeleton)))
        bySkeleton.set(skeleton, { shape, confirmed: false, last: message }, 2 * message.length + shape.length);
      return shape;
    }
    if (entry.last === message) {
      shape = entry.shape ?? mask(message);
      byMessage.set(message, shape, entry.shape === null ? shape.length : 0);
      return shape;
    }
    entry.last = message;
    if (entry.shape !== null && !entry.confirmed) {
      // A second message of the skeleton: its shape is everyone's only if its digits, each made
      // another digit, mask the same (then every such digit is inside a placeholder).
      shape = mask(message);
      entry.confirmed = shape === mask(mapNumbers(message, (run) => run.replace(ANY_DIGIT, otherDigit)));
      if (!entry.confirmed) entry.shape = null;
      return shape;
    }
    // A repeat that other messages of its skeleton came between.
    shape = entry.shape ?? mask(message);
    if (messageSeen(stringHash(message))) byMessage.set(message, shape, entry.shape === null ? shape.length : 0);
    return shape;
  };
  const locateShape = (shape: string, ctx = NO_CONTEXT) => ({ shape, ctx, known: shapes.get(ctx)?.get(shape) });
  const locate = (message: string, ctx?: string) => locateShape(shapeOf(message), ctx);

  const match = (ctx: string, tokens: readonly string[]): number | undefined =>
    buckets.get(bucketOf(ctx, tokens.length))?.find((i) => fits(clusters[i]!.tokens, tokens));

  const decideBucket = (bucket: string) => {
    const live = buckets.get(bucket) ?? [];
    if (live.length < 2) return;
    const members = live.map((i) => clusters[i]!);
    const stack = members[0]!.context.startsWith('T');
    for (const family of familiesOf(members)) {
      if (family.length < 2) continue;
      const { groups, verdicts } = decideFamily(
        family.map((m) => members[m]!),
        stack,
      );
      for (const group of groups) {
        const survivor = members[family[group[0]!]!]!;
        for (const [position, verdict] of verdicts) if (generalise(survivor, position, verdict)) revision++;
        for (const m of group.slice(1)) {
          const splinter = members[family[m]!]!;
          splinter.into = live[family[group[0]!]!]!;
          revision++;
          survivor.rows += splinter.rows;
          pending.push({
            fold: { context: survivor.context, from: splinter.key, to: survivor.key, template: '' },
            survivor: splinter.into,
          });
          // A folded cluster only points at its survivor: its template and context are not kept.
          Object.assign(splinter, { context: '', tokens: [], template: '', rows: 0 });
          splinter.why.clear();
        }
      }
    }
    buckets.set(
      bucket,
      live.filter((i) => clusters[i]!.into === LIVE),
    );
  };

  const decideDirty = () => {
    for (const bucket of dirty) decideBucket(bucket);
    dirty.clear();
    createdSinceDecide = 0;
  };

  const templateOfShape = (shape: string, context?: string): TemplateMatch => {
    const { ctx, known } = locateShape(shape, context);
    let index = known === undefined ? REGEX_ONLY : survivorOf(known);
    if (known === undefined) {
      const tokens = splitShape(shape);
      index = match(ctx, tokens) ?? REGEX_ONLY;
      if (index === REGEX_ONLY && clusters.length < opts.maxClusters) {
        index = addCluster({ key: shape, context: ctx, tokens, template: shape, rows: 0, into: LIVE, why: new Map() });
        dirty.add(bucketOf(ctx, tokens.length));
        if (++createdSinceDecide >= DECIDE_EVERY) decideDirty();
      }
      if (shapeCount < opts.maxShapes) remember(ctx, shape, index);
      index = survivorOf(index);
    }
    if (index !== REGEX_ONLY) clusters[index]!.rows++;
    return answer(index, shape);
  };

  const countShape = (shape: string, rows: number, context = NO_CONTEXT): boolean => {
    const known = shapes.get(context)?.get(shape);
    if (known === undefined) return false;
    const index = survivorOf(known);
    if (index !== REGEX_ONLY) clusters[index]!.rows += rows;
    return true;
  };
  const lookupShape = (shape: string, context?: string): TemplateMatch => {
    const { ctx, known } = locateShape(shape, context);
    return answer(known === undefined ? (match(ctx, splitShape(shape)) ?? REGEX_ONLY) : survivorOf(known), shape);
  };

  return {
    templateOf: (message, context) => templateOfShape(shapeOf(message), context),
    shapeOf,
    templateOfShape,
    countShape,
    lookup: (message, context) => lookupShape(shapeOf(message), context),
    lookupShape,
    decide() {
      decideDirty();
      // Templates as they stand after every fold of the batch.
      return pending.splice(0).map(({ fold, survivor }) => ({ ...fold, template: clusters[survivorOf(survivor)]!.template }));
    },
    explain(message, context) {
      const { shape, ctx, known } = locate(message, context);
      const tokens = splitShape(shape);
      const cluster = clusters[known === undefined ? (match(ctx, tokens) ?? REGEX_ONLY) : survivorOf(known)];
      return tokens.map((token, i) => {
        if (isPlaceholder(token)) return { token, why: `variable: masked as ${token} by its pattern` };
        const why = cluster?.why.get(i);
        if (why) return { token, why };
        if (token.includes('<')) return { token, why: 'kept, with the masked value in it' };
        return { token, why: cluster ? `kept: the same in all ${cluster.rows} rows of its group` : 'kept: no group learned yet' };
      });
    },
    revision: () => revision,
    snapshot() {
      return {
        version: NORMALIZER_VERSION,
        options: { ...opts },
        clusters: clusters.map((c) => ({
          key: c.key,
          template: c.template,
          context: c.context,
          rows: c.rows,
          ...(c.into === LIVE ? {} : { into: c.into }),
          ...(c.why.size ? { why: Object.fromEntries(c.why) } : {}),
        })),
        shapes: [...shapes].flatMap(([ctx, inContext]) =>
          [...inContext].map(([shape, index]): [string, string, number] => [ctx, shape, index]),
        ),
      };
    },
  };
}

interface SkeletonEntry {
  /** The shape of every message of the skeleton (until confirmed, of the first); null when it depends on the digits' values. */
  shape: string | null;
  /** A second message of the skeleton has shown that the digits do not matter. */
  confirmed: boolean;
  /** The message of this skeleton seen last: the same one again is a repeat. */
  last: string;
}

const VALUE_DIGITS = /\d[.xX]|\.\d/;
const ANY_DIGIT = /\d/g;
const otherDigit = (digit: string) => (digit === '0' ? '1' : '0');

/**
 * The message with every digit of a number not glued to letters (`4711`, `37s`; not `v12`) made 0,
 * or null when masking may depend on a digit's value: it tells digits apart by value only in IPv4
 * octets (`25[0-5]`: digits beside a dot) and in `0x` (a digit before x). Elsewhere masking takes the
 * same path through every message of a skeleton, so they get the same placeholders at the same
 * places, and the same text when no such digit is left outside a placeholder.
 */
function skeletonOf(message: string): string | null {
  if (VALUE_DIGITS.test(message) || carriesAlphanumericIds(message)) return null;
  return mapNumbers(message, (run) => '0'.repeat(run.length));
}

/** Three or more digit runs glued to a letter before them (`3f2a9c1e`, `aZ3kP9q`): ids that keep
 * their digits in the skeleton, so it would never repeat and only cost its building and caching. */
function carriesAlphanumericIds(message: string): boolean {
  let glued = 0;
  for (let i = 1; i < message.length; i++) {
    if (isDigit(message.charCodeAt(i)) && isLetter(message.charCodeAt(i - 1)) && ++glued === 3) return true;
  }
  return false;
}

const isDigit = (code: number) => code >= 48 && code <= 57;
const isLetter = (code: number) => (code | 32) >= 97 && (code | 32) <= 122;

/** The message with each run of digits not glued to a letter before it replaced by `map(run)`
 * (a regex lookbehind for this costs microseconds on hex-heavy text). */
function mapNumbers(message: string, map: (run: string) => string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < message.length; i++) {
    if (!isDigit(message.charCodeAt(i))) continue;
    let end = i + 1;
    while (end < message.length && isDigit(message.charCodeAt(end))) end++;
    if (i === 0 || !isLetter(message.charCodeAt(i - 1))) {
      out += message.slice(from, i) + map(message.slice(i, end));
      from = end;
    }
    i = end - 1;
  }
  return from === 0 ? message : out + message.slice(from);
}

/** A Map that forgets everything once its keys and values hold more than MESSAGE_CACHE_CHARS characters. */
function boundedMap<V>() {
  const map = new Map<string, V>();
  let chars = 0;
  return {
    get: (key: string) => map.get(key),
    set(key: string, value: V, valueChars: number) {
      chars += key.length + valueChars;
      if (chars > MESSAGE_CACHE_CHARS) {
        map.clear();
        chars = key.length + valueChars;
      }
      map.set(key, value);
    },
  };
}

function splitShape(shape: string): string[] {
  return shape === '' ? [] : shape.split(' ');
}

/** A message fits a template when every position agrees: equal, a `<*>`, or the same masked shape. */
function fits(template: readonly string[], tokens: readonly string[]): boolean {
  for (let i = 0; i < tokens.length; i++) if (!tokensAgree(template[i]!, tokens[i]!)) return false;
  return true;
}

/** True when the template changed. */
function generalise(cluster: Cluster, position: number, verdict: PositionVerdict): boolean {
  if (verdict.kind === 'constant' || cluster.tokens[position] === WILDCARD) return false;
  cluster.why.set(position, verdict.why);
  if (verdict.kind !== 'variable') return false;
  cluster.tokens[position] = WILDCARD;
  cluster.template = cluster.tokens.join(' ');
  return true;
}
