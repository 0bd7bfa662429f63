import { AsyncLocalStorage } from 'node:async_hooks';

/** One external call (AWS operation, Kubernetes request, SQL query, HTTP request). */
export interface CallRecord {
  service: string;
  operation: string;
  /** Identifies the resource read, to detect the same read made twice. */
  resource: string;
  ms: number;
  ok: boolean;
  /**
   * Position in its chain of dependent round trips (1 = needs nothing earlier). A call that is several
   * dependent round trips by protocol (a PostgreSQL connect) advances the chain by that many.
   */
  depth: number;
}

export interface CallSummary {
  total: number;
  /** `service:operation` → count. */
  byOperation: Record<string, number>;
  /** Sum of all call durations: what a sequential script would wait. */
  sumMs: number;
  /** Longest chain of dependent round trips (calls weighted by their protocol round trips). */
  maxDepth: number;
  /** `service:operation resource` read more than once. */
  duplicates: string[];
}

interface Chain {
  depth: number;
}

interface SharedRead<T> {
  promise: Promise<T>;
  chain: Chain;
}

/**
 * Counts external calls per service/operation and tracks how deep the chains of dependent calls are
 * (a call started after another call completed in the same async flow is one level deeper).
 */
export class CallRecorder {
  private readonly records: CallRecord[] = [];
  private readonly als = new AsyncLocalStorage<Chain>();
  private readonly root: Chain = { depth: 0 };
  private readonly memo = new Map<string, SharedRead<unknown>>();

  /**
   * Run `fn` as one recorded call. `roundTrips` is how many dependent network round trips the call is by
   * protocol (default 1: one request, one response).
   */
  public async track<T>(
    service: string,
    operation: string,
    resource: string,
    fn: () => Promise<T>,
    roundTrips = 1,
  ): Promise<T> {
    const parent = this.als.getStore() ?? this.root;
    const depth = parent.depth + roundTrips;
    const started = performance.now();
    let ok = false;
    try {
      const result = await this.als.run({ depth }, fn);
      ok = true;
      return result;
    } finally {
      this.records.push({ service, operation, resource, ms: performance.now() - started, ok, depth });
      if (parent.depth < depth) parent.depth = depth;
    }
  }

  /**
   * Memoize `read` under `key` for the recorder's lifetime (one audit). Every caller, the first or a later one
   * in any group, continues one level deeper than the shared read, exactly as if it had made the call.
   */
  public shared<T>(key: string, read: () => Promise<T>): Promise<T> {
    let entry = this.memo.get(key) as SharedRead<T> | undefined;
    if (!entry) {
      const chain: Chain = { depth: (this.als.getStore() ?? this.root).depth };
      const created: SharedRead<T> = { promise: this.als.run(chain, read), chain };
      this.memo.set(key, created);
      entry = created;
    }
    const { promise, chain } = entry;
    return promise.finally(() => {
      const store = this.als.getStore() ?? this.root;
      if (store.depth < chain.depth) store.depth = chain.depth;
    });
  }

  /** Run `fn` in a fresh branch: calls inside it do not depend on calls that finished elsewhere. */
  public branch<T>(fn: () => Promise<T>): Promise<T> {
    const parent = this.als.getStore() ?? this.root;
    return this.als.run({ depth: parent.depth }, fn);
  }

  public list(): readonly CallRecord[] {
    return this.records;
  }

  public summary(): CallSummary {
    const byOperation: Record<string, number> = {};
    const seen = new Map<string, number>();
    let sumMs = 0;
    let maxDepth = 0;
    for (const r of this.records) {
      const op = `${r.service}:${r.operation}`;
      byOperation[op] = (byOperation[op] ?? 0) + 1;
      sumMs += r.ms;
      maxDepth = Math.max(maxDepth, r.depth);
      const k = `${op} ${r.resource}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    const duplicates = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    return {
      total: this.records.length,
      byOperation: Object.fromEntries(Object.entries(byOperation).sort()),
      sumMs: Math.round(sumMs),
      maxDepth,
      duplicates,
    };
  }
}

/**
 * One summary of several recorders' (the groups' own, in a workflow run): counts and durations add up, the
 * longest chain is the longest of any (the groups run in parallel).
 */
export function mergeCalls(summaries: readonly CallSummary[]): CallSummary {
  const byOperation: Record<string, number> = {};
  let total = 0;
  let sumMs = 0;
  let maxDepth = 0;
  const duplicates: string[] = [];
  for (const c of summaries) {
    total += c.total;
    sumMs += c.sumMs;
    maxDepth = Math.max(maxDepth, c.maxDepth);
    duplicates.push(...c.duplicates);
    for (const [op, n] of Object.entries(c.byOperation)) byOperation[op] = (byOperation[op] ?? 0) + n;
  }
  return {
    total,
    byOperation: Object.fromEntries(Object.entries(byOperation).sort()),
    sumMs,
    maxDepth,
    duplicates,
  };
}
