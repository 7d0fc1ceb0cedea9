/**
 * OpenTelemetry tracing, loaded before the application with `node --import` (npm start and the
 * Dockerfile do so): instrumentations can only patch http, Koa and the MongoDB driver when they
 * are in place before those modules are first imported, which no import inside main.ts can
 * guarantee for ES modules. Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or its traces variant) is
 * set: then not one OpenTelemetry package is loaded.
 */
const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (endpoint && process.env.OTEL_SDK_DISABLED !== 'true') {
  const { startTracing } = await import('./otel.js');
  await startTracing();
}
