import { errorMessage } from '../core/errors.js';
import { readSecret } from '../adapters/secrets.js';
import type { PostgresSourceConfig } from '../core/config.js';
import { fail, ok, warn, type Check } from '../core/doctor.js';
import { formatUtc } from '../core/prompt.js';

/** A PostgreSQL source: it connects, the table reads, and the role could not write it. */
export async function checkPostgresSource(config: PostgresSourceConfig, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const { openPostgresSource, postgresUrl, writePrivileges } = await import('../adapters/postgres-source.js');
  const what = `source ${config.name} (PostgreSQL table ${config.table})`;
  let url: string;
  let source: Awaited<ReturnType<typeof openPostgresSource>>;
  try {
    url = postgresUrl(config, (from) => readSecret(env, from));
    source = await openPostgresSource(config, url);
  } catch (error) {
    return [
      fail(
        errorMessage(error),
        `set $${config.url_env} (or the credential ${config.url_credential}) to a URL of a role with SELECT on ${config.table}`,
      ),
    ];
  }
  const checks: Check[] = [];
  try {
    const newest = await source.newestRowTime();
    const waiting = await source.waiting();
    checks.push(
      ok(
        `${what} is readable: newest row ${newest === null ? 'none' : formatUtc(newest)}${waiting ? `, ${waiting} rows waiting behind an open transaction` : ''}`,
      ),
    );
  } catch (error) {
    checks.push(fail(errorMessage(error), `grant the role SELECT on ${config.table}`));
  } finally {
    await source.close();
  }
  const privileges = await writePrivileges(config, url).catch(() => []);
  if (privileges.length) {
    checks.push(
      warn(
        `${what}: the role could ${privileges.join(', ')} it: sentinel only needs SELECT`,
        `use a role with SELECT only: CREATE ROLE sentinel LOGIN; GRANT SELECT ON ${config.table} TO sentinel;`,
      ),
    );
  }
  return checks;
}
