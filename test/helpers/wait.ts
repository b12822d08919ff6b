// Waiting in tests for something that happens in the background (a delivery, a job), with a deadline.

/** Resolves with the first value `probe` gives that is not undefined; fails naming `what` after the deadline. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
