import { request } from 'node:https';

/** What {@link httpsGet} answers. */
export interface HttpsAnswer {
  status: number;
  text: string;
}

/**
 * A GET over `node:https` trusting `ca` (the sim's CA), for tests that talk to a twin directly. Rejects when
 * `signal` fires first (its reason: a `TimeoutError` for `AbortSignal.timeout`).
 */
export function httpsGet(
  url: string,
  o: { ca: string; headers?: Record<string, string>; signal?: AbortSignal },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(o.signal?.aborted ? (o.signal.reason as Error) : err);
    const req = request(
      url,
      { ca: o.ca, headers: o.headers ?? {}, ...(o.signal ? { signal: o.signal } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}
