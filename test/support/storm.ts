import type { LogSpec } from './loguru.js';

// A production-like storm: problems a Python backend logs, each with the id shapes regexes miss
// (digit-free hex, base62, names, pod names, word ids, session tokens) and the ones they catch.
// Look-alike pairs share logger and function and differ by one meaningful word: they must stay apart.

/** Deterministic random numbers (mulberry32): a seed gives the same storm, another seed fresh values. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const chars = (r: Rand, alphabet: string, n: number) => Array.from({ length: n }, () => pick(r, [...alphabet])).join('');
const int = (r: Rand, from: number, to: number) => from + Math.floor(r() * (to - from + 1));

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const LETTERS = LOWER + LOWER.toUpperCase();
const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'ne', 'to', 'shi', 'an', 'el', 'bo', 'vi', 'da', 'ru', 'zen', 'ly', 'mar', 'co', 'fe'];
const NATO = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
  'mike',
  'oscar',
  'papa',
  'romeo',
  'sierra',
  'tango',
];
const K8S = 'bcdfghjklmnpqrstvwxz';

/** The id shapes of the issue; digit-free ones escape every regex. */
export const ids = {
  hex: (r: Rand) => chars(r, 'abcdef', 8), // deadbeef
  base62: (r: Rand) => chars(r, LETTERS, 10), // cHVCUfjHos
  user: (r: Rand) => Array.from({ length: int(r, 2, 3) }, () => pick(r, SYLLABLES)).join(''),
  voice: (r: Rand) => {
    const name = Array.from({ length: 2 }, () => pick(r, SYLLABLES)).join('');
    return name[0]!.toUpperCase() + name.slice(1);
  },
  pod: (r: Rand) => `tts-worker-${chars(r, K8S, 9)}-${chars(r, K8S, 5)}`, // tts-worker-clmfnhlxh-fvgcb
  words: (r: Rand) => `${pick(r, NATO)}-${pick(r, NATO)}-${pick(r, NATO)}`, // bravo-oscar-kilo
  session: (r: Rand) => `sess_${chars(r, LETTERS, 24)}`,
  uuid: (r: Rand) => [8, 4, 4, 4, 12].map((n) => chars(r, '0123456789abcdef', n)).join('-'),
  email: (r: Rand) => `${ids.user(r)}@${pick(r, ['example.com', 'mail.example.org'])}`,
  url: (r: Rand) => `https://api.example.com/v1/jobs/${int(r, 1, 99999)}?attempt=${int(r, 1, 5)}`,
  path: (r: Rand) => `/srv/app/uploads/${ids.user(r)}/${chars(r, LOWER, 6)}.wav`,
  duration: (r: Rand) => `${int(r, 1, 9000)}ms`,
  number: (r: Rand) => String(int(r, 1, 100000)),
};

export interface StormProblem {
  /** The true problem this row belongs to. */
  problem: string;
  /** The problem it must never be merged with (the other half of a look-alike pair). */
  lookAlike?: string;
  logger: string;
  function: string;
  level: 'WARNING' | 'ERROR';
  exception?: (r: Rand) => string;
  message: (r: Rand) => string;
}

const pair = (
  name: string,
  logger: string,
  fn: string,
  words: [string, string],
  message: (word: string, r: Rand) => string,
  exception?: (r: Rand) => string,
): StormProblem[] =>
  words.map((word, i) => ({
    problem: `${name}/${word}`,
    lookAlike: `${name}/${words[1 - i]}`,
    logger,
    function: fn,
    level: 'ERROR' as const,
    message: (r: Rand) => message(word, r),
    ...(exception ? { exception } : {}),
  }));

const single = (
  problem: string,
  logger: string,
  fn: string,
  message: (r: Rand) => string,
  exception?: (r: Rand) => string,
): StormProblem => ({
  problem,
  logger,
  function: fn,
  level: exception ? 'ERROR' : 'WARNING',
  message,
  ...(exception ? { exception } : {}),
});

export const STORM_PROBLEMS: StormProblem[] = [
  ...pair(
    'quota',
    'app.tts',
    'synthesize',
    ['Gemini', 'Inworld'],
    (w, r) => `Daily quota exhausted for ${w} (used ${ids.number(r)} of 100000 requests)`,
  ),
  ...pair(
    'cache',
    'app.cache',
    'get',
    ['Redis', 'Postgres'],
    (w, r) => `Cache read failed on ${w} for key ${ids.words(r)}`,
    () => 'ConnectionError: connection refused',
  ),
  ...pair('upload', 'app.storage', 'put', ['avatars', 'recordings'], (w, r) => `Upload to bucket ${w} failed for user ${ids.user(r)}`),
  ...pair('payment', 'app.billing', 'charge', ['Stripe', 'PayPal'], (w, r) => `Payment declined by ${w} for customer ${ids.email(r)}`),
  ...pair('language', 'app.tts', 'render', ['English', 'German'], (w, r) => `Synthesis failed for voice ${ids.voice(r)} in ${w}`),
  ...pair('webhook', 'app.hooks', 'deliver', ['Discord', 'Slack'], (w, r) => `Webhook delivery to ${w} timed out after ${ids.duration(r)}`),
  single('voice', 'app.tts', 'load_voice', (r) => `Voice ${ids.voice(r)} not found for user ${ids.user(r)}`),
  single('batch', 'app.batch', 'finish', (r) => `Batch ${ids.words(r)} produced no output`),
  single('evicted', 'app.k8s', 'watch', (r) => `Pod ${ids.pod(r)} evicted: node under memory pressure`),
  single('session', 'app.auth', 'check', (r) => `Session ${ids.session(r)} expired before the upload finished`),
  single('blob', 'app.storage', 'fetch', (r) => `Object ${ids.hex(r)} missing from the blob index`),
  single('signature', 'app.api', 'verify', (r) => `Request ${ids.base62(r)} rejected: signature mismatch`),
  single('mailbox', 'app.mail', 'send', (r) => `Could not deliver report to ${ids.email(r)}: mailbox full`),
  single('upstream', 'app.api', 'proxy', (r) => `GET ${ids.url(r)} returned 502 after ${ids.duration(r)}`),
  single(
    'permission',
    'app.storage',
    'open',
    (r) => `Failed to open ${ids.path(r)}`,
    () => 'PermissionError: permission denied',
  ),
  single(
    'crash',
    'app.render',
    'run',
    (r) => `Worker ${ids.pod(r)} crashed while rendering ${ids.uuid(r)}`,
    (r) => `RuntimeError: CUDA error ${ids.hex(r)}`,
  ),
  single('frames', 'app.render', 'transcode', (r) => `Transcoding ${ids.number(r)} frames took ${ids.duration(r)}, over budget`),
  single('lock', 'app.jobs', 'acquire', (r) => `Lock ${ids.hex(r)} held by ${ids.pod(r)} for ${ids.duration(r)}`),
  single(
    'job',
    'app.jobs',
    'run',
    (r) => `Job ${ids.base62(r)} for ${ids.user(r)} failed`,
    () => 'ValueError: voice settings missing',
  ),
];

export interface StormRow extends LogSpec {
  problem: string;
}

/** `rows` rows drawn from every problem (each at least a few times), values fresh for every seed. */
export function generateStorm(seed: number, rows: number, problems: readonly StormProblem[] = STORM_PROBLEMS): StormRow[] {
  const r = random(seed);
  const out: StormRow[] = [];
  for (let i = 0; i < rows; i++) {
    const p = i < problems.length * 3 ? problems[i % problems.length]! : pick(r, problems);
    out.push({
      problem: p.problem,
      level: p.level,
      message: p.message(r),
      logger: p.logger,
      function: p.function,
      ...(p.exception ? { exception: p.exception(r) } : {}),
    });
  }
  return out;
}
