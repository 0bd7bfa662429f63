import { describe, expect, it } from 'vitest';
import {
  CLUSTER_ID_HEADER,
  EKS_TOKEN_PREFIX,
  createEksToken,
  eksTokenProvider,
} from '../../lambdas/clients/eks-token.js';
import { verifyEksToken } from '../../sim/kube/auth.js';

const credentials = {
  accessKeyId: 'AKIATESTTESTTEST0001',
  secretAccessKey: 'test/secret/key/0000000000000000000000',
};
const opts = { clusterName: 'coder-prod', region: 'us-east-1', credentials };
const T0 = new Date('2025-06-01T12:00:00Z');

function decode(token: string): URL {
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

describe('Function: createEksToken', () => {
  it('is k8s-aws-v1. + unpadded base64url of a presigned STS GetCallerIdentity URL', async () => {
    const { token, expiresAt } = await createEksToken({ ...opts, now: () => T0 });
    expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = decode(token);
    expect(url.host).toBe('sts.us-east-1.amazonaws.com');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIATESTTESTTEST0001/20250601/us-east-1/sts/aws4_request',
      'X-Amz-Date': '20250601T120000Z',
      'X-Amz-Expires': '60',
    });
    expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';')).toContain(CLUSTER_ID_HEADER);
    expect(expiresAt.toISOString()).toBe('2025-06-01T12:15:00.000Z');
  });

  it('carries a signature that an independent SigV4 verifier accepts for this cluster only', async () => {
    const { token } = await createEksToken({ ...opts, now: () => T0 });
    const known = (secretAccessKey: string) => (id: string) =>
      id === credentials.accessKeyId ? { secretAccessKey } : undefined;
    const policy = {
      clusterName: 'coder-prod',
      region: 'us-east-1',
      key: known(credentials.secretAccessKey),
      now: T0,
    };
    expect(verifyEksToken(`Bearer ${token}`, policy)).toEqual({
      ok: true,
      accessKeyId: credentials.accessKeyId,
    });
    expect(verifyEksToken(`Bearer ${token}`, { ...policy, clusterName: 'other' }).ok).toBe(false);
    expect(verifyEksToken(`Bearer ${token}`, { ...policy, key: known('wrong') }).ok).toBe(false);
    expect(
      verifyEksToken(`Bearer ${token}`, { ...policy, now: new Date(T0.getTime() + 16 * 60_000) }),
    ).toEqual({
      ok: false,
      why: 'token expired',
    });
  });

  it('signs the session token of temporary credentials into the URL, which the verifier requires', async () => {
    const session = {
      accessKeyId: 'ASIATESTTESTTEST0001',
      secretAccessKey: 'session/secret/key/00000000000000000000',
      sessionToken: 'IQoJb3JpZ2luX2VjSESSIONTOKEN',
    };
    const { token } = await createEksToken({ ...opts, credentials: session, now: () => T0 });
    expect(decode(token).searchParams.get('X-Amz-Security-Token')).toBe(session.sessionToken);
    const policy = (sessionToken?: string) => ({
      clusterName: 'coder-prod',
      region: 'us-east-1',
      key: (id: string) =>
        id === session.accessKeyId ? { secretAccessKey: session.secretAccessKey, sessionToken } : undefined,
      now: T0,
    });
    expect(verifyEksToken(`Bearer ${token}`, policy(session.sessionToken)).ok).toBe(true);
    expect(verifyEksToken(`Bearer ${token}`, policy('another-session'))).toEqual({
      ok: false,
      why: 'missing or wrong session token',
    });
    expect(
      verifyEksToken(`Bearer ${token}`, { ...policy(session.sessionToken), key: () => 'expired' as const }),
    ).toEqual({ ok: false, why: 'credentials expired' });
  });

  it('accepts a credential provider', async () => {
    const { token } = await createEksToken({ ...opts, credentials: async () => credentials, now: () => T0 });
    expect(decode(token).searchParams.get('X-Amz-Credential')).toContain(credentials.accessKeyId);
  });
});

describe('Function: eksTokenProvider', () => {
  it('caches the token until one minute before its 15-minute expiry', async () => {
    let now = T0;
    const token = eksTokenProvider({ ...opts, now: () => now });
    const first = await token();
    now = new Date(T0.getTime() + 13 * 60_000);
    expect(await token()).toBe(first);
    now = new Date(T0.getTime() + 14 * 60_000 + 1);
    const second = await token();
    expect(second).not.toBe(first);
    expect(decode(second).searchParams.get('X-Amz-Date')).toBe('20250601T121400Z');
  });

  it('makes one token for concurrent callers', async () => {
    const token = eksTokenProvider({ ...opts, now: () => T0 });
    const [a, b] = await Promise.all([token(), token()]);
    expect(a).toBe(b);
  });
});
