/**
 * Parameter Store of the SSM twin: the parameters of each account the sim holds (the auditor writes its
 * configuration there, as its CDK stack does), and the account's read throughput.
 *
 * Throughput, as AWS documents it ("AWS Systems Manager endpoints and quotas",
 * https://docs.aws.amazon.com/general/latest/gr/ssm.html, Parameter Store "Max throughput (transactions per
 * second)"; and https://repost.aws/knowledge-center/ssm-parameter-store-rate-exceeded): by default 40 TPS
 * per account and Region, shared by GetParameter, GetParameters and GetParametersByPath; beyond it every call
 * is refused with `ThrottlingException: Rate exceeded` (the SDK retries it with backoff). The twin keeps one
 * token bucket per account: `tps` tokens, refilled at `tps` per second of its clock, one token per call.
 * The clock is injectable: a test that stops it sends a whole wave "within the same instant", the worst
 * case, deterministically.
 */

/** Standard parameters hold 4 KB, advanced ones 8 KB (Parameter Store, "Managing parameter tiers"). */
export const STANDARD_VALUE_BYTES = 4096;
export const ADVANCED_VALUE_BYTES = 8192;
/** Default Parameter Store throughput: 40 TPS per account and Region (GetParameter/s, GetParametersByPath). */
export const DEFAULT_PARAMETER_TPS = 40;

/** One stored parameter. */
export interface SimParameter {
  name: string;
  value: string;
  type: 'String' | 'StringList';
  tier: 'Standard' | 'Advanced';
  version: number;
  lastModified: Date;
}

/** The parameters and read throughput of every account of the sim. */
export class SimParameterStore {
  /** Transactions per second of the read operations, per account (higher throughput: set it higher). */
  public tps = DEFAULT_PARAMETER_TPS;
  /** The clock of the token buckets and of `LastModifiedDate`. */
  public clock: () => Date = () => new Date();
  /** Calls refused for throughput, by operation. */
  public readonly throttled = new Map<string, number>();
  /** Calls answered (not throttled), by operation. */
  public readonly served = new Map<string, number>();
  private readonly accounts = new Map<string, Map<string, SimParameter>>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * Write a parameter (as CloudFormation does for the stack's `AWS::SSM::Parameter`): the tier follows the
   * value's size; a value above the advanced tier's 8 KB is refused, as SSM refuses it.
   */
  public put(account: string, name: string, value: string, type: SimParameter['type'] = 'String'): void {
    const bytes = Buffer.byteLength(value);
    if (bytes > ADVANCED_VALUE_BYTES)
      throw new Error(`parameter ${name}: ${bytes} bytes, above the advanced tier's ${ADVANCED_VALUE_BYTES}`);
    const params = this.accounts.get(account) ?? new Map<string, SimParameter>();
    this.accounts.set(account, params);
    const previous = params.get(name);
    params.set(name, {
      name,
      value,
      type,
      tier: bytes > STANDARD_VALUE_BYTES ? 'Advanced' : 'Standard',
      version: (previous?.version ?? 0) + 1,
      lastModified: this.clock(),
    });
  }

  public get(account: string, name: string): SimParameter | undefined {
    return this.accounts.get(account)?.get(name);
  }

  /** Remove every parameter of an account whose name starts with `prefix`. */
  public deleteUnder(account: string, prefix: string): void {
    const params = this.accounts.get(account);
    for (const name of [...(params?.keys() ?? [])]) if (name.startsWith(prefix)) params!.delete(name);
  }

  /**
   * Take one token of the account's bucket for a read operation: false (throttled) when the bucket is
   * empty. A bucket starts full; it refills continuously at `tps` per second, up to `tps`.
   */
  public admit(account: string, operation: string): boolean {
    const now = this.clock().getTime();
    const bucket = this.buckets.get(account) ?? { tokens: this.tps, at: now };
    bucket.tokens = Math.min(this.tps, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.tps);
    bucket.at = now;
    this.buckets.set(account, bucket);
    const counter = bucket.tokens >= 1 ? this.served : this.throttled;
    counter.set(operation, (counter.get(operation) ?? 0) + 1);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Sum of a counter over the operations. */
  public static total(counter: ReadonlyMap<string, number>): number {
    return [...counter.values()].reduce((a, b) => a + b, 0);
  }

  /** Forget the counters and refill the buckets (between runs of a test or the benchmark). */
  public resetThroughput(): void {
    this.throttled.clear();
    this.served.clear();
    this.buckets.clear();
  }
}
