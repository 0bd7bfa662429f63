import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** A key pair STS knows: a user's, or temporary credentials with their session token. */
export interface KnownKey {
  secretAccessKey: string;
  sessionToken?: string;
}

/** What the twin's API server accepts: tokens of one cluster, signed with a key pair STS knows. */
export interface EksTokenPolicy {
  clusterName: string;
  region: string;
  /** The key pair of an access key id (`expired` for temporary credentials past their expiration). */
  key(accessKeyId: string): KnownKey | 'expired' | undefined;
  now: Date;
}

export type TokenVerdict = { ok: true; accessKeyId: string } | { ok: false; why: string };

const MAX_AGE_MS = 15 * 60_000;
const MAX_SKEW_MS = 5 * 60_000;
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

const enc = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * Verify an `Authorization: Bearer k8s-aws-v1.<base64url presigned STS URL>` header the way the AWS IAM
 * authenticator does, but offline: instead of calling STS it recomputes the SigV4 signature (written here
 * from the SigV4 specification, independently of the client's signer) with the secret key STS knows for
 * the access key id (the sim's IAM user, or a role session with its session token).
 */
export function verifyEksToken(authorization: string | undefined, policy: EksTokenPolicy): TokenVerdict {
  const m = /^Bearer k8s-aws-v1\.([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) return { ok: false, why: 'not a k8s-aws-v1 bearer token' };
  let url: URL;
  try {
    url = new URL(Buffer.from(m[1]!, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, why: 'token does not decode to a URL' };
  }
  const host = `sts.${policy.region}.amazonaws.com`;
  if (url.protocol !== 'https:' || url.host !== host || url.pathname !== '/') {
    return { ok: false, why: `token is not an ${host} URL` };
  }
  const q = url.searchParams;
  const get = (k: string) => q.get(k) ?? '';
  if (get('Action') !== 'GetCallerIdentity') return { ok: false, why: 'Action is not GetCallerIdentity' };
  if (get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return { ok: false, why: 'not SigV4' };
  const date = get('X-Amz-Date');
  const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!dm) return { ok: false, why: 'bad X-Amz-Date' };
  const signedAt = Date.UTC(+dm[1]!, +dm[2]! - 1, +dm[3]!, +dm[4]!, +dm[5]!, +dm[6]!);
  const age = policy.now.getTime() - signedAt;
  if (age > MAX_AGE_MS || age < -MAX_SKEW_MS) return { ok: false, why: 'token expired' };
  const scope = `${date.slice(0, 8)}/${policy.region}/sts/aws4_request`;
  const [akid = '', ...rest] = get('X-Amz-Credential').split('/');
  const key = policy.key(akid);
  if (key === 'expired') return { ok: false, why: 'credentials expired' };
  if (!key) return { ok: false, why: 'unknown access key' };
  // Temporary credentials are only valid with their session token, signed into the URL.
  if ((q.get('X-Amz-Security-Token') ?? undefined) !== key.sessionToken)
    return { ok: false, why: 'missing or wrong session token' };
  if (rest.join('/') !== scope) return { ok: false, why: 'bad credential scope' };
  const signedHeaders = get('X-Amz-SignedHeaders');
  if (signedHeaders !== 'host;x-k8s-aws-id') {
    return { ok: false, why: 'signed headers must be exactly host and x-k8s-aws-id' };
  }
  const canonicalQuery = [...q.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${host}\nx-k8s-aws-id:${policy.clusterName}\n`,
    signedHeaders,
    EMPTY_SHA256,
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    date,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  let signing = hmac(`AWS4${key.secretAccessKey}`, date.slice(0, 8));
  for (const part of [policy.region, 'sts', 'aws4_request']) signing = hmac(signing, part);
  const expected = Buffer.from(hmac(signing, stringToSign).toString('hex'));
  const given = Buffer.from(get('X-Amz-Signature'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, why: 'signature does not match (wrong key, cluster or request)' };
  }
  return { ok: true, accessKeyId: akid };
}
