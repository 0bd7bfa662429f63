import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Prefix of a bearer token that the EKS API server's AWS IAM authenticator accepts. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** Header that binds the presigned request to one cluster; it must be signed. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** EKS accepts a token for 15 minutes after its X-Amz-Date. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
/** A cached token is replaced this long before it expires. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

export interface EksTokenOptions {
  clusterName: string;
  region: string;
  /** Static credentials or a provider; default: the Node.js default provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Injectable clock. */
  now?: () => Date;
}

export interface EksToken {
  token: string;
  expiresAt: Date;
}

/** RFC 3986 encoding, as SigV4 canonicalises it. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A bearer token for the EKS API server, as `aws eks get-token` makes it: `k8s-aws-v1.` + base64url (no
 * padding) of an STS GetCallerIdentity URL presigned with SigV4 (60 s), with `x-k8s-aws-id: <cluster>`
 * among the signed headers. No STS call is made: the API server makes it to authenticate us.
 */
export async function createEksToken(opts: EksTokenOptions): Promise<EksToken> {
  const signingDate = (opts.now ?? (() => new Date()))();
  const hostname = `sts.${opts.region}.amazonaws.com`;
  const signer = new SignatureV4({
    credentials: opts.credentials ?? fromNodeProviderChain(),
    region: opts.region,
    service: 'sts',
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, [CLUSTER_ID_HEADER]: opts.clusterName },
  });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : [[k, v ?? ''] as const]))
    .map(([k, v]) => `${encode(k)}=${encode(String(v))}`)
    .sort()
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'),
    expiresAt: new Date(signingDate.getTime() + TOKEN_LIFETIME_MS),
  };
}

/**
 * A function that returns a valid EKS token, making a new one only when none is cached or the cached one is
 * within a minute of its expiry. One provider per (cluster, region, credentials).
 */
export function eksTokenProvider(opts: EksTokenOptions): () => Promise<string> {
  const now = opts.now ?? (() => new Date());
  let cached: EksToken | undefined;
  let pending: Promise<EksToken> | undefined;
  return async () => {
    if (cached && now().getTime() < cached.expiresAt.getTime() - TOKEN_REFRESH_MARGIN_MS) {
      return cached.token;
    }
    pending ??= createEksToken({ ...opts, now }).finally(() => {
      pending = undefined;
    });
    cached = await pending;
    return cached.token;
  };
}
