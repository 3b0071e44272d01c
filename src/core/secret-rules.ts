/**
 * The secret formats the redactor knows. Anchored on gitleaks' default rule set
 * (config/gitleaks.toml): every rule whose secret can appear in a log line, written anew so each
 * is linear on hostile input — a pattern opens with a distinctive literal and fails within a few
 * characters, or with a lookbehind that refuses to start inside a run of its own characters, and
 * every repetition is bounded. gitleaks' ~100 "<vendor> key = value" rules are covered by the
 * key/value rules at the end (any key ending in a secret word), its file-only rules (nuget config,
 * pkcs12 files, Kubernetes secret YAML) are not log formats.
 */
export interface SecretRule {
  /** Shown as `[REDACTED:kind]`. */
  kind: string;
  /** Lowercase literals, one of which any match contains: the rule runs only on text holding one. */
  keywords: readonly string[];
  /** The first named group that matched is the secret; else the whole match. */
  source: string;
  flags?: string;
}

const TOKEN = '[A-Za-z0-9_-]';
const notAfter = (chars: string) => `(?<![${chars}])`;
const END = '(?![A-Za-z0-9_-])';
const PLACEHOLDER = '(?!(?:none|null|nil|true|false|undefined)\\b|\\*{3}|\\[redacted|<redacted)';
const QUOTED = (q: string, name: string) => `${q}${PLACEHOLDER}(?<${name}>(?:[^${q}\\\\\\n]|\\\\.){1,512})(?=${q})`;
/** A value in JSON that is itself inside a JSON string: `{\"password\": \"hunter2\"}`. */
const ESCAPED_QUOTED = `\\\\"${PLACEHOLDER}(?<s4>(?:[^"\\\\\\n]|\\\\[^"\\n]){1,512})(?=\\\\")`;
/** `key` `=`/`:` with optional quotes around the key (also JSON-escaped ones: `\"key\": …`). */
const ASSIGN = '\\\\?["\']?\\s{0,8}[:=]\\s{0,8}';

/** A prefixed vendor token: `prefix` then `body`, not glued to a longer word on either side. */
const prefixed = (kind: string, keywords: string[], source: string, flags?: string): SecretRule => ({
  kind,
  keywords,
  source: `${notAfter('A-Za-z0-9')}(?:${source})${END}`,
  ...(flags ? { flags } : {}),
});

// Key words whose value is a secret whatever it looks like ("db_password=x", "SECRET_KEY='…'").
const STRONG_KEYS =
  'passw(?:or)?d|passphrase|secret(?:[_-]?key)?|token|api[_-]?key|access[_-]?key|private[_-]?key|signing[_-]?key|' +
  'encryption[_-]?key|credentials?|(?:shared[_-]?)?access[_-]?signature';
// Short words that are secret keys only as a whole segment ("db_pass", "auth"; not "bypass", "oauth2_flow").
const SEGMENT_KEYS = 'pass|pwd|auth';
// Words that are often not secrets ("cache key=user"): their value must look like a token.
const TOKENISH_KEYS = 'key|sig|signature|session(?:[_-]?id)?|sessid|sid';
const TOKENISH_VALUE = '(?=[A-Za-z0-9_+=.~-]{0,512}\\d)[A-Za-z0-9_+=.~-]{8,512}(?![A-Za-z0-9_+/=.~-])';
const DIGEST_PARAM = '[A-Za-z][\\w-]{0,40}=(?:"[^"\\n]{0,1024}"|[^\\s,"]{0,1024})';
const KEY_START = `${notAfter('A-Za-z0-9_.-')}[A-Za-z0-9_.-]{0,40}?`;

export const SECRET_RULES: readonly SecretRule[] = [
  {
    kind: 'private_key',
    keywords: ['-----begin'],
    source:
      '-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?' +
      // An unterminated block (truncated upstream, or by our own bounding) runs to the end.
      '(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)',
  },
  { kind: 'anthropic_key', keywords: ['sk-ant-'], source: `sk-ant-${TOKEN}{20,}` },
  { kind: 'openai_key', keywords: ['sk-'], source: `${notAfter('A-Za-z0-9_-')}sk-${TOKEN}{20,}` },
  { kind: 'stripe_key', keywords: ['k_live_', 'k_test_', 'k_prod_'], source: '[sr]k_(?:live|test|prod)_[A-Za-z0-9]{10,}' },
  { kind: 'stripe_webhook_secret', keywords: ['whsec_'], source: 'whsec_[A-Za-z0-9+/=]{20,}' },
  { kind: 'google_api_key', keywords: ['aiza'], source: `AIza${TOKEN}{35}` },
  {
    kind: 'aws_access_key_id',
    keywords: ['akia', 'asia', 'abia', 'acca', 'a3t'],
    source: `${notAfter('A-Za-z0-9')}(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])`,
  },
  {
    kind: 'aws_secret_key',
    keywords: ['secret'],
    source: `${notAfter('A-Za-z0-9')}(?:aws_?)?secret_?(?:access_?)?key${ASSIGN}["']?(?<s>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])`,
    flags: 'i',
  },
  {
    kind: 'github_token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    source: '(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\\w{22,})',
  },
  {
    kind: 'gitlab_token',
    keywords: ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glft-', 'glimt-', 'glagent-', 'gloas-', 'glsoat-', 'glffct-', 'glcbt-', 'gr1348941'],
    source:
      'gl(?:pat|dt|rt|ptt|ft|imt|agent|oas|soat|ffct)-[0-9A-Za-z_.-]{20,300}|glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_-]{20}|GR1348941[\\w-]{20}',
  },
  {
    kind: 'slack_token',
    keywords: ['xox', 'xapp-'],
    source: '(?:xox[abprsoe](?:\\.xox[bp])?-[A-Za-z0-9-]{10,}|xapp-\\d-[A-Za-z0-9-]{10,})',
  },
  {
    kind: 'slack_webhook',
    keywords: ['hooks.slack.com'],
    source: '(?:https?://)?hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+-]+',
  },
  {
    kind: 'discord_webhook',
    keywords: ['discord'],
    source: '(?:https?://)?(?:(?:canary|ptb)\\.)?discord(?:app)?\\.com/api/(?:v\\d{1,2}/)?webhooks/\\d{5,30}/[A-Za-z0-9_-]{20,}',
    flags: 'i',
  },
  {
    kind: 'teams_webhook',
    keywords: ['webhook.office.com', 'logic.azure.com'],
    source:
      'https://[A-Za-z0-9.-]{1,100}\\.webhook\\.office\\.com/webhookb2/[0-9a-f-]{36}@[0-9a-f-]{36}/IncomingWebhook/[0-9a-f]{32}/[0-9a-f-]{36}' +
      '|https://[A-Za-z0-9.-]{1,100}\\.logic\\.azure\\.com(?::\\d{1,5})?/workflows/[^\\s?]{1,400}\\?[A-Za-z0-9_=&%.-]{10,600}',
  },
  // api.telegram.org/bot<id>:<secret>/sendMessage: glued to "bot", so only digits may not precede it.
  { kind: 'telegram_bot_token', keywords: [':a'], source: '(?<![0-9])[0-9]{5,16}:A[A-Za-z0-9_-]{34}(?![A-Za-z0-9_-])' },
  prefixed('npm_token', ['npm_'], 'npm_[A-Za-z0-9]{36}'),
  prefixed('huggingface_token', ['hf_', 'api_org_'], '(?:hf_|api_org_)[A-Za-z0-9]{30,40}'),
  prefixed('sendgrid_key', ['sg.'], 'SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}'),
  prefixed('shopify_token', ['shpat_', 'shpca_', 'shppa_', 'shpss_'], 'shp(?:at|ca|pa|ss)_[A-Fa-f0-9]{32}'),
  prefixed('digitalocean_token', ['_v1_'], 'do[opr]_v1_[a-f0-9]{64}'),
  prefixed('databricks_token', ['dapi'], 'dapi[a-f0-9]{32}(?:-\\d)?'),
  prefixed('doppler_token', ['dp.'], 'dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,44}'),
  prefixed('dynatrace_token', ['dt0c01.'], 'dt0c01\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{64}'),
  prefixed('age_secret_key', ['age-secret-key-1'], 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}'),
  prefixed(
    'onepassword_token',
    ['ops_', 'a3-'],
    'ops_eyJ[A-Za-z0-9+/]{250,}={0,3}|A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}',
  ),
  prefixed('artifactory_token', ['akcp', 'cmvmd'], 'AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59}'),
  prefixed('azure_ad_client_secret', ['q~'], '[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}'),
  prefixed('easypost_token', ['ezak', 'eztk'], 'EZ[AT]K[A-Za-z0-9]{54}'),
  prefixed('flutterwave_key', ['flwseck_test', 'flwpubk_test'], 'FLW(?:SECK|PUBK)_TEST-[A-Ha-h0-9]{12,32}(?:-X)?'),
  prefixed('flyio_token', ['fo1_', 'fm1', 'fm2_'], 'fo1_[\\w-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|fm2_[A-Za-z0-9+/]{100,}={0,3}'),
  prefixed('frameio_token', ['fio-u-'], 'fio-u-[A-Za-z0-9_=-]{64}'),
  prefixed(
    'grafana_token',
    ['eyjrijoi', 'glc_', 'glsa_'],
    'eyJrIjoi[A-Za-z0-9]{70,400}={0,3}|glc_[A-Za-z0-9+/]{32,400}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}',
  ),
  prefixed(
    'hashicorp_token',
    ['atlasv1', 'hvs.', 'hvb.'],
    '[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}|hvs\\.[\\w-]{90,120}|hvb\\.[\\w-]{138,300}',
  ),
  prefixed('heroku_key', ['hrku-aa'], 'HRKU-AA[0-9A-Za-z_-]{58}'),
  prefixed('linear_key', ['lin_api_'], 'lin_api_[A-Za-z0-9]{40}'),
  prefixed('notion_token', ['ntn_'], 'ntn_[0-9]{11}[A-Za-z0-9]{35}'),
  prefixed('newrelic_key', ['nrak-', 'nrii-', 'nrjs-'], 'NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9-]{32}|NRJS-[a-f0-9]{19}'),
  prefixed('openshift_token', ['sha256~'], 'sha256~[\\w-]{43}'),
  prefixed('perplexity_key', ['pplx-'], 'pplx-[A-Za-z0-9]{48}'),
  prefixed('planetscale_token', ['pscale_'], 'pscale_(?:tkn|oauth|pw)_[\\w=.-]{32,64}'),
  prefixed('postman_key', ['pmak-'], 'PMAK-[A-Fa-f0-9]{24}-[A-Fa-f0-9]{34}'),
  prefixed('prefect_token', ['pnu_'], 'pnu_[A-Za-z0-9]{36}'),
  prefixed('pulumi_token', ['pul-'], 'pul-[a-f0-9]{40}'),
  prefixed('pypi_token', ['pypi-ageichlwas5vcmc'], 'pypi-AgEIcHlwaS5vcmc[\\w-]{50,1000}'),
  prefixed('readme_key', ['rdme_'], 'rdme_[a-z0-9]{70}'),
  prefixed('rubygems_key', ['rubygems_'], 'rubygems_[a-f0-9]{48}'),
  prefixed('scalingo_token', ['tk-us-'], 'tk-us-[\\w-]{48}'),
  prefixed('sendinblue_key', ['xkeysib-'], 'xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}'),
  prefixed('sentry_token', ['sntrys_', 'sntryu_'], 'sntrys_eyJ[A-Za-z0-9+/=_]{60,600}|sntryu_[a-f0-9]{64}'),
  prefixed('shippo_token', ['shippo_'], 'shippo_(?:live|test)_[a-fA-F0-9]{40}'),
  prefixed('square_token', ['sq0atp-', 'sq0csp-', 'eaaa'], '(?:EAAA|sq0atp-|sq0csp-)[\\w-]{22,60}'),
  prefixed('twilio_key', ['sk'], 'SK[0-9a-fA-F]{32}'),
  prefixed('facebook_token', ['eaa'], 'EAA[MC][A-Za-z0-9]{100,}'),
  prefixed('duffel_token', ['duffel_'], 'duffel_(?:test|live)_[A-Za-z0-9_=-]{43}'),
  prefixed('alibaba_key_id', ['ltai'], 'LTAI[A-Za-z0-9]{20}'),
  prefixed('clojars_token', ['clojars_'], 'CLOJARS_[A-Za-z0-9]{60}'),
  prefixed('adobe_secret', ['p8e-'], 'p8e-[A-Za-z0-9]{32}'),
  prefixed('infracost_token', ['ico-'], 'ico-[A-Za-z0-9]{32}'),
  prefixed('maxmind_key', ['_mmk'], '[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk'),
  prefixed('settlemint_token', ['sm_aat_', 'sm_pat_', 'sm_sat_'], 'sm_(?:aat|pat|sat)_[A-Za-z0-9]{16}'),
  prefixed('octopus_key', ['api-'], 'API-[A-Z0-9]{26}'),
  prefixed('atlassian_token', ['atatt3'], 'ATATT3[A-Za-z0-9_=-]{186}'),
  prefixed('jwt', ['zxlk'], 'ZXlK[A-Za-z0-9+/]{60,8192}={0,2}'),
  {
    kind: 'jwt',
    keywords: ['eyj'],
    source: `${notAfter('A-Za-z0-9_-')}eyJ${TOKEN}{5,8192}\\.eyJ${TOKEN}{5,8192}\\.${TOKEN}{0,8192}`,
  },
  {
    kind: 'azure_storage_key',
    keywords: ['accountkey', 'sharedaccesskey'],
    source: `(?:Account|SharedAccess)Key${ASSIGN}["']?(?<s>[A-Za-z0-9+/]{20,512}={0,2})`,
    flags: 'i',
  },
  { kind: 'azure_sas_signature', keywords: ['sig='], source: '[?&;]sig=(?<s>[A-Za-z0-9%+/=]{16,512})', flags: 'i' },
  {
    kind: 'authorization',
    // Also Proxy-Authorization; Digest's parameters (response="…", nonce="…") go whole.
    keywords: ['authoriz'],
    source:
      `authorization${ASSIGN}["']?(?:(?:bearer|basic|token|bot|apikey|sso-key|key)\\s{1,8}${PLACEHOLDER}(?<s>[^\\s"',;]+)|` +
      `(?:digest|negotiate|ntlm|hoba|mutual|aws4-hmac-sha256|hmac-sha256|signature)\\s{1,8}${PLACEHOLDER}` +
      `(?<s2>(?:${DIGEST_PARAM}|[^\\s,"=]{1,512})(?:,\\s{0,8}${DIGEST_PARAM}){0,24}))`,
    flags: 'i',
  },
  {
    kind: 'bearer_token',
    // A plain "Bearer …" must look like a token (contain a digit): "bearer authentication" is prose.
    keywords: ['bearer'],
    source: `${notAfter('A-Za-z0-9_-')}bearer\\s{1,8}(?<s>(?=[A-Za-z._~+/=-]{0,4096}[0-9])[A-Za-z0-9._~+/=-]{8,})`,
    flags: 'i',
  },
  {
    kind: 'cookie',
    // Cookie: a=…; b=…  and  Set-Cookie: sid=…; Path=/ — every pair goes, attributes with them.
    keywords: ['cookie'],
    source: `${notAfter('A-Za-z0-9_-')}(?:set-)?cookies?${ASSIGN}["']?${PLACEHOLDER}(?<s>[^\\s;"']{1,4096}(?:;[ ]?[^\\s;"']{1,4096}){0,64})`,
    flags: 'i',
  },
  {
    kind: 'curl_user',
    // curl -u user:password (gitleaks curl-auth-user); curl's -H "Authorization: …" is the rule above.
    keywords: ['curl'],
    source: `\\bcurl\\b[^\\n]{0,200}?\\s(?:-u|--user)(?:=|\\s{1,4})${PLACEHOLDER}(?<s>"[^"\\n]{3,256}"|'[^'\\n]{3,256}'|[^\\s"':]{1,128}:[^\\s"']{1,256})`,
    flags: 'i',
  },
  {
    kind: 'url_password',
    // The password may hold "/" (postgres://u:pa/ss@h); a port and a path never end in "@".
    keywords: ['://'],
    source: `${notAfter('A-Za-z0-9+.-')}[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\\s:/@[\\]]{0,256}:${PLACEHOLDER}(?!\\d{1,5}/)(?<s>[^\\s@]{1,256})(?=@)`,
    flags: 'i',
  },
  {
    kind: 'secret',
    // The key must END in a secret word ("db_password", "x-api-key"), so "max_tokens=4096" survives.
    keywords: ['pass', 'pwd', 'secret', 'token', 'key', 'credential', 'auth', 'signature'],
    source:
      `${KEY_START}(?:${STRONG_KEYS}|(?<![A-Za-z])(?:${SEGMENT_KEYS}))(?<!://[^\\s/@:=]{0,256})${ASSIGN}` +
      `(?:${QUOTED('"', 's')}|${QUOTED("'", 's2')}|${ESCAPED_QUOTED}|["']?${PLACEHOLDER}(?<s3>[^\\s"',;&\\\\]{1,512}))`,
    flags: 'i',
  },
  {
    kind: 'secret',
    keywords: ['key', 'sig', 'session', 'sessid', 'sid'],
    source: `${KEY_START}(?<![A-Za-z])(?:${TOKENISH_KEYS})${ASSIGN}["']?(?<s>${TOKENISH_VALUE})`,
    flags: 'i',
  },
  {
    kind: 'email',
    // Not inside a URL's authority: "scheme://user:pa/ss@host" keeps its user and host.
    keywords: ['@'],
    source:
      `${notAfter('A-Za-z0-9._%+-')}[A-Za-z0-9._%+-]{1,64}(?<!://[^\\s/@]{0,256}(?::[^\\s@]{0,256})?)@` +
      '[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){0,8}\\.[A-Za-z]{2,24}(?![A-Za-z0-9-])',
  },
];
