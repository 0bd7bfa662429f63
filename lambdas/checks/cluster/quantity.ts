/**
 * Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity): decimal SI suffixes (n, u, m, k,
 * M, G, T, P, E), binary suffixes (Ki, Mi, Gi, Ti, Pi, Ei) and exponents (`1e3`). metrics-server reports CPU
 * in nanocores (`12345678n`) and memory in kibibytes (`1318912Ki`).
 */
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a quantity in base units (cores, bytes), or undefined when it is not one. */
export function quantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(
    q.trim(),
  );
  if (!m) return undefined;
  return Number(m[1]) * SUFFIX[m[2] ?? '']!;
}

/** Share of a limit at which a container has no headroom left (coderd-resources). */
export const NEAR_LIMIT = 0.9;
