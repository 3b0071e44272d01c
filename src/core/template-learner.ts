// Online template learner (Drain-like) on top of the regex masking.
//
// Stability rule. Every cluster has a KEY: the masked text of the message that founded it. The key
// never changes; the cluster's TEMPLATE may generalise (differing positions become `<*>`). Every
// masked shape the learner answers while learning is remembered and always gets the same answer
// again. When the memory is full (`maxShapes`) the learner freezes: no merges, no new clusters, so
// answers for shapes it never saw are fixed too. Fingerprint by `key`; show `template`.
import { isPlaceholder, tokenizeMessage } from './template-mask.js';

/** Bump when masking or learning changes, so old fingerprints can be kept as aliases. */
export const NORMALIZER_VERSION = 1;

export interface TemplateMatch {
  /** Stable identity of the message's group: never changes once returned for a message shape. */
  key: string;
  /** The group's current template; may become more general over time. */
  template: string;
}

export interface LearnerOptions {
  /** Share of token positions that must agree to join a cluster (0–1). */
  similarity: number;
  /** Leading constant tokens that must be equal to join a cluster (Drain's prefix depth). */
  prefix: number;
  /** No clusters beyond this; an unmatched message then gets its regex-only template. */
  maxClusters: number;
  /** Shapes remembered; when full, the learner freezes. */
  maxShapes: number;
  /** Longer messages are cut before masking, so cost and memory per message stay bounded. */
  maxLength: number;
}

export interface LearnerSnapshot {
  version: number;
  options: LearnerOptions;
  /** Clusters in creation order: [key, template]. */
  clusters: Array<[key: string, template: string]>;
  /** Remembered shapes in insertion order: [shape, cluster index or -1 for regex-only]. */
  shapes: Array<[shape: string, cluster: number]>;
}

export interface TemplateLearner {
  templateOf(message: string): TemplateMatch;
  /** Plain JSON-serializable state; restoring it gives identical future answers. */
  snapshot(): LearnerSnapshot;
}

export const DEFAULT_LEARNER_OPTIONS: LearnerOptions = {
  similarity: 0.78,
  prefix: 4,
  maxClusters: 10_000,
  maxShapes: 20_000,
  maxLength: 2048,
};

interface Cluster {
  key: string;
  tokens: string[];
  template: string;
}

const REGEX_ONLY = -1;
const WILDCARD = '<*>';
const PLACEHOLDER = /<(?:[a-z]+|\*)>/g;
const HAS_LETTER = /[A-Za-z]/;

/** Creates a learner, empty or from a snapshot (whose options then win over `options`). */
export function createTemplateLearner(
  snapshot?: LearnerSnapshot,
  options?: Partial<LearnerOptions>,
): TemplateLearner {
  const opts: LearnerOptions = { ...DEFAULT_LEARNER_OPTIONS, ...options, ...snapshot?.options };
  const clusters: Cluster[] = [];
  const buckets = new Map<string, number[]>();
  const shapes = new Map<string, number>();

  // The bucket comes from the founding shape (the key): merges may turn its prefix into `<*>`.
  const addCluster = (key: string, tokens: string[], template = key): number => {
    const index = clusters.length;
    clusters.push({ key, tokens, template });
    const bucket = bucketOf(splitShape(key), opts.prefix);
    const list = buckets.get(bucket);
    if (list) list.push(index);
    else buckets.set(bucket, [index]);
    return index;
  };
  for (const [key, template] of snapshot?.clusters ?? []) {
    addCluster(key, splitShape(template), template);
  }
  for (const [shape, index] of snapshot?.shapes ?? []) shapes.set(shape, index);

  const answer = (index: number, shape: string): TemplateMatch => {
    const cluster = clusters[index];
    return cluster ? { key: cluster.key, template: cluster.template } : { key: shape, template: shape };
  };

  return {
    templateOf(message) {
      const tokens = tokenizeMessage(message.length > opts.maxLength ? message.slice(0, opts.maxLength) : message);
      const shape = tokens.join(' ');
      const known = shapes.get(shape);
      if (known !== undefined) return answer(known, shape);

      const best = findBestCluster(clusters, buckets.get(bucketOf(tokens, opts.prefix)), tokens, opts.similarity);
      if (shapes.size >= opts.maxShapes) return answer(best ?? REGEX_ONLY, shape);
      let index = best ?? REGEX_ONLY;
      if (best !== undefined) mergeInto(clusters[best] as Cluster, tokens);
      else if (clusters.length < opts.maxClusters) index = addCluster(shape, tokens);
      shapes.set(shape, index);
      return answer(index, shape);
    },
    snapshot() {
      return {
        version: NORMALIZER_VERSION,
        options: { ...opts },
        clusters: clusters.map((c) => [c.key, c.template]),
        shapes: [...shapes],
      };
    },
  };
}

function splitShape(shape: string): string[] {
  return shape === '' ? [] : shape.split(' ');
}

// Candidates share the token count and the first constant tokens: Drain's prefix idea, which
// keeps "cupsd startup" apart from "klogd startup" and "VM Started" apart from "VM Paused".
function bucketOf(tokens: readonly string[], prefix: number): string {
  let bucket = String(tokens.length);
  let taken = 0;
  for (let i = 0; i < tokens.length && taken < prefix; i++) {
    const token = tokens[i] as string;
    if (isVariable(token) || !HAS_LETTER.test(token)) continue;
    bucket += '\u0000' + token;
    taken++;
  }
  return bucket;
}

function isVariable(token: string): boolean {
  return token.includes('<');
}

function findBestCluster(
  clusters: readonly Cluster[],
  candidates: readonly number[] | undefined,
  tokens: readonly string[],
  threshold: number,
): number | undefined {
  let best: number | undefined;
  let bestScore = threshold;
  for (const index of candidates ?? []) {
    const score = scoreMatch((clusters[index] as Cluster).tokens, tokens);
    if (score > bestScore || (score === bestScore && best === undefined)) {
      best = index;
      bestScore = score;
    }
  }
  return best;
}

// Share of positions that agree; two placeholders agree with each other, a `<*>` with anything.
function scoreMatch(template: readonly string[], tokens: readonly string[]): number {
  const n = tokens.length;
  if (n === 0) return 1;
  let same = 0;
  for (let i = 0; i < n; i++) {
    const t = template[i] as string;
    const m = tokens[i] as string;
    if (t === m || t === WILDCARD || (isPlaceholder(t) && isPlaceholder(m)) || sameSkeleton(t, m)) same++;
  }
  return same / n;
}

// `(<host>)` and `()` differ only by a value: an empty value is still a value.
function sameSkeleton(a: string, b: string): boolean {
  return (isVariable(a) || isVariable(b)) && a.replace(PLACEHOLDER, '') === b.replace(PLACEHOLDER, '');
}

function mergeInto(cluster: Cluster, tokens: readonly string[]): void {
  const template = cluster.tokens;
  let changed = false;
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== tokens[i] && template[i] !== WILDCARD) {
      template[i] = WILDCARD;
      changed = true;
    }
  }
  if (changed) cluster.template = template.join(' ');
}
