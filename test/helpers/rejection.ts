/** The name, message and HTTP status of an SDK call's rejection; throws when the call succeeds. */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected a rejection');
}
