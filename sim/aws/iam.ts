import { randomBytes } from 'node:crypto';
import type { AwsState } from './model.js';

/** Who signed a request, as STS GetCallerIdentity names it. */
export interface CallerIdentity {
  /** `AIDA...` for an IAM user, `AROA...:<session>` for a role session. */
  UserId: string;
  Account: string;
  /** `arn:aws:iam::<account>:user/<name>` or `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  Arn: string;
}

/** A key pair the twin accepts: the sim's IAM user, or the temporary credentials of a role session. */
export interface SimPrincipal {
  identity: CallerIdentity;
  secretAccessKey: string;
  /** Temporary credentials only: the `X-Amz-Security-Token` every request must carry. */
  sessionToken?: string;
  expiration?: Date;
  /** ARN of the assumed role (role sessions): trust policies name the role, not the session. */
  roleArn?: string;
}

/** Temporary credentials as AssumeRole returns them. */
export interface IssuedCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

const chars = (alphabet: string, n: number) =>
  Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A role of one account of the sim (`aws.iam.roles` of that account's state). */
export type SimRole = NonNullable<AwsState['iam']>['roles'][string];

/**
 * The sim's IAM and STS state: the static key pair of its IAM user (account A), and the temporary
 * credentials STS issued for role sessions, in any account the sim holds. Shared by the AWS twin (SigV4
 * of every request) and the Kubernetes twin (EKS tokens are presigned STS requests).
 */
export class SimIam {
  private readonly principals = new Map<string, SimPrincipal>();
  /** ARN of the sim's IAM user (the principal of its static key pair). */
  public readonly userArn: string;

  public constructor(
    user: { accessKeyId: string; secretAccessKey: string; accountId: string },
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.userArn = `arn:aws:iam::${user.accountId}:user/coder-auditor-sim`;
    this.principals.set(user.accessKeyId, {
      identity: {
        UserId: 'AIDASIMULATEDAUDITOR1',
        Account: user.accountId,
        Arn: this.userArn,
      },
      secretAccessKey: user.secretAccessKey,
    });
  }

  /** The principal of an access key id; `expired` once its temporary credentials ran out. */
  public principal(accessKeyId: string): SimPrincipal | 'expired' | undefined {
    const p = this.principals.get(accessKeyId);
    if (p?.expiration && p.expiration.getTime() <= this.clock().getTime()) return 'expired';
    return p;
  }

  /** Start a role session: new temporary credentials (`ASIA...`) valid for `durationSeconds`. */
  public startSession(
    role: { arn: string; account: string; name: string; id: string },
    sessionName: string,
    durationSeconds: number,
  ): { credentials: IssuedCredentials; identity: CallerIdentity } {
    const accessKeyId = `ASIA${chars(UPPER_ALNUM, 16)}`;
    const credentials: IssuedCredentials = {
      AccessKeyId: accessKeyId,
      SecretAccessKey: randomBytes(30).toString('base64'),
      SessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(96).toString('base64')}`,
      Expiration: new Date(Math.floor(this.clock().getTime() / 1000) * 1000 + durationSeconds * 1000),
    };
    const identity: CallerIdentity = {
      UserId: `${role.id}:${sessionName}`,
      Account: role.account,
      Arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
    };
    this.principals.set(accessKeyId, {
      identity,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
      roleArn: role.arn,
    });
    return { credentials, identity };
  }
}

/**
 * Whether a trust policy principal (`arn:aws:iam::<account>:root`, a role ARN or a user ARN) covers the
 * caller: `root` delegates to the whole account, a role covers its sessions, a user itself.
 */
export function trusts(principal: string, caller: SimPrincipal): boolean {
  const root = /^arn:aws:iam::(\d{12}):root$/.exec(principal);
  if (root) return root[1] === caller.identity.Account;
  return principal === caller.identity.Arn || (caller.roleArn !== undefined && principal === caller.roleArn);
}

/** A stable role id (`AROA` + 17 characters) for a role ARN, as IAM gives each role one. */
export function roleId(arn: string): string {
  let h = 2166136261;
  let out = '';
  for (let i = 0; out.length < 17; i++) {
    h = Math.imul(h ^ arn.charCodeAt(i % arn.length), 16777619) >>> 0;
    out += UPPER_ALNUM[h % UPPER_ALNUM.length];
  }
  return `AROA${out}`;
}
