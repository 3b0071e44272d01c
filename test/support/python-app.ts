import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** A small Python app in a real git repository: a job runner whose settings lookup fails. */
export const APP_FILES: Record<string, string> = {
  'app/__init__.py': '',
  'app/settings.py': [
    '"""Per-user settings."""',
    'DEFAULTS = {"speed": 1.0}',
    '',
    '',
    'def voice_for(user):',
    '    settings = dict(DEFAULTS, **user.get("settings", {}))',
    '    return settings["voice_id"]',
    '',
  ].join('\n'),
  'app/jobs.py': [
    'from loguru import logger',
    '',
    'from app.settings import voice_for',
    '',
    '',
    'def render_job(job_id, user):',
    '    voice = voice_for(user)',
    '    return f"job {job_id} rendered with {voice}"',
    '',
    '',
    'def run(job_id, user):',
    '    try:',
    '        return render_job(job_id, user)',
    '    except Exception:',
    '        logger.exception(f"Job {job_id} failed")',
    '',
  ].join('\n'),
  // Runs the app once and logs through real loguru into the SQLite sink.
  'main.py': [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(EXAMPLES)})`,
    'from loguru import logger',
    'from loguru_sqlite_sink import SQLiteSink',
    'from app import jobs',
    '',
    'logger.remove()',
    'logger.add(SQLiteSink(sys.argv[1]), level="INFO")',
    'for job_id in range(int(sys.argv[2])):',
    '    jobs.run(4400 + job_id, {"id": 7, "settings": {}})',
    '',
  ].join('\n'),
  // Secrets the tools must never read, whatever code.include says.
  '.env': 'DATABASE_URL=postgres://app:hunter2@db/app\n',
  // Assembled at run time so no secret scanner flags the source.
  'secrets.yaml': `stripe: ${['sk', 'live', 'abcdefghijklmnop'].join('_')}\n`,
  'deploy/server.key': `-----BEGIN ${'PRIVATE'} KEY-----\nMIIEvQ\n-----END ${'PRIVATE'} KEY-----\n`,
};

const git = (dir: string, args: string[], env: Record<string, string> = {}) =>
  execa('git', args, {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Dana Dev',
      GIT_AUTHOR_EMAIL: 'dana@example.com',
      GIT_COMMITTER_NAME: 'Dana Dev',
      GIT_COMMITTER_EMAIL: 'dana@example.com',
      ...env,
    },
    extendEnv: false,
  });

/** Writes the app into `dir` and commits it, dated `at` (epoch ms); returns the commit's hash. */
export async function createPythonApp(dir: string, at: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  return commit(dir, 'Initial import of the job runner', at, APP_FILES);
}

/** Changes files and commits them, dated `at`; returns the full hash. */
export async function commit(dir: string, subject: string, at: number, files: Record<string, string> = {}): Promise<string> {
  writeFiles(dir, files);
  const date = `${Math.floor(at / 1000)} +0000`;
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', subject], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  return (await git(dir, ['rev-parse', 'HEAD'])).stdout.trim();
}

/** Runs the app: `jobs` failing jobs, each logged by loguru with a real traceback. */
export async function runPythonApp(dir: string, db: string, jobs: number): Promise<void> {
  await execa('/usr/bin/python3', [join(dir, 'main.py'), db, String(jobs)], { cwd: dir });
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}
