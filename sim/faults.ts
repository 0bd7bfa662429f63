import { z } from 'zod';
import { pause } from '../lambdas/clients/pause.js';

/** Services of the simulated deployment that faults can target. */
export const SIM_SERVICES = [
  'eks',
  'ec2',
  'rds',
  'elbv2',
  'servicequotas',
  'secretsmanager',
  'ssm',
  'sts',
  'cloudtrail',
  'cloudwatch',
  'kubernetes',
  'postgres',
  'coder',
  'oidc',
] as const;
export type SimService = (typeof SIM_SERVICES)[number];

export const FaultSchema = z
  .object({
    /** Service name, or `*` for every service. */
    service: z.union([z.enum(SIM_SERVICES), z.literal('*')]),
    /** Operation name (`DescribeSecurityGroups`, `listNamespacedPod`, `GET /api/v2/buildinfo`...); default all. */
    operation: z.string().optional(),
    /**
     * `oversized` (a declared, huge body), `endless` (a body that never ends), `slowBody` (one byte every
     * 100 ms), `wrongShape` (valid JSON of another shape, e.g. `"items": "nope"`) and `redirect` (a 302 to
     * another host) are hostile answers of the HTTP twins (Coder, OIDC, Kubernetes).
     */
    kind: z.enum([
      'latency',
      'throttle',
      'error5xx',
      'hang',
      'accessDenied',
      'malformed',
      'refuse',
      'oversized',
      'endless',
      'slowBody',
      'wrongShape',
      'redirect',
    ]),
    /** Added latency for `latency`. */
    ms: z.number().int().nonnegative().default(0),
    /** Size of an `oversized` body (default HOSTILE_BYTES). */
    bytes: z.number().int().positive().optional(),
    /** Share of matching requests affected (deterministic sequence). */
    rate: z.number().min(0).max(1).default(1),
  })
  .strict();
export type Fault = z.output<typeof FaultSchema>;
export type FaultKind = Fault['kind'];

/** What a sim server must do for one request. */
export interface FaultDecision {
  /** Milliseconds to wait before answering (sum of matching latency faults). */
  delayMs: number;
  /** The failure to answer with instead of the real response, if any. */
  failure?: Exclude<FaultKind, 'latency'>;
  /** Body size of an `oversized` failure. */
  bytes?: number;
}

/** Default size of an `oversized` body: 100 MiB. */
export const HOSTILE_BYTES = 100 * 2 ** 20;

/**
 * Decides, per request, which injected faults apply. Rates use a seeded generator per (service, operation)
 * so a scenario behaves the same on every run.
 */
export class FaultInjector {
  private readonly faults: Fault[];
  private readonly counters = new Map<string, number>();

  public constructor(
    faults: readonly Fault[] = [],
    private readonly seed = 42,
  ) {
    this.faults = [...faults];
  }

  /** Replace the faults (benchmarks and tests change them between audits). */
  public set(faults: readonly Fault[]): void {
    this.faults.splice(0, this.faults.length, ...faults);
  }

  public decide(service: SimService, operation: string): FaultDecision {
    let delayMs = 0;
    let failure: FaultDecision['failure'];
    let bytes: number | undefined;
    for (const f of this.faults) {
      if (f.service !== '*' && f.service !== service) continue;
      if (f.operation && f.operation !== operation) continue;
      if (f.rate < 1 && !this.hit(`${service}:${operation}:${f.kind}`, f.rate)) continue;
      if (f.kind === 'latency') delayMs += f.ms;
      else if (!failure) {
        failure = f.kind;
        bytes = f.bytes;
      }
    }
    if (!failure) return { delayMs };
    return { delayMs, failure, ...(failure === 'oversized' ? { bytes: bytes ?? HOSTILE_BYTES } : {}) };
  }

  /** Deterministic Bernoulli draw: mulberry32 over a per-key counter. */
  private hit(key: string, rate: number): boolean {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    let h = this.seed ^ n;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x9e3779b1);
    let t = (h + 0x6d2b79f5) | 0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 < rate;
  }
}

/** Sleep that a stopping server can cut short (its stop signal keeps no listener per request). */
export const delay = pause;
