import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IncomingHttpHeaders } from 'node:http';

/** The parts of a SigV4 `Authorization` header. */
export interface SigV4Auth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Parse a SigV4 `Authorization` header; undefined when absent or not SigV4. */
export function parseAuthorization(header: string | undefined): SigV4Auth | undefined {
  const m = header ? AUTH.exec(header.trim()) : null;
  if (!m) return undefined;
  return {
    accessKeyId: m[1]!,
    date: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
  };
}

/** `20250101T000000Z` → Date. */
function parseAmzDate(s: string | undefined): Date | undefined {
  const m = s ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s) : null;
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/**
 * Recompute the request's SigV4 signature with the sim's secret key and compare: true when it matches.
 * Only the headers the client signed take part, as AWS does.
 */
export async function verifySignature(
  auth: SigV4Auth,
  req: { method: string; url: string; headers: IncomingHttpHeaders; body: string },
  secretAccessKey: string,
): Promise<boolean> {
  const signingDate = parseAmzDate(header(req.headers['x-amz-date']));
  if (!signingDate) return false;
  const url = new URL(req.url, 'http://sim.invalid');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = header(req.headers[name]);
    if (v === undefined) return false;
    headers[name] = v;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: req.method,
      hostname: 'sim.invalid',
      path: url.pathname,
      query,
      headers,
      body: req.body,
    }),
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  return parseAuthorization(header(signed.headers.authorization))?.signature === auth.signature;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}
