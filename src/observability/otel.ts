import type { IncomingMessage } from 'node:http';
import { register } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation, KoaLayerType } from '@opentelemetry/instrumentation-koa';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { NetInstrumentation } from '@opentelemetry/instrumentation-net';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { tracingStarted } from './tracing-state.js';

/**
 * The SDK, configured by the standard OTEL_* variables (endpoint, protocol, headers, sampler,
 * service name, resource attributes). Spans for incoming HTTP, Koa routes, MongoDB commands
 * (statements with their values replaced by "?"), fetch (Vonage) and outgoing TCP/TLS
 * connections (SMTP). Traces only: metrics are Prometheus' (/metrics), logs are pino's.
 */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

export async function startTracing(): Promise<void> {
  // ES modules (ours, Koa's entry) are patched through this loader hook; CommonJS ones (the MongoDB
  // driver) through require hooks the instrumentations set up themselves.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'jmb-idp',
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes every few seconds would drown the traces that matter.
        ignoreIncomingRequestHook: (request: IncomingMessage) => PROBES.has((request.url ?? '').split('?')[0]!),
      }),
      // One span per route, not one per middleware of the stack.
      new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] }),
      new MongoDBInstrumentation(),
      new UndiciInstrumentation(),
      new NetInstrumentation(),
    ],
  });
  sdk.start();
  tracingStarted(() => sdk.shutdown());
}
