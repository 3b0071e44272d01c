import { userInfo } from 'node:os';

/** Who is at the keyboard, for `added:` and `closed_by:`: the person behind sudo, else the login,
 * else the name of the uid. Never "unknown". */
export function operatorName(env: NodeJS.ProcessEnv): string {
  const named = env.SUDO_USER || env.USER || env.LOGNAME;
  if (named) return named;
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
