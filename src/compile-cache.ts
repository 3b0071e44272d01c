import module from 'node:module';
import { join } from 'node:path';

// Node 22+ keeps the code it compiled for the modules a command loads on disk, so the every-5-minutes
// quiet run does not compile them again. Only under the units: their CacheDirectory= (systemd passes
// it as $CACHE_DIRECTORY) outlives PrivateTmp=; by hand, and in a dry run on a laptop, sentinel
// writes nothing to the user's home. Node 20 has no compile cache and starts as before; a cache that
// cannot be written is skipped by Node, silently.
const enableCompileCache = (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
const cacheDirectory = process.env.CACHE_DIRECTORY;
if (enableCompileCache && cacheDirectory && process.env.NODE_COMPILE_CACHE === undefined) {
  enableCompileCache(join(cacheDirectory, 'node-compile-cache'));
}
