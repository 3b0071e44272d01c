import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedConfig } from '../adapters/config-paths.js';
import { createForge } from '../adapters/forge.js';
import { findExecutable, readSecret } from '../adapters/secrets.js';
import { runTestsInSandbox } from '../adapters/test-sandbox.js';
import { fail, ok, skip, warn, type Check } from '../core/doctor.js';
import type { Clock } from '../core/types.js';

/** The forge (token, repository reachable, private unless allowed, default branch), bubblewrap and
 * the test command: what `sentinel autofix` needs before its first job. */
export async function checkAutofix(loaded: LoadedConfig, env: NodeJS.ProcessEnv, clock: Clock): Promise<Check[]> {
  const { autofix } = loaded.config;
  if (!autofix.enabled || !autofix.repository) return [skip('autofix is off (autofix.enabled: false)')];
  const repository = autofix.repository;
  const checks: Check[] = [];
  const token = readSecret(env, { envName: repository.token_env, credential: 'forge-token' });
  if (!token) {
    checks.push(
      warn(
        `forge token: not in $${repository.token_env} nor in the credential forge-token`,
        'put a fine-grained token (this repository only, Contents + Pull requests write) into /etc/credstore/forge-token; only sentinel-autofix.service loads it',
      ),
    );
  } else {
    const { forge, name } = createForge(repository, token, clock, 15_000);
    const found = await forge.repository();
    if (found.kind !== 'ok') {
      checks.push(
        fail(
          `forge ${name}: ${found.reason}`,
          found.kind === 'auth'
            ? 'check the token: it must see this one repository, with Contents and Pull requests write'
            : 'check autofix.repository.api_url and the network',
        ),
      );
    } else if (!found.value.private && !repository.allow_public) {
      checks.push(
        fail(
          `forge ${name} is public: fix PRs would publish text derived from the logs`,
          'make it private, or set autofix.repository.allow_public: true',
        ),
      );
    } else {
      checks.push(
        ok(
          `forge ${name} is reachable: ${found.value.private ? 'private' : 'public (allowed)'}, default branch ${found.value.defaultBranch}`,
        ),
      );
    }
  }
  const test = autofix.test;
  if (!test) {
    checks.push(
      warn(
        'autofix.test is not set: every attempt stops before the push (nothing is published untested)',
        "set autofix.test.command to the project's test command, e.g. [/usr/bin/python3, -m, pytest, -q]",
      ),
    );
  } else if (test.isolation === 'bwrap') {
    if (!findExecutable('bwrap', env.PATH ?? '')) {
      checks.push(
        fail(
          'bubblewrap (bwrap) is not installed: the tests cannot run isolated',
          'apt-get install bubblewrap (or autofix.test.isolation: none, on a laptop only)',
        ),
      );
    } else {
      // The very sandbox the tests get, around /bin/true.
      const dir = mkdtempSync(join(tmpdir(), 'sentinel-doctor-'));
      const probe = await runTestsInSandbox({
        command: ['/bin/true'],
        worktree: dir,
        timeoutMs: 10_000,
        env: {},
        isolation: 'bwrap',
        readOnlyPaths: [],
        redact: (t) => t,
      });
      rmSync(dir, { recursive: true, force: true });
      if (probe.outcome === 'passed') checks.push(ok('bubblewrap runs the tests without network'));
      else
        checks.push(
          fail(
            `bubblewrap cannot set up the tests' sandbox: ${probe.tail.trim().split('\n').at(-1) || probe.outcome}`,
            'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1); under systemd, the autofix unit allows them',
          ),
        );
    }
  }
  return checks;
}
