import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AuditError } from '../audit/errors.js';
import { readCapped } from './body.js';

/**
 * One GET over `node:http(s)` for the Kubernetes and Coder clients: what undici and the generated Kubernetes
 * client did for them, in the few lines they need (a bundle without 1.8 MB of HTTP and API libraries).
 */

/** A status, its headers and the whole (capped) body. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A redirect to another scheme, host or port (refused), or too many redirects. */
export class RedirectRefusedError extends AuditError {
  public constructor(message: string) {
    super(message);
    this.name = 'RedirectRefusedError';
  }
}

/** Options of {@link getCapped}. */
export interface GetCappedOptions {
  headers: Record<string, string>;
  /** The request's timeout and abort, together: also bounds the body. */
  signal: AbortSignal;
  /** Connection pool of `https:` URLs (its TLS settings: CA, verification). */
  httpsAgent: https.Agent;
  /** Connection pool of `http:` URLs; without one, an `http:` URL is refused. */
  httpAgent?: http.Agent;
  /** Largest body read, in bytes (a larger one is a `BodyTooLargeError`). */
  maxBytes: number;
  /** Names the read in a `BodyTooLargeError`. */
  what: string;
  /** Most same-origin redirects followed. */
  maxRedirects: number;
}

/**
 * GET `url` and read its body with a cap. Redirects (3xx with a Location) are followed only to the same
 * scheme, host and port, at most `maxRedirects` times, with the same headers; a redirect elsewhere is a
 * `RedirectRefusedError`: credentials never leave the origin, and an answer from elsewhere is never taken
 * for the origin's. Rejects with the transport's error (or the signal's reason) when no answer arrives.
 */
export async function getCapped(url: URL, o: GetCappedOptions): Promise<HttpAnswer> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const res = await send(target, o);
    const status = res.statusCode ?? 0;
    const location = status >= 300 && status < 400 ? res.headers.location : undefined;
    if (location === undefined) {
      return { status, headers: res.headers, text: await readCapped(res, o.maxBytes, o.what, o.signal) };
    }
    res.destroy();
    const next = new URL(location, target);
    if (next.origin !== target.origin) {
      throw new RedirectRefusedError(`redirected to another host (${next.origin}); refused`);
    }
    if (hop >= o.maxRedirects) throw new RedirectRefusedError(`more than ${o.maxRedirects} redirects`);
    target = next;
  }
}

/** The host name of a URL as sockets know it (IPv6 without brackets). */
export function socketHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function send(url: URL, o: GetCappedOptions): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  if (!secure && (url.protocol !== 'http:' || !o.httpAgent)) {
    return Promise.reject(new AuditError(`unsupported URL scheme ${url.protocol}`));
  }
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      {
        protocol: url.protocol,
        host: socketHost(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: o.headers,
        agent: secure ? o.httpsAgent : o.httpAgent,
        signal: o.signal,
      },
      resolve,
    );
    req.on('error', (err) => reject(o.signal.aborted ? (o.signal.reason ?? err) : err));
    req.end();
  });
}
