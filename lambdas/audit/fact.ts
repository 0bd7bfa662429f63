import { DeadlineError, FactUnavailableError, describeError } from './errors.js';

/** One collected fact: either its value, or why it could not be read. */
export type Fact<T> = { ok: true; value: T } | { ok: false; name: string; error: string };

/** Await `work`, but never past `signal`: a failure or an abort becomes a failed fact, never a throw. */
export async function settle<T>(
  name: string,
  work: () => Promise<T>,
  signal?: AbortSignal,
): Promise<Fact<T>> {
  if (signal?.aborted) return { ok: false, name, error: abortReason(signal) };
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<Fact<T>>((resolve) => {
    onAbort = () => resolve({ ok: false, name, error: abortReason(signal!) });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const done = work().then(
      (value): Fact<T> => ({ ok: true, value }),
      (err: unknown): Fact<T> => ({ ok: false, name, error: describeError(err) }),
    );
    return await (signal ? Promise.race([done, aborted]) : done);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof DeadlineError) return r.message;
  return r instanceof Error ? describeError(r) : 'aborted';
}

/** The value of a fact, or throw so that the runner turns the check's result into an `error` finding. */
export function need<T>(fact: Fact<T>): T {
  if (fact.ok) return fact.value;
  throw new FactUnavailableError(fact.name, fact.error);
}

/** A fact that is known without I/O. */
export function known<T>(value: T): Fact<T> {
  return { ok: true, value };
}
