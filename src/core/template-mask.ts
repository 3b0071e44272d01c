// Regex-only parameterization: the variable parts of a log message become placeholders.
// Covers what Sentry's parameterizer masks, plus paths, sizes and identifiers with digits.

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*';
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*';
const TIME = '\\d{1,2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:\\s?[AaPp][Mm])?';
const ZONE = '(?:\\s?(?:Z|[+-]\\d{2}:?\\d{2}|UTC|GMT|[ECMP][SD]T)\\b)?';
const HEX4 = '[0-9a-fA-F]{1,4}';
const IPV4 = '(?:(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)';
// Hostnames need a known TLD. TLDs that are also common words or property names (`job.id`,
// `user.is`) only count when the name has a digit or a hyphen, as real hostnames often do.
const TLD =
  'com|net|org|edu|gov|mil|int|io|dev|app|info|biz|xyz|online|site|cloud|local|internal|localdomain|' +
  'jp|de|uk|fr|br|ru|es|pl|ca|au|cn|nl|eu|ch|kr|cz|mx|tv|se|tr|tw|ua|ir|vn|cl|sk|' +
  'cc|fi|pt|dk|ar|hu|gr|il|ro|ie|za|nz|sg|ee|th|pe|bg|hk|rs|lt|ph|si|hr|ng|kz|ae|lv';
const WORD_TLD = 'id|is|in|it|at|to|me|no|be|my|us|co|by|so|do|go|am|as|on|or|if';
const SIZE = '\\d+(?:\\.\\d+)?\\s?(?:[KMGTP]i?B|bytes?|B)(?![\\w-])';
const UNIT = '(?:ns|us|µs|ms|milliseconds?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?)';

const DIGIT = 1;
const COLON = 2;
const DOT = 4;
const AT = 8;
const EQUALS = 16;
const SLASH = 32;

// Order matters: at one position the first alternative that matches wins. All of them start
// where no letter or digit precedes; checking that once up front is what makes masking fast.
// `needs`: characters a match cannot do without (any one of them). Patterns whose characters the
// message lacks are left out of the regex built for it (one regex per combination, on first use).
const PATTERNS: ReadonlyArray<readonly [placeholder: string, needs: number, source: string]> = [
  ['<url>', COLON, `\\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\\s"'<>[\\]]*[^\\s"'<>[\\].,;:!?)]`],
  ['<email>', AT, `[\\w.+-]+@[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+`],
  ['<uuid>', DIGIT, `\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b`],
  [
    '<date>',
    DIGIT,
    [
      `\\d{4}-\\d{2}-\\d{2}(?:[T ]${TIME})?${ZONE}`,
      `(?:${WEEKDAY},?\\s+)?\\d{1,2}[\\s-]${MONTH}[\\s-]\\d{2,4}(?:\\s+${TIME})?${ZONE}`,
      `(?:${WEEKDAY},?\\s+)?${MONTH}\\s+\\d{1,2}(?:,?\\s+\\d{4})?(?:\\s+${TIME})?(?:\\s+\\d{4})?${ZONE}`,
      `\\d{4}/\\d{2}/\\d{2}(?:[ T]${TIME})?`,
    ].join('|'),
  ],
  ['<mac>', DIGIT | COLON, `\\b[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){5}\\b`],
  ['<ip>', DOT, `(?<![\\w.])${IPV4}(?::\\d{1,5})?(?![\\w.])`],
  [
    '<ip>',
    COLON,
    `(?<![\\w:])(?:(?:${HEX4}:){7}${HEX4}|(?:${HEX4}:){1,6}:(?:${HEX4}(?::${HEX4}){0,5})?|::${HEX4}(?::${HEX4}){0,6})(?![\\w:])`,
  ],
  ['<time>', COLON, `(?<![\\w:.])${TIME}(?![\\w:])`],
  [
    '<host>',
    DOT,
    `\\b(?:[a-zA-Z0-9-]{1,63}\\.)+(?:${TLD})(?::\\d{1,5})?(?![\\w.(-])` +
      `|\\b(?=[\\w.]*[\\d-])(?:[a-zA-Z0-9-]{1,63}\\.)+(?:${WORD_TLD})(?::\\d{1,5})?(?![\\w.(-])`,
  ],
  ['<path>', SLASH, `(?<![\\w.:/])(?:~|\\.{1,2})?(?:/[\\w.@%+~,-]+){2,}/?(?:\\?[^\\s"']*)?|\\b[A-Za-z]:\\\\[^\\s"']+`],
  [
    '<hex>',
    DIGIT,
    `\\b0[xX][0-9a-fA-F]+\\b|\\b(?=\\d*[a-f])(?=[a-f]*\\d)[0-9a-f]{7,128}\\b|\\b(?=\\d*[A-F])(?=[A-F]*\\d)[0-9A-F]{8,128}\\b`,
  ],
  // Identifiers with digits glued to letters: Thunderbird_A8, x86_64, jA9J1UvC020034.
  [
    '<id>',
    DIGIT,
    `(?<![\\w-])(?!\\d+(?:\\.\\d+)?[eE][-+]?\\d)(?=[\\w-]*(?:[A-Za-z]\\d|\\d[A-Za-z]))[A-Za-z0-9]+(?:[_-]+[A-Za-z0-9]+)+(?![\\w-])` +
      `|(?<![\\w-])(?=[A-Za-z]*\\d+[A-Za-z]+\\d)[A-Za-z0-9]{8,}(?![\\w-])`,
  ],
  ['<size>', DIGIT, `(?<![\\w.])${SIZE}(?:\\s\\(${SIZE}\\))?`],
  ['<duration>', DIGIT, `(?<![\\w.])[<>~]?\\d+(?:\\.\\d+)?\\s?${UNIT}(?![\\w-])`],
  // A digit run is a value unless it is glued to letters (ext4, sha256, x86; see GLUED_DIGITS).
  ['<num>', DIGIT, `[-+]?\\d+(?:[.,]\\d+)*(?:[eE][-+]?\\d+)?(?![A-Za-z0-9])`],
  ['<bool>', EQUALS, `(?<==)(?:true|false|True|False)\\b`],
  ['<*>', EQUALS, `(?<=[A-Za-z_][\\w.-]*=)(?:"[^"]*"|'[^']*'|\\[[^\\]]*\\]|[^\\s,;&()[\\]{}"'<]+)`],
];

// Long digit runs glued to letters are values too (tryToReloadSteps1514044800223).
const GLUED_DIGITS = '(?<=[A-Za-z])\\d{4,}(?![A-Za-z0-9])';

// A list of values is one value, whatever its length: `<ip>,<ip>` becomes `<ip>`.
const LIST = /(<[a-z]+>|<\*>)(?:[,;|]<(?:[a-z]+|\*)>)+/g;
const HAS_DIGIT = /\d/;

interface Masker {
  regex: RegExp;
  replace: (match: string, ...groups: unknown[]) => string;
}

const maskers = new Map<number, Masker | null>();

function featuresOf(message: string): number {
  return (
    (HAS_DIGIT.test(message) ? DIGIT : 0) |
    (message.includes(':') ? COLON : 0) |
    (message.includes('.') ? DOT : 0) |
    (message.includes('@') ? AT : 0) |
    (message.includes('=') ? EQUALS : 0) |
    (message.includes('/') || message.includes('\\') ? SLASH : 0)
  );
}

function buildMasker(features: number): Masker | null {
  const used = PATTERNS.filter(([, needs]) => (features & needs) !== 0);
  if (used.length === 0) return null;
  const placeholders = used.map(([placeholder]) => placeholder);
  let source = `(?<![A-Za-z0-9])(?:${used.map(([, , pattern]) => `(${pattern})`).join('|')})`;
  if (features & DIGIT) {
    source += `|(${GLUED_DIGITS})`;
    placeholders.push('<num>');
  }
  return {
    regex: new RegExp(source, 'g'),
    replace(match, ...groups) {
      for (let i = 0; i < placeholders.length; i++) {
        if (groups[i] !== undefined) return placeholders[i] ?? match;
      }
      return match;
    },
  };
}

/** Replaces the variable parts of a message with placeholders (`<num>`, `<ip>`, `<*>`, …). */
export function maskMessage(message: string): string {
  const features = featuresOf(message);
  let masker = maskers.get(features);
  if (masker === undefined) {
    masker = buildMasker(features);
    maskers.set(features, masker);
  }
  if (masker === null) return message;
  const masked = message.replace(masker.regex, masker.replace);
  return masked.includes('>,') || masked.includes('>;') || masked.includes('>|') ? masked.replace(LIST, '$1') : masked;
}

/** Masks a message and splits it into whitespace-separated tokens. */
export function tokenizeMessage(message: string): string[] {
  const masked = maskMessage(message).trim();
  return masked === '' ? [] : masked.split(/\s+/);
}

/** True for a token that is wholly a placeholder, i.e. a variable. */
export function isPlaceholder(token: string): boolean {
  return token.charCodeAt(0) === 60 && token.charCodeAt(token.length - 1) === 62 && token.length > 2;
}
