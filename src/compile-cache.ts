import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Node 22+ keeps the code it compiled for the modules a command loads on disk, so the every-5-minutes
// quiet run does not compile them again. The unit's CacheDirectory= (systemd passes it as
// $CACHE_DIRECTORY) outlives PrivateTmp=, which Node's default under /tmp does not. Node 20 has no
// compile cache and starts as before; a cache that cannot be written is skipped by Node, silently.
const enableCompileCache = (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
if (enableCompileCache && process.env.NODE_COMPILE_CACHE === undefined) {
  const env = process.env;
  enableCompileCache(
    env.CACHE_DIRECTORY
      ? join(env.CACHE_DIRECTORY, 'node-compile-cache')
      : join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sentinel', 'node-compile-cache'),
  );
}
