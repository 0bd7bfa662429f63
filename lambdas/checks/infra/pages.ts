import type { CollectContext } from '../../audit/group.js';

/** The SDK call options of a collector's read: its group deadline aborts it. */
export function opts(ctx: CollectContext): { abortSignal: AbortSignal } {
  return { abortSignal: ctx.signal };
}

/** Concatenate the items of every page. */
export async function pages<P, T>(
  paginator: AsyncIterable<P>,
  items: (page: P) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of paginator) out.push(...(items(page) ?? []));
  return out;
}
