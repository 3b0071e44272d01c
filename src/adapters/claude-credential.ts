import { resolve } from 'node:path';
import { AUTH_KINDS, type AuthKind, type Config } from '../core/config.js';
import { readSecret } from './secrets.js';

/** The credential claude runs with: its kind, and the only credential variables the child gets. */
export interface ClaudeCredential {
  kind: AuthKind;
  /** Where it came from, for doctor: `$ANTHROPIC_API_KEY`, `claude.bedrock`, … */
  source: string;
  env: Record<string, string>;
}

export type CredentialResolution =
  | { ok: true; credential: ClaudeCredential }
  /** `missing`: none found (Claude cannot run); `invalid`: a config error (two kinds, or one half set up). */
  | { ok: false; problem: 'missing' | 'invalid'; message: string };

const LABEL: Record<AuthKind, string> = {
  api_key: 'an API key ($ANTHROPIC_API_KEY or the credential anthropic-api-key)',
  oauth_token: 'a subscription token ($CLAUDE_CODE_OAUTH_TOKEN or the credential claude-oauth-token)',
  bedrock: 'Amazon Bedrock (claude.bedrock or $CLAUDE_CODE_USE_BEDROCK)',
  vertex: 'Google Vertex AI (claude.vertex or $CLAUDE_CODE_USE_VERTEX)',
};

// Passed through from our environment when set; the config's explicit paths take precedence.
const BEDROCK_VARS = [
  'AWS_REGION',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_BEARER_TOKEN_BEDROCK',
  'ANTHROPIC_BEDROCK_BASE_URL',
  'CLAUDE_CODE_SKIP_BEDROCK_AUTH',
  'ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION',
];
const VERTEX_VARS = [
  'CLOUD_ML_REGION',
  'ANTHROPIC_VERTEX_PROJECT_ID',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GCLOUD_PROJECT',
  'GOOGLE_CLOUD_PROJECT',
  'ANTHROPIC_VERTEX_BASE_URL',
  'CLAUDE_CODE_SKIP_VERTEX_AUTH',
];
// Cloud model IDs differ from Anthropic's: the operator names them for the background calls too.
const MODEL_VARS = [
  'ANTHROPIC_MODEL',
  'ANTHROPIC_DEFAULT_OPUS_MODEL',
  'ANTHROPIC_DEFAULT_SONNET_MODEL',
  'ANTHROPIC_DEFAULT_HAIKU_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL',
];

/**
 * The one credential kind to use: `claude.auth` when set, else the single kind present. Only that
 * kind's variables go to the child: an API key next to an OAuth token silently wins in the CLI.
 * `baseDir` resolves relative credential-file paths (the config file's directory).
 */
export function resolveClaudeCredential(claude: Config['claude'], env: NodeJS.ProcessEnv, baseDir: string): CredentialResolution {
  const apiKey = readSecret(env, { envName: 'ANTHROPIC_API_KEY', credential: 'anthropic-api-key' });
  const oauthToken = readSecret(env, { envName: 'CLAUDE_CODE_OAUTH_TOKEN', credential: 'claude-oauth-token' });
  const present: Record<AuthKind, boolean> = {
    api_key: apiKey !== null,
    oauth_token: oauthToken !== null,
    bedrock: claude.bedrock !== undefined || isOn(env.CLAUDE_CODE_USE_BEDROCK),
    vertex: claude.vertex !== undefined || isOn(env.CLAUDE_CODE_USE_VERTEX),
  };
  let kind = claude.auth;
  if (kind === undefined) {
    const found = AUTH_KINDS.filter((k) => present[k]);
    if (found.length === 0) {
      return {
        ok: false,
        problem: 'missing',
        message:
          'no Claude credential: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN (or the systemd credential anthropic-api-key or claude-oauth-token), or configure claude.bedrock or claude.vertex',
      };
    }
    if (found.length > 1) {
      const names = found.map((k) => `${k}: ${LABEL[k]}`).join('; ');
      return {
        ok: false,
        problem: 'invalid',
        message: `claude.auth: two or more credentials are present (${names}); set claude.auth to the one to use`,
      };
    }
    kind = found[0]!;
  }
  if (kind === 'api_key') {
    if (!apiKey)
      return {
        ok: false,
        problem: 'missing',
        message: 'claude.auth is api_key but no key is set: ANTHROPIC_API_KEY or the systemd credential anthropic-api-key',
      };
    return {
      ok: true,
      credential: { kind, source: source(env, 'ANTHROPIC_API_KEY', 'anthropic-api-key'), env: { ANTHROPIC_API_KEY: apiKey } },
    };
  }
  if (kind === 'oauth_token') {
    if (!oauthToken)
      return {
        ok: false,
        problem: 'missing',
        message:
          'claude.auth is oauth_token but no token is set: CLAUDE_CODE_OAUTH_TOKEN (from `claude setup-token`) or the systemd credential claude-oauth-token',
      };
    return {
      ok: true,
      credential: {
        kind,
        source: source(env, 'CLAUDE_CODE_OAUTH_TOKEN', 'claude-oauth-token'),
        env: { CLAUDE_CODE_OAUTH_TOKEN: oauthToken },
      },
    };
  }
  return kind === 'bedrock' ? bedrockCredential(claude.bedrock ?? {}, env, baseDir) : vertexCredential(claude.vertex ?? {}, env, baseDir);
}

function bedrockCredential(
  config: NonNullable<Config['claude']['bedrock']>,
  env: NodeJS.ProcessEnv,
  baseDir: string,
): CredentialResolution {
  const vars: Record<string, string> = { ...pick(env, [...BEDROCK_VARS, ...MODEL_VARS]), CLAUDE_CODE_USE_BEDROCK: '1' };
  if (config.region) vars.AWS_REGION = config.region;
  if (config.profile) vars.AWS_PROFILE = config.profile;
  if (config.credentials_file) vars.AWS_SHARED_CREDENTIALS_FILE = resolve(baseDir, config.credentials_file);
  if (config.config_file) vars.AWS_CONFIG_FILE = resolve(baseDir, config.config_file);
  if (!vars.AWS_REGION && !vars.AWS_CONFIG_FILE) {
    return {
      ok: false,
      problem: 'invalid',
      message: 'claude.bedrock.region: needed (or $AWS_REGION, or claude.bedrock.config_file naming the region)',
    };
  }
  const keys = vars.AWS_ACCESS_KEY_ID && vars.AWS_SECRET_ACCESS_KEY;
  if (!keys && !vars.AWS_BEARER_TOKEN_BEDROCK && !vars.AWS_SHARED_CREDENTIALS_FILE && !isOn(vars.CLAUDE_CODE_SKIP_BEDROCK_AUTH)) {
    return {
      ok: false,
      problem: 'invalid',
      message:
        'claude.bedrock.credentials_file: needed (claude has its own HOME, so ~/.aws is not found), or $AWS_ACCESS_KEY_ID with $AWS_SECRET_ACCESS_KEY, or $AWS_BEARER_TOKEN_BEDROCK',
    };
  }
  return {
    ok: true,
    credential: { kind: 'bedrock', source: `Amazon Bedrock in ${vars.AWS_REGION ?? 'the region of the AWS config file'}`, env: vars },
  };
}

function vertexCredential(config: NonNullable<Config['claude']['vertex']>, env: NodeJS.ProcessEnv, baseDir: string): CredentialResolution {
  const vars: Record<string, string> = {
    ...pick(env, [...VERTEX_VARS, ...MODEL_VARS]),
    ...pickPrefixed(env, 'VERTEX_REGION_CLAUDE_'),
    CLAUDE_CODE_USE_VERTEX: '1',
  };
  if (config.region) vars.CLOUD_ML_REGION = config.region;
  if (config.project_id) vars.ANTHROPIC_VERTEX_PROJECT_ID = config.project_id;
  if (config.credentials_file) vars.GOOGLE_APPLICATION_CREDENTIALS = resolve(baseDir, config.credentials_file);
  if (!vars.ANTHROPIC_VERTEX_PROJECT_ID)
    return { ok: false, problem: 'invalid', message: 'claude.vertex.project_id: needed (or $ANTHROPIC_VERTEX_PROJECT_ID)' };
  if (!vars.GOOGLE_APPLICATION_CREDENTIALS && !isOn(vars.CLAUDE_CODE_SKIP_VERTEX_AUTH)) {
    return {
      ok: false,
      problem: 'invalid',
      message:
        "claude.vertex.credentials_file: needed, a service-account key file (claude has its own HOME, so gcloud's login is not found)",
    };
  }
  const region = vars.CLOUD_ML_REGION ?? 'us-east5';
  return {
    ok: true,
    credential: { kind: 'vertex', source: `Google Vertex AI, project ${vars.ANTHROPIC_VERTEX_PROJECT_ID} in ${region}`, env: vars },
  };
}

function source(env: NodeJS.ProcessEnv, envName: string, credential: string): string {
  return env[envName]?.trim() ? `$${envName}` : `the systemd credential ${credential}`;
}

const isOn = (value: string | undefined) => value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}

function pickPrefixed(env: NodeJS.ProcessEnv, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).flatMap(([name, value]) => (name.startsWith(prefix) && value ? [[name, value]] : [])));
}
