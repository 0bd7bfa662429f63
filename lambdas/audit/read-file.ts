import { closeSync, openSync, readSync } from 'node:fs';

/** Largest configuration file or CA bundle read, in bytes (a CA bundle of every public root is ~250 KB). */
export const MAX_FILE_BYTES = 2 ** 20;

/** A file was larger than what the auditor reads from it. */
export class FileTooLargeError extends Error {
  public constructor(path: string, max: number) {
    super(`${path} is larger than ${max} bytes; not read`);
    this.name = 'FileTooLargeError';
  }
}

/**
 * Read a text file, at most `max` bytes: reads in chunks and stops past the cap, so a huge file, a device
 * or a FIFO that never ends (`/dev/zero`) cannot exhaust memory.
 */
export function readTextFile(path: string, max = MAX_FILE_BYTES): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) throw new FileTooLargeError(path, max);
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
