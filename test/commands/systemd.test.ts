import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeProject, runCli } from '../support/cli.js';
import { analyzeUnits, hasAnalyze, instantiateFailureUnit } from '../support/systemd-analyze.js';
import { tempDir } from '../support/temp.js';

const UNITS = ['sentinel-failure@.service', 'sentinel-health.service', 'sentinel-health.timer', 'sentinel.service', 'sentinel.timer'];

/** A project whose state and incidents live where the units let sentinel write. */
const project = () => makeProject({ state_dir: '/var/lib/sentinel', incidents_dir: '/var/lib/sentinel/incidents' });

describe('sentinel systemd print', () => {
  it('renders every unit with the real node, CLI, config and log database paths', async () => {
    const p = project();
    const result = await runCli(['--config', p.configFile, 'systemd', 'print', '--interval', '10m', '--log-group', 'app'], { cwd: p.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.match(/^# ==> (.*) <==$/gm)).toEqual(
      ['sentinel.service', 'sentinel.timer', 'sentinel-health.service', 'sentinel-health.timer', 'sentinel-failure@.service'].map(
        (n) => `# ==> ${n} <==`,
      ),
    );
    expect(result.stdout).toMatch(new RegExp(`^ExecStart=/\\S+/node ${CLI} run --config ${p.configFile}$`, 'm'));
    expect(result.stdout).toContain(`BindReadOnlyPaths=${join(CLI, '..', '..')} ${p.dir} ${p.dir}\n`);
    expect(result.stdout).toContain('SupplementaryGroups=app\n');
    expect(result.stdout).toContain('OnCalendar=*-*-* *:00/10:00\n');
  });

  it('warns when the config would have sentinel write where the sandbox is read-only', async () => {
    const p = makeProject();
    const result = await runCli(['--config', p.configFile, 'systemd', 'print'], { cwd: p.dir });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(
      `warning: incidents_dir ${p.dir}/incidents is read-only under the units: set incidents_dir: /var/lib/sentinel/incidents`,
    );
  });

  it.each([
    [['--interval', '90s'], '--interval: must be whole minutes'],
    [['--log-group', 'app root'], '--log-group: must be a group name'],
  ])('refuses %j as a usage error', async (args, message) => {
    const p = project();
    const result = await runCli(['--config', p.configFile, 'systemd', 'print', ...args], { cwd: p.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('{{'); // what was refused, not the template's placeholders
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('install --log-group refuses a group this machine does not have', async () => {
    const p = project();
    const prefix = tempDir('sentinel-prefix-');
    const result = await runCli(['--config', p.configFile, 'systemd', 'install', '--prefix', prefix, '--log-group', 'no-such-group'], {
      cwd: p.dir,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^sentinel: --log-group: there is no group "no-such-group" on this machine; /);
    expect(readdirSync(prefix)).toEqual([]);
    const existing = await runCli(['--config', p.configFile, 'systemd', 'install', '--prefix', prefix, '--log-group', 'root'], {
      cwd: p.dir,
    });
    expect(existing.exitCode, existing.stderr).toBe(0);
  });

  describe.runIf(hasAnalyze).each(['system', 'user'] as const)('print --out (%s units)', (scope) => {
    it('writes files that pass systemd-analyze verify and an exposure of at most 2.0', async () => {
      const p = project();
      const out = tempDir('sentinel-units-');
      const result = await runCli(['--config', p.configFile, 'systemd', 'print', '--out', out, ...(scope === 'user' ? ['--user'] : [])], {
        cwd: p.dir,
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(readdirSync(out).sort()).toEqual(UNITS);
      const units = Object.fromEntries(UNITS.map((name) => [name, readFileSync(join(out, name), 'utf8')]));
      const checked = instantiateFailureUnit(out, units);
      const analyze = analyzeUnits(out, scope);
      const verified = analyze.verify(checked);
      expect(verified.stderr).toBe('');
      expect(verified.status).toBe(0);
      for (const name of checked.filter((n) => n.endsWith('.service'))) {
        const security = analyze.security(name);
        expect(security.exposure, name).toBeLessThanOrEqual(2.0);
        expect(security.status, name).toBe(0);
      }
    });
  });
});

describe('sentinel systemd install', () => {
  it('writes the system units under --prefix and prints the systemctl commands without running them', async () => {
    const p = project();
    const prefix = tempDir('sentinel-prefix-');
    const result = await runCli(['--config', p.configFile, 'systemd', 'install', '--prefix', prefix], { cwd: p.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const dir = join(prefix, 'etc/systemd/system');
    expect(readdirSync(dir).sort()).toEqual(UNITS);
    expect(statSync(join(dir, 'sentinel.service')).mode & 0o777).toBe(0o644);
    expect(result.stdout).toContain(`wrote ${dir}/sentinel.timer`);
    expect(result.stdout).toContain('  systemctl daemon-reload\n  systemctl enable --now sentinel.timer sentinel-health.timer');
  });

  it('--user goes to ~/.config/systemd/user and enables lingering', async () => {
    const p = project();
    const prefix = tempDir('sentinel-prefix-');
    const home = '/home/ops';
    const result = await runCli(['--config', p.configFile, 'systemd', 'install', '--user', '--prefix', prefix], {
      cwd: p.dir,
      env: { HOME: home },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(join(prefix, home, '.config/systemd/user/sentinel.service'))).toBe(true);
    expect(readFileSync(join(prefix, home, '.config/systemd/user/sentinel.service'), 'utf8')).not.toContain('User=');
    expect(result.stdout).toContain('  loginctl enable-linger\n  systemctl --user daemon-reload');
    expect(result.stdout).toContain('~/.config/credstore/ntfy-token');
  });

  it('refuses --enable with --prefix: systemd would not see those units', async () => {
    const p = project();
    const result = await runCli(['--config', p.configFile, 'systemd', 'install', '--prefix', p.dir, '--enable'], { cwd: p.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--enable goes without --prefix');
    expect(existsSync(join(p.dir, 'etc'))).toBe(false);
  });
});
