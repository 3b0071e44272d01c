import { errorMessage } from '../core/errors.js';
import type { Check } from '../core/doctor.js';
import { doctorExitCode, fail, renderChecks, warn } from '../core/doctor.js';
import { checkAutofix } from '../stages/doctor-autofix.js';
import { checkClaude, checkCode, checkConfig, checkDatabase, checkNotify } from '../stages/doctor-checks.js';
import { checkIncidentsDir, checkStateDir, checkUnits, effectiveStateDir, findInstalledUnits } from '../stages/doctor-system.js';
import type { CommandContext } from '../core/types.js';

/** `sentinel doctor`: every part of the set-up, one line each, ✓ or ✗ with the fix. Exits 6 on any ✗
 * (warnings, `!`, do not count). Each check runs on its own: one broken part hides no other. */
export async function doctorCommand(options: { config?: string; online?: boolean }, ctx: CommandContext): Promise<number> {
  const checks: Check[] = [];
  const uid = process.getuid?.() ?? null;
  if (uid === 0)
    checks.push(
      warn('running as root: the access checks say what root may do', 'run it as the service account: sudo -u sentinel sentinel doctor'),
    );
  const { check, loaded } = checkConfig(options.config, ctx.env, ctx.cwd);
  checks.push(check);
  if (loaded) {
    const units = findInstalledUnits(ctx.env);
    const steps: (() => Check[] | Promise<Check[]>)[] = [
      () => checkDatabase(loaded, uid, ctx.env),
      () => checkClaude(loaded, ctx.env, options.online === true),
      () => checkCode(loaded),
      () => checkNotify(loaded, ctx.env),
      () => checkStateDir(effectiveStateDir(loaded, ctx.env, units), units, ctx.env, ctx.clock.now()),
      () => [checkIncidentsDir(loaded, units, ctx.env)],
      () => checkUnits(loaded, ctx.env, units),
      () => checkAutofix(loaded, ctx.env, ctx.clock),
    ];
    for (const step of steps) {
      try {
        checks.push(...(await step()));
      } catch (error) {
        checks.push(fail(`unexpected: ${errorMessage(error)}`, 'report it with this output'));
      }
    }
  }
  ctx.stdout(renderChecks(checks));
  return doctorExitCode(checks);
}
