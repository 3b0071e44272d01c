#!/usr/bin/env node
import './compile-cache.js'; // first: before the command's modules load
import { Command, CommanderError } from 'commander';
import { ExitCode, SentinelError } from './core/errors.js';
import type { CommandContext } from './core/types.js';
import packageJson from '../package.json' with { type: 'json' };

// `sentinel status | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// Everything sentinel writes (state, incidents, charts) holds log samples: private to its user.
process.umask(0o077);

const context: CommandContext = {
  env: process.env,
  cwd: process.cwd(),
  clock: { now: () => Date.now() },
  pid: process.pid,
  cliPath: process.argv[1] ?? '',
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  progress: (text) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K${text ? '' : '\r'}`);
  },
};

const example = (text: string) => `\nExample:\n  ${text}`;

// Static, so that `--help` loads no analysis; test/e2e/help.test.ts holds it to the analyses' own schemas.
const ANALYSES_HELP = `
Analyses and their arguments (the one in CAPITALS may be given bare):
  error_group FINGERPRINT         one error group: samples, traceback, rows per hour  --hours 1-168 (24)
  rows_around ID                  the log rows before and after one row              --before 0-50 (10)  --after 0-50 (10)
  fingerprint_counts FINGERPRINT  rows of one group per hour or day                  --per hour|day (hour)  --last 1-168 (24)
  errors [FINGERPRINT]            error rows per hour, judged: all, or one group     --hours 24-192 (168)
  system                          CPU, memory, disk, inodes, fill forecast, judged   --hours 1-720 (168)
  metric NAME                     one metric of the config, judged against its limit --hours 1-720 (168)
  past_incidents FINGERPRINT      a group's earlier incidents: verdict, root cause, what was done
With code: in the config, also:
  source_at FILE                  the lines around one line of the deployed source   --line N  --context 0-40 (8)
  search_code PATTERN             a literal or RE2 search of the deployed source     --regex true|false (false)  --ignore_case true|false (false)
  recent_changes                  the commits of the last hours, with their files     --hours 1-720 (24)  --path FILE
  show_change COMMIT              one commit's diff of one file                       --path FILE
  <script name>                   a script of the config's scripts: its declared --arguments
A fingerprint may be a unique prefix of one (as \`sentinel status\` lists them).`;

function buildProgram(exit: (code: number) => void): Command {
  const program = new Command('sentinel')
    .description("A small team's production watchdog: groups new WARNING/ERROR rows of a loguru SQLite log and reports what is new.")
    .option('-c, --config <file>', 'config file (default: $SENTINEL_CONFIG, ./sentinel.yaml, /etc/sentinel/sentinel.yaml)')
    .version(packageJson.version, '-V, --version', 'print the version')
    .exitOverride();
  const global = () => program.opts<{ config?: string }>();
  // Commands are imported when chosen: the every-5-minutes `run` must not load the MCP SDK.
  const done = async (code: Promise<number>) => exit(await code);

  program
    .command('run')
    .description('read new rows since the checkpoint, group them, and report what is new, regressed or escalating')
    .option('--dry-run', 'change nothing at all: no state, no incident, no notification')
    .option('--json', 'print one JSON object')
    .option('--db <file>', 'read this copy of the log database instead of source.path')
    .option('--since <duration>', 'with --dry-run: replay this window (e.g. 2h) instead of starting at the checkpoint')
    .option('--state <file>', "with --dry-run: read this copy of the server's state.db: its fingerprints, groups and triggers")
    .option('--retry-now', 'retry queued investigations and notifications now, ignoring their backoff (after a fix)')
    .option('--rebaseline <source>', 'read this source from now on, dropping its checkpoint (after its database was restored)')
    .addHelpText('after', example('sentinel run --dry-run --db ./copy.db --since 2h'))
    .action((opts) =>
      done(import('./commands/run.js').then(({ runCommand }) => runCommand({ ...opts, config: global().config }, context))),
    );

  program
    .command('health')
    .description('judge every series (system, metrics, errors per hour); investigate and notify the concerning ones, once per cooldown')
    .option('--dry-run', 'judge and print only: no state, no incident, no notification')
    .option('--json', 'print one JSON object')
    .addHelpText('after', example('sentinel health --dry-run'))
    .action((opts) =>
      done(import('./commands/health.js').then(({ healthCommand }) => healthCommand({ ...opts, config: global().config }, context))),
    );

  program
    .command('status')
    .description('checkpoint and rows behind, last runs, groups, ignore rules, warnings')
    .option('--json', 'print one JSON object')
    .addHelpText('after', example('sentinel status --json | jq .groups'))
    .action((opts) =>
      done(import('./commands/status.js').then(({ statusCommand }) => statusCommand({ ...opts, config: global().config }, context))),
    );

  program
    .command('fingerprint')
    .description('read one message per line on stdin; print "<fingerprint>\\t<template>" per line, same order')
    .option('--explain', 'also print the masked message the template was learned from')
    .addHelpText('after', example("printf 'Timeout after 30s calling gemini\\n' | sentinel fingerprint"))
    .action((opts) =>
      done(
        Promise.all([import('./commands/fingerprint.js'), import('./adapters/stdin.js')]).then(
          ([{ fingerprintCommand }, { stdinChunks }]) => fingerprintCommand(opts, { input: stdinChunks(), output: process.stdout }),
        ),
      ),
    );

  program
    .command('resolve')
    .description('mark a group resolved: seeing it again triggers "regressed"')
    .argument('<fingerprint>')
    .addHelpText('after', example('sentinel resolve 3f2a9c0d1e4b5a69'))
    .action((fingerprint) =>
      done(import('./commands/resolve.js').then(({ resolveCommand }) => resolveCommand({ fingerprint, config: global().config }, context))),
    );

  program
    .command('mcp')
    .description("serve sentinel's read-only analyses over stdio (MCP): what Claude's investigation uses")
    .addHelpText('after', example('claude mcp add sentinel -- sentinel --config /etc/sentinel/sentinel.yaml mcp'))
    .action(() => done(import('./commands/mcp.js').then(({ mcpCommand }) => mcpCommand({ config: global().config }, context))));

  program
    .command('autofix')
    .description('turn a diagnosed incident into a tested draft pull request (run by sentinel-autofix.timer: one job per tick)')
    .argument('[target]', 'an incident file or a fingerprint (default: the next queued job)')
    .option('--dry-run', 'clone, edit, gate and test, then print the diff and the PR text: nothing is pushed or opened')
    .option('--repo <dir>', 'clone from this local repository instead of autofix.repository.url')
    .option('--force', 'attempt a fingerprint again (a regression)')
    .addHelpText('after', example('sentinel autofix 5a7f6920b9b0d9aa --dry-run --repo ~/src/app'))
    .action((target, opts) =>
      done(
        import('./commands/autofix.js').then(({ autofixCommand }) => autofixCommand({ ...opts, target, config: global().config }, context)),
      ),
    );

  const config = program
    .command('config')
    .description('the config file: validate it, or print its JSON Schema')
    .addHelpText('after', example('sentinel config check && sentinel config --schema > sentinel.schema.json'));
  config
    .command('check')
    .description('validate a config file and the ignore file it names')
    .argument('[file]', 'the config file (default: the usual search)')
    .addHelpText('after', example('sentinel config check /etc/sentinel/sentinel.yaml'))
    .action((file) =>
      done(import('./commands/config.js').then(({ configCheckCommand }) => configCheckCommand({ file, config: global().config }, context))),
    );
  config
    .command('schema')
    .description("print the config's JSON Schema (for editors and reviews)")
    .addHelpText('after', example('sentinel config schema > sentinel.schema.json'))
    .action(() => done(import('./commands/config.js').then(({ configSchemaCommand }) => configSchemaCommand(context))));
  config
    .option('--schema', 'same as `config schema`')
    .action((opts: { schema?: boolean }) =>
      opts.schema ? done(import('./commands/config.js').then(({ configSchemaCommand }) => configSchemaCommand(context))) : config.help(),
    );

  const incidents = program
    .command('incidents')
    .description('list the open incidents, newest first (show one, close one: see the commands below)')
    .option('--all', 'closed ones too')
    .option('--since <duration>', 'only those created within this long, e.g. 7d')
    .option('--json', 'print JSON')
    .addHelpText('after', example('sentinel incidents --all --since 7d'))
    .action((opts) =>
      done(
        import('./commands/incidents.js').then(({ incidentsCommand }) => incidentsCommand({ ...opts, config: global().config }, context)),
      ),
    );
  incidents
    .command('show')
    .description('print one incident')
    .argument('<id|file>', 'its id (incident-3), its file name, or a path to the file')
    .addHelpText('after', example('sentinel incidents show incident-3 | less'))
    .action((ref) =>
      done(
        import('./commands/incidents.js').then(({ incidentsShowCommand }) =>
          incidentsShowCommand({ ref, config: global().config }, context),
        ),
      ),
    );
  incidents
    .command('close')
    .description('mark an incident closed: status, time, who and a note in its front matter')
    .argument('<id|file>', 'its id (incident-3) or its file name')
    .option('--note <text>', 'what was done about it')
    .addHelpText('after', example('sentinel incidents close incident-3 --note "raised the Inworld quota"'))
    .action((ref, opts) =>
      done(
        import('./commands/incidents.js').then(({ incidentsCloseCommand }) =>
          incidentsCloseCommand({ ...opts, ref, config: global().config }, context),
        ),
      ),
    );

  program
    .command('judge')
    .description('judge a timestamp,value CSV (NAB format) with the time-series judge; print the verdict and the flags')
    .requiredOption('--csv <file>', 'the series: a header line, then timestamp,value rows')
    .option('--json', 'print one JSON object')
    .addHelpText('after', example('sentinel judge --csv machine_temperature_system_failure.csv'))
    .action((opts) => done(import('./commands/judge.js').then(({ judgeCommand }) => judgeCommand(opts, context))));

  program
    .command('analyze')
    .description('run one read-only analysis (listed below), the same ones Claude uses')
    .argument('<name>', 'the analysis')
    .argument('[args...]', 'its arguments: --name value (or --name=value), and the one bare value listed below')
    .option('--json', 'print one JSON object')
    .option('--svg <dir>', 'also write each judged series as an SVG chart into this directory')
    .allowUnknownOption()
    .addHelpText('after', `${ANALYSES_HELP}\n${example('sentinel analyze metric gemini_rpm --hours 48')}`)
    .action((name, args, opts) =>
      done(
        import('./commands/analyze.js').then(({ analyzeCommand }) =>
          analyzeCommand({ ...opts, name, args, config: global().config }, context),
        ),
      ),
    );

  const ignore = program
    .command('ignore')
    .description('the ignore list: rows an operator decided are not worth an alert')
    .addHelpText('after', example('sentinel ignore list'));
  ignore
    .command('add')
    .description('add a rule (the file keeps its comments)')
    .option('--from-group <fp>', 'the narrowest rule for this group (its fingerprint; a unique prefix will do)')
    .option('--fingerprint <fp>', 'match a group by fingerprint (a unique prefix will do)')
    .option('--message <regex>', 'match the message (RE2 syntax, linear time)')
    .option('--logger <glob>', 'match the logger name, e.g. "app.jobs.*"')
    .option('--exception <type>', 'match the exception type, e.g. TimeoutError')
    .option('--level <name>', 'match the level, e.g. WARNING (WARN is the same)')
    .requiredOption('--reason <text>', 'why this is not worth an alert (required)')
    .option('--for <duration>', 'expire after this long, e.g. 7d')
    .option('--until <date>', 'expire on this date, e.g. 2026-12-31')
    .option('--unless <rate>', 'above this rate the rows escalate instead, e.g. 20/1h')
    .option('--author <name>', 'who added it (default: $SUDO_USER, $USER, $LOGNAME or the user name)')
    .addHelpText(
      'after',
      example('sentinel ignore add --message "^Retrying upload" --reason "retries are expected" --for 7d --unless 20/1h'),
    )
    .action((opts) =>
      done(import('./commands/ignore.js').then(({ ignoreAddCommand }) => ignoreAddCommand({ ...opts, config: global().config }, context))),
    );
  ignore
    .command('list')
    .description('rules with their hits in the last 24 h and 7 d and their last hit')
    .option('--json', 'print JSON')
    .addHelpText('after', example('sentinel ignore list --json'))
    .action((opts) =>
      done(
        import('./commands/ignore.js').then(({ ignoreListCommand }) => ignoreListCommand({ ...opts, config: global().config }, context)),
      ),
    );
  ignore
    .command('rm')
    .description('remove a rule by id')
    .argument('<id>')
    .addHelpText('after', example('sentinel ignore rm rule-3'))
    .action((id) =>
      done(import('./commands/ignore.js').then(({ ignoreRmCommand }) => ignoreRmCommand({ id, config: global().config }, context))),
    );
  ignore
    .command('test')
    .description(
      'say which rule matches a message, a logged row or a group, with the fingerprint a run gives it; exits 0 if ignored, 1 if it would be reported',
    )
    .argument('[message]', 'a message as the app would log it')
    .option('--row <id>', 'test this row of the log database instead')
    .option('--fingerprint <fp>', 'test this group instead (a unique prefix will do)')
    .option('--logger <name>', 'with a message: the logger name')
    .option('--function <name>', 'with a message: the function')
    .option('--exception <type>', 'with a message: the exception type, e.g. TimeoutError')
    .option('--level <name>', 'with a message: the level (default: each level a run reads)')
    .addHelpText('after', example('sentinel ignore test "Retrying upload of job 42" --logger app.jobs --function upload'))
    .action((message, opts) =>
      done(
        import('./commands/ignore-test.js').then(({ ignoreTestCommand }) =>
          ignoreTestCommand({ ...opts, message, config: global().config }, context),
        ),
      ),
    );

  const systemd = program
    .command('systemd')
    .description("the systemd units (service + timer for run and health, failure alerts), with this machine's paths")
    .addHelpText('after', example('sentinel systemd print | less'));
  const unitOptions = (command: Command) =>
    command
      .option('--interval <duration>', 'how often `sentinel run` fires: whole minutes or hours', '5m')
      .option('--health-interval <duration>', 'how often `sentinel health` fires', '1h')
      .option('--user', "units for your own systemd (systemctl --user) instead of the system's")
      .option('--run-as <user>', 'system units: the service account', 'sentinel')
      .option('--log-group <group>', 'system units: a group that may read the log database');
  unitOptions(systemd.command('print'))
    .description('print the rendered units (node, CLI, config and log database paths of this machine)')
    .option('--out <dir>', 'write the unit files into this directory instead of stdout')
    .addHelpText(
      'after',
      example('sentinel systemd print --log-group app --out ./units && systemd-analyze verify ./units/sentinel.service'),
    )
    .action((opts) =>
      done(
        import('./commands/systemd.js').then(({ systemdPrintCommand }) =>
          systemdPrintCommand({ ...opts, config: global().config }, context),
        ),
      ),
    );
  unitOptions(systemd.command('install'))
    .description('write the units to /etc/systemd/system (or ~/.config/systemd/user) and print the systemctl commands')
    .option('--prefix <dir>', 'place the unit directory under this root (packaging, tests)')
    .option('--enable', 'also run the systemctl commands: reload, enable and start both timers')
    .addHelpText('after', example('sudo sentinel --config /etc/sentinel/sentinel.yaml systemd install --log-group app --enable'))
    .action((opts) =>
      done(
        import('./commands/systemd.js').then(({ systemdInstallCommand }) =>
          systemdInstallCommand({ ...opts, config: global().config }, context),
        ),
      ),
    );

  const notify = program
    .command('notify')
    .description('send a message to the configured channels directly (not through the outbox)')
    .addHelpText('after', example('sentinel notify test'));
  notify
    .command('test')
    .description('send a test message to each channel; exits 6 if any channel failed')
    .addHelpText('after', example('sentinel notify test'))
    .action(() =>
      done(import('./commands/notify.js').then(({ notifyTestCommand }) => notifyTestCommand({ config: global().config }, context))),
    );
  notify
    .command('failure')
    .description('push "sentinel failed: UNIT" with its last journal lines (run by sentinel-failure@.service)')
    .requiredOption('--unit <unit>', 'the unit that failed')
    .option('--scope <scope>', 'system or user: whose journal to read', 'system')
    .addHelpText('after', example('sentinel notify failure --unit sentinel.service'))
    .action((opts) =>
      done(
        import('./commands/notify.js').then(({ notifyFailureCommand }) =>
          notifyFailureCommand({ ...opts, config: global().config }, context),
        ),
      ),
    );

  program
    .command('doctor')
    .description('check the set-up: config, log database, claude, credentials, ntfy, state dir, units; exits 6 on any ✗')
    .option('--online', 'also send claude one tiny request: does it accept the credential?')
    .addHelpText('after', example('sudo -u sentinel sentinel --config /etc/sentinel/sentinel.yaml doctor'))
    .action((opts: { online?: boolean }) =>
      done(import('./commands/doctor.js').then(({ doctorCommand }) => doctorCommand({ config: global().config, ...opts }, context))),
    );

  return program;
}

async function main(): Promise<void> {
  const program = buildProgram((code) => {
    process.exitCode = code;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    process.exitCode = handleError(error);
  }
}

/** Known errors are one line on stderr; an unknown one is a bug, so it keeps its stack. */
function handleError(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof SentinelError) {
    process.stderr.write(`sentinel: ${error.message}\n`);
    return error.code;
  }
  process.stderr.write(`sentinel: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.internal;
}

await main();
