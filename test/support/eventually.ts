/** Waits for what is sent in the background (codes are sent after the page has answered). */
export async function eventually<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  for (const start = Date.now(); Date.now() - start < ms; await new Promise((resolve) => setTimeout(resolve, 25))) {
    const value = probe();
    if (value !== undefined) return value;
  }
  throw new Error(`nothing arrived within ${ms} ms`);
}
