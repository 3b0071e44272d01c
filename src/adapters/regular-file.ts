import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** A file the operator names (the config, the ignore file, a credential, a team file, an incident),
 * read only when it is a regular file of at most `maxBytes`: a FIFO is not waited on, a device such
 * as /dev/zero is not read without end. A fault throws with `code` saying what it is: the errno
 * (ENOENT, EACCES, …), "not a regular file" or "larger than N MB", for the caller's one line. */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw refusal('not a regular file');
    if (stat.size > maxBytes) throw refusal(`larger than ${describeBytes(maxBytes)}`);
    // Read to the end, not to the size fstat gave: a file that grew since is refused past the limit.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return Buffer.concat(chunks, length);
      length += read;
      if (length > maxBytes) throw refusal(`larger than ${describeBytes(maxBytes)}`);
      chunks.push(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
}

const refusal = (code: string) => Object.assign(new Error(code), { code });

const describeBytes = (bytes: number) => (bytes >= 1 << 20 ? `${bytes / (1 << 20)} MB` : `${bytes / 1024} KB`);
