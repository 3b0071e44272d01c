import { describe, expect, it } from 'vitest';
import { doctorExitCode, fail, ok, renderChecks, skip, warn } from '../../src/core/doctor.js';
import { findSandboxProblems, stateDirectoryFor } from '../../src/core/sandbox-paths.js';

describe('doctor verdicts', () => {
  it('marks each line and puts the fix under it; any ✗ exits 6 (a check failed), warnings do not', () => {
    const checks = [ok('config is valid'), warn('db writable', 'chmod g-w'), skip('no systemd'), fail('ntfy down', 'check the url')];
    expect(renderChecks(checks)).toBe(
      [
        '✓ config is valid',
        '! db writable',
        '    fix: chmod g-w',
        '– no systemd',
        '✗ ntfy down',
        '    fix: check the url',
        '',
        '1 check failed, 1 warning',
      ].join('\n'),
    );
    expect(doctorExitCode(checks)).toBe(6);
    expect(doctorExitCode(checks.filter((c) => c.status !== 'fail'))).toBe(0);
    expect(
      renderChecks([ok('a'), ok('b')])
        .split('\n')
        .at(-1),
    ).toBe('all 2 checks passed');
    expect(
      renderChecks([ok('a'), skip('b'), warn('c')])
        .split('\n')
        .at(-1),
    ).toBe('all 1 check passed, 1 warning');
  });
});

describe('sandbox paths', () => {
  it('knows where StateDirectory= puts the state', () => {
    expect(stateDirectoryFor('system', {})).toBe('/var/lib/sentinel');
    expect(stateDirectoryFor('user', { HOME: '/home/ops/' })).toBe('/home/ops/.local/state/sentinel');
    expect(stateDirectoryFor('user', { HOME: '/home/ops', XDG_STATE_HOME: '/x/state' })).toBe('/x/state/sentinel');
    expect(stateDirectoryFor('user', {})).toBeNull();
  });

  it.each([
    [null, '/var/lib/sentinel/incidents', []],
    ['/var/lib/sentinel', '/var/lib/sentinel/incidents', []],
    ['/var/lib/sentinelx', '/var/lib/sentinel/incidents', ['state_dir /var/lib/sentinelx is read-only under the units']],
    [
      null,
      '/etc/sentinel/incidents',
      ['incidents_dir /etc/sentinel/incidents is read-only under the units: set incidents_dir: /var/lib/sentinel/incidents'],
    ],
  ])('state_dir %s, incidents_dir %s', (stateDir, incidentsDir, problems) => {
    const found = findSandboxProblems({ writable: '/var/lib/sentinel', stateDir, incidentsDir });
    expect(found).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(found[i]).toContain(p));
  });
});
