import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNIT_FILES, listEnableCommands, renderUnits, scheduleFor, type UnitParams, type UnitScope } from '../../src/core/systemd-units.js';
import { tempDir } from '../support/temp.js';

const templates = Object.fromEntries(
  UNIT_FILES.map((name) => [name, readFileSync(new URL(`../../systemd/${name}`, import.meta.url), 'utf8')]),
);
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

function paramsFor(scope: UnitScope, root = '/opt/sentinel'): UnitParams {
  return {
    scope,
    node: process.execPath,
    cli: `${root}/dist/cli.js`,
    config: `${root}/etc/sentinel.yaml`,
    logDbDir: `${root}/data`,
    user: 'sentinel',
    logGroup: 'app',
  };
}

function renderOk(params: UnitParams): Record<string, string> {
  const result = renderUnits(templates, params);
  if (result.kind !== 'ok') throw new Error(result.errors.join('\n'));
  return result.units;
}

describe('scheduleFor', () => {
  it.each([
    [1, ['OnCalendar=*-*-* *:00/1:00']],
    [5, ['OnCalendar=*-*-* *:00/5:00']],
    [30, ['OnCalendar=*-*-* *:00/30:00']],
    [60, ['OnCalendar=*-*-* 00/1:00:00']],
    [360, ['OnCalendar=*-*-* 00/6:00:00']],
    [1440, ['OnCalendar=*-*-* 00/24:00:00']],
    [7, ['OnBootSec=7m', 'OnUnitActiveSec=7m']],
    [90, ['OnBootSec=90m', 'OnUnitActiveSec=90m']],
    [300, ['OnBootSec=5h', 'OnUnitActiveSec=5h']],
  ])('every %i minutes → %j', (minutes, lines) => {
    expect(scheduleFor(minutes * 60_000)).toEqual(lines);
  });

  it.runIf(hasAnalyze)('calendar spellings fire exactly one interval apart', () => {
    for (const [minutes, first, second] of [
      [5, '00:05:00', '00:10:00'],
      [60, '01:00:00', '02:00:00'],
      [360, '06:00:00', '12:00:00'],
    ] as const) {
      const spec = scheduleFor(minutes * 60_000)[0]!.replace('OnCalendar=', '');
      const out = execFileSync('systemd-analyze', ['calendar', '--base-time=2024-01-01 00:02:00', '--iterations=2', spec], {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'UTC' },
      });
      expect(out).toMatch(new RegExp(`Next elapse: .* 2024-01-01 ${first} UTC`));
      expect(out).toMatch(new RegExp(`Iter. #2: .* 2024-01-01 ${second} UTC`));
    }
  });
});

describe('renderUnits', () => {
  it('fills the system units: command, timeout, identity, schedule', () => {
    const units = renderOk({ ...paramsFor('system'), runInterval: '10m', claudeTimeoutMs: 20 * 60_000 });
    const service = units['sentinel.service']!;
    expect(service).toContain(`ExecStart=${process.execPath} /opt/sentinel/dist/cli.js run --config /opt/sentinel/etc/sentinel.yaml`);
    expect(service).toContain('TimeoutStartSec=25m');
    expect(service).toContain('User=sentinel\nGroup=sentinel\nSupplementaryGroups=app');
    expect(service).toContain('BindReadOnlyPaths=/opt/sentinel /opt/sentinel/etc /opt/sentinel/data');
    expect(service).toContain('OnFailure=sentinel-failure@%n.service');
    expect(service).toContain('\nMemoryMax=1G\n');
    expect(units['sentinel-health.service']).toContain('\nMemoryMax=1G\n');
    expect(units['sentinel-failure@.service']).toContain('\nMemoryMax=256M\n');
    expect(units['sentinel-health.service']).toContain('cli.js health --config');
    expect(units['sentinel-health.service']).toContain('TimeoutStartSec=25m');
    expect(units['sentinel.timer']).toContain('[Timer]\nOnCalendar=*-*-* *:00/10:00\n');
    expect(units['sentinel.timer']).toContain('\nPersistent=true\n');
    expect(units['sentinel-health.timer']).toContain('[Timer]\nOnCalendar=*-*-* 00/1:00:00\n');
    expect(units['sentinel-failure@.service']).toContain('notify failure --unit %i --scope system --config');
    expect(Object.values(units).join('')).not.toContain('{{');
  });

  it('defaults: every 5 minutes, hourly health, 15 minutes start timeout, no log group', () => {
    const units = renderOk({
      scope: 'system',
      node: '/usr/bin/node',
      cli: '/srv/s/dist/cli.js',
      config: '/etc/sentinel/sentinel.yaml',
      logDbDir: '/srv/app',
    });
    expect(units['sentinel.timer']).toContain('OnCalendar=*-*-* *:00/5:00');
    expect(units['sentinel.service']).toContain('TimeoutStartSec=15m');
    expect(units['sentinel.service']).toContain('User=sentinel\n');
    expect(units['sentinel.service']).toContain('SupplementaryGroups=\n');
  });

  it('derives the user flavour from the same templates', () => {
    const units = renderOk(paramsFor('user'));
    const service = units['sentinel.service']!;
    // Gone with their directives: the comments that explained them.
    for (const gone of [
      'User=',
      'Group=',
      'SupplementaryGroups=',
      'ProtectProc=',
      'RemoveIPC=',
      'network-online',
      'static system user',
      '/etc/credstore',
      'tmpfs',
    ]) {
      expect(service).not.toContain(gone);
    }
    expect(service).toMatch(/^\[Service\]\n#.*\nPrivateUsers=yes\n/m);
    expect(service).toContain('ProtectHome=read-only');
    expect(service).toContain('LoadCredential=ntfy-token:%E/credstore/ntfy-token');
    expect(units['sentinel-failure@.service']).toContain('--scope user');
    expect(units['sentinel-failure@.service']).not.toContain('systemd-journal');
  });

  it.each([
    ['a newline injecting a directive', { config: '/etc/s.yaml\nExecStartPre=/bin/sh' }, 'config: must be an absolute path'],
    ['a relative path', { cli: 'dist/cli.js' }, 'cli: must be an absolute path'],
    ['a space', { logDbDir: '/srv/my app' }, 'logDbDir: must be an absolute path'],
    ['a specifier', { logDbDir: '/srv/%h' }, 'logDbDir: must be an absolute path'],
    ['a variable', { node: '/usr/bin/$NODE' }, 'node: must be an absolute path'],
    ['a parent segment', { logDbDir: '/srv/app/../../root' }, 'logDbDir: must be an absolute path'],
    ['a bind source:target', { logDbDir: '/srv/app:/etc' }, 'logDbDir: must be an absolute path'],
    [
      'a node hidden by ProtectHome',
      { node: '/home/deploy/.nvm/versions/node/v20.19.0/bin/node' },
      'node: /home/deploy/.nvm/versions/node/v20.19.0/bin/node is hidden',
    ],
    ['a cli at the root', { cli: '/dist/cli.js' }, 'cli: must sit in an app directory'],
    ['a user with a newline', { user: 'sentinel\nUser=root' }, '--run-as: must be a user name'],
    ['a group list', { logGroup: 'app root' }, '--log-group: must be a group name'],
    ['an interval with a directive', { runInterval: '5m\nUser=root' }, '--interval: must be whole minutes'],
    ['seconds', { healthInterval: '90s' }, '--health-interval: must be whole minutes'],
    ['more than a day', { healthInterval: '2d' }, '--health-interval: must be whole minutes'],
    ['a zero timeout', { claudeTimeoutMs: 0 }, 'claudeTimeoutMs: must be a positive'],
  ])('refuses %s', (_what, override, message) => {
    const result = renderUnits(templates, { ...paramsFor('system'), ...override });
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.errors.join('\n')).toContain(message);
  });

  it('refuses a template with a placeholder it does not know', () => {
    const result = renderUnits({ 'x.service': '[Service]\nUser={{user}}\nExecStart={{nope}}\n' }, paramsFor('user'));
    expect(result).toEqual({
      kind: 'invalid',
      errors: ['x.service: unknown placeholder {{nope}}'],
    });
  });
});

describe('listEnableCommands', () => {
  it('reloads and enables both timers, system and user', () => {
    expect(listEnableCommands('system')).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', 'sentinel.timer', 'sentinel-health.timer'],
    ]);
    expect(listEnableCommands('user')).toEqual([
      ['loginctl', 'enable-linger'],
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'sentinel.timer', 'sentinel-health.timer'],
    ]);
  });
});

describe.runIf(hasAnalyze).each(['system', 'user'] as const)('systemd-analyze on the %s units', (scope) => {
  // verify needs the ExecStart binary to exist (node is real); it does not check User=.
  const root = tempDir('sentinel-units-');
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'dist', 'cli.js'), '');
  const unitDir = join(root, 'units');
  mkdirSync(unitDir);
  // The user units also cover the monotonic timer spelling.
  const units = renderOk({ ...paramsFor(scope, root), ...(scope === 'user' && { runInterval: '7m' }) });
  for (const [name, text] of Object.entries(units)) writeFileSync(join(unitDir, name), text);
  // A template cannot be verified or assessed itself; its instance for sentinel.service can.
  writeFileSync(join(unitDir, 'sentinel-failure@sentinel.service.service'), units['sentinel-failure@.service']!);
  const checked = [...UNIT_FILES.filter((name) => !name.includes('@')), 'sentinel-failure@sentinel.service.service'];
  // The user manager wants a runtime dir, even offline.
  const env = { ...process.env, XDG_RUNTIME_DIR: root };
  const analyze = (args: string[]) => spawnSync('systemd-analyze', [`--${scope}`, ...args], { encoding: 'utf8', env });

  it('verify accepts every unit without a single warning', () => {
    // verify exits 0 on unknown keys and unparsable values: only an empty stderr means clean.
    const result = analyze(['verify', '--man=no', ...checked.map((name) => join(unitDir, name))]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(checked.filter((name) => name.endsWith('.service')))('%s exposure is at most 2.0', (name) => {
    // --threshold is in tenths: exit 1 when the exposure is above 2.0.
    const result = analyze(['security', '--offline=yes', '--threshold=20', '--no-pager', join(unitDir, name)]);
    const exposure = Number(/Overall exposure level for .*: (\d+\.\d)/.exec(result.stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2.0);
    expect(result.status).toBe(0);
  });
});
