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
 * refused before reading, and an endless or oversized body is cut off (the stream cancelled) as soon as it
 * passes the cap, so memory stays bounded whatever the server sends. Slow bodies are bounded by the
 * request's abort signal, which also covers the body.
 */
export async function readCapped(
  res: { headers: { get(name: string): string | null }; body: ReadableStream<Uint8Array> | null },
  maxBytes: number,
  what: string,
): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(what, maxBytes);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(what, maxBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
