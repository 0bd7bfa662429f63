import type { ServerResponse } from 'node:http';

/** Hostile answers a twin can give instead of the real one (fault kinds `oversized`, `endless`, `slowBody`). */
export type HostileBody = 'oversized' | 'endless' | 'slowBody';

const CHUNK = 64 * 1024;

/** Resolve when the response can take more data, or the connection is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Stream a hostile body without holding it in memory (backpressure respected): `oversized` declares and
 * sends `bytes` bytes (a JSON string or text lines that never end a value), `endless` sends chunked data until
 * the client goes away, `slowBody` sends the status and a few bytes, then one byte every 100 ms forever.
 * The twin stops with the client: an auditor that caps its reads closes the connection and ends the stream.
 */
export async function sendHostileBody(
  res: ServerResponse,
  kind: HostileBody,
  o: { bytes: number; contentType: string; signal: AbortSignal },
): Promise<void> {
  const json = o.contentType.includes('json');
  const head = Buffer.from(json ? '{"message":"' : '');
  const filler = Buffer.alloc(CHUNK, json ? 'A' : 'x');
  // Text bodies (pod logs) are made of very long lines: 8 KB of `x` then a newline, repeated.
  if (!json) for (let i = 8191; i < CHUNK; i += 8192) filler[i] = 0x0a;
  const closed = () => res.destroyed || o.signal.aborted;
  res.on('error', () => undefined);
  if (kind === 'slowBody') {
    res.writeHead(200, { 'content-type': o.contentType });
    res.write(head);
    while (!closed()) {
      res.write(json ? 'A' : 'x');
      await new Promise((r) => setTimeout(r, 100));
    }
    return;
  }
  res.writeHead(200, {
    'content-type': o.contentType,
    ...(kind === 'oversized' ? { 'content-length': String(o.bytes) } : {}),
  });
  let sent = head.length;
  if (!res.write(head)) await drained(res);
  while (!closed() && (kind === 'endless' || sent < o.bytes)) {
    const piece =
      kind === 'oversized' && o.bytes - sent < CHUNK ? filler.subarray(0, o.bytes - sent) : filler;
    sent += piece.length;
    if (!res.write(piece)) await drained(res);
  }
  if (!closed()) res.end();
}
