import type { IncomingMessage } from 'node:http';
import { AuditError } from '../audit/errors.js';

/** An answer was larger than what the auditor reads from that endpoint: an `error` finding, never a pass. */
export class BodyTooLargeError extends AuditError {
  public constructor(
    what: string,
    public readonly maxBytes: number,
  ) {
    super(`${what}: the answer is larger than ${maxBytes} bytes; not read`);
    this.name = 'BodyTooLargeError';
  }
}

/** Human size of a byte count (`4 MiB`, `256 KiB`). */
export function bytesLabel(n: number): string {
  return n >= 2 ** 20 && n % 2 ** 20 === 0 ? `${n / 2 ** 20} MiB` : `${Math.round(n / 1024)} KiB`;
}

/**
 * Read a response body as UTF-8 text, at most `maxBytes`: a declared Content-Length above the cap is
 * refused before reading, and an endless or oversized body is cut off (the socket destroyed) as soon as it
 * passes the cap, so memory stays bounded whatever the server sends. Slow bodies are bounded by `signal`
 * (the request's timeout and abort), which destroys the body with the signal's reason.
 */
export async function readCapped(
  res: IncomingMessage,
  maxBytes: number,
  what: string,
  signal?: AbortSignal,
): Promise<string> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw new BodyTooLargeError(what, maxBytes);
  }
  const onAbort = () => res.destroy(signal?.reason as Error);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        res.destroy();
        throw new BodyTooLargeError(what, maxBytes);
      }
      chunks.push(chunk);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks).toString('utf8');
}
