import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../support/cli.js';
import { analyzeUnits, hasAnalyze, instantiateFailureUnit } from '../support/systemd-analyze.js';
import { tempDir } from '../support/temp.js';

const MAIN_UNITS = ['sentinel-failure@.service', 'sentinel-health.service', 'sentinel-health.timer', 'sentinel.service', 'sentinel.timer'];
const project = () =>
  makeProject({
    state_dir: '/var/lib/sentinel',
    incidents_dir: '/var/lib/sentinel/incidents',
    autofix: {
      enabled: true,
      repository: { url: 'https://github.com/acme/billing.git', github: 'acme/billing' },
      test: { command: ['/usr/bin/python3', '-m', 'pytest'], timeout: '10m' },
    },
  });

describe('sentinel systemd print with autofix enabled', () => {
  it('adds the autofix service and timer; only that unit loads the forge token', async () => {
    const p = project();
    const result = await runCli(['--config', p.configFile, 'systemd', 'print'], { cwd: p.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const units = Object.fromEntries(
      result.stdout
        .split(/^# ==> /m)
        .filter(Boolean)
        .map((part) => [part.slice(0, part.indexOf(' <==')), part]),
    );
    expect(Object.keys(units)).toEqual([
      'sentinel.service',
      'sentinel.timer',
      'sentinel-health.service',
      'sentinel-health.timer',
      'sentinel-failure@.service',
      'sentinel-autofix.service',
      'sentinel-autofix.timer',
    ]);
    expect(units['sentinel-autofix.service']).toMatch(/^ExecStart=\/\S+\/node \S+\/dist\/cli\.js autofix --config /m);
    expect(units['sentinel-autofix.service']).toContain('LoadCredential=forge-token\n');
    expect(units['sentinel-autofix.service']).toContain('TimeoutStartSec=40m\n'); // 15 min fix + 2 × 10 min tests + 5 min grace
    expect(units['sentinel-autofix.timer']).toContain('OnCalendar=*-*-* *:00/15:00\n');
    for (const name of MAIN_UNITS) {
      expect(units[name], name).not.toContain('forge-token');
      if (name.endsWith('.service')) expect(units[name], name).toContain('RestrictNamespaces=yes\n');
    }
  });

  it('is not rendered while autofix is off', async () => {
    const p = makeProject({ state_dir: '/var/lib/sentinel', incidents_dir: '/var/lib/sentinel/incidents' });
    const result = await runCli(['--config', p.configFile, 'systemd', 'print'], { cwd: p.dir });
    expect(result.stdout).not.toContain('sentinel-autofix');
  });

  describe.runIf(hasAnalyze).each(['system', 'user'] as const)('print --out (%s units)', (scope) => {
    // The user manager cannot apply User=, ProtectProc= nor ProtectControlGroups= (0.8 of exposure
    // together): its flavour of the autofix unit is held to 3.0, the system one (the server's) to 2.5.
    const autofixLimit = scope === 'system' ? 2.5 : 3.0;
    it('passes systemd-analyze verify; the autofix unit stays within its limit, the main units still at most 2.0', async () => {
      const p = project();
      const out = tempDir('sentinel-units-');
      const result = await runCli(['--config', p.configFile, 'systemd', 'print', '--out', out, ...(scope === 'user' ? ['--user'] : [])], {
        cwd: p.dir,
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(readdirSync(out).sort()).toEqual([...MAIN_UNITS, 'sentinel-autofix.service', 'sentinel-autofix.timer'].sort());
      const units = Object.fromEntries(readdirSync(out).map((name) => [name, readFileSync(join(out, name), 'utf8')]));
      const checked = instantiateFailureUnit(out, units);
      const analyze = analyzeUnits(out, scope);
      const verified = analyze.verify(checked);
      expect(verified.stderr).toBe('');
      expect(verified.status).toBe(0);
      for (const name of checked.filter((n) => n.endsWith('.service'))) {
        const { exposure } = analyze.security(name);
        expect(exposure, name).toBeLessThanOrEqual(name === 'sentinel-autofix.service' ? autofixLimit : 2.0);
      }
    });
  });
});
