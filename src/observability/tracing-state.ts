/**
 * Whether tracing.ts started the OpenTelemetry SDK in this process, and how to flush it on
 * shutdown. A module of its own, without side effects, so main.ts can import it without starting
 * anything.
 */
let shutdown: (() => Promise<void>) | undefined;

export function tracingStarted(stop: () => Promise<void>): void {
  shutdown = stop;
}

export const tracingActive = (): boolean => shutdown !== undefined;

/** Sends the spans still buffered; a no-op when tracing is off. */
export async function stopTracing(): Promise<void> {
  await shutdown?.();
}
