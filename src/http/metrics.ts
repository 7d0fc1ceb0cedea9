import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, Middleware } from 'koa';
import type { Metrics } from '../observability/metrics.js';
import { sameSecret } from '../security/hmac.js';

/**
 * The HTTP side of the metrics: request durations by route pattern, and the /metrics scrape,
 * either on a port of its own (METRICS_PORT, not the public one) or on the public port behind
 * METRICS_TOKEN.
 */

/**
 * The route pattern, never the path: our router's pattern (/interaction/:uid/login), or the name
 * oidc-provider gives its endpoint (token, userinfo, authorization); anything else is `other`.
 */
function routeOf(ctx: Context): string {
  const matched = ctx as Context & { _matchedRoute?: unknown; _matchedRouteName?: unknown };
  // oidc-provider names its routes (its router sets the pattern too); ours have only the pattern.
  if (typeof matched._matchedRouteName === 'string') return matched._matchedRouteName;
  if (typeof matched._matchedRoute === 'string') return matched._matchedRoute;
  if (ctx.path.startsWith('/static/')) return 'static';
  return 'other';
}

/** The first middleware: it sees every answer, error pages and static files included. */
export function measureRequests(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    let status: number | undefined;
    try {
      await next();
    } catch (error) {
      status = (error as { status?: number }).status ?? 500;
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics.httpRequest({ method: ctx.method, route: routeOf(ctx), status: status ?? ctx.status }, seconds);
    }
  };
}

async function scrape(metrics: Metrics): Promise<{ type: string; body: string }> {
  return { type: metrics.registry.contentType, body: await metrics.registry.metrics() };
}

/** GET /metrics on the public port: only with `Authorization: Bearer <METRICS_TOKEN>`. */
export function metricsEndpoint(metrics: Metrics, token: string): Middleware {
  return async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const given = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
    if (!given || !sameSecret(given, token)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = { error: 'invalid_token', error_description: 'a valid metrics bearer token is required' };
      return;
    }
    const { type, body } = await scrape(metrics);
    ctx.type = type;
    ctx.body = body;
  };
}

export interface MetricsServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** A second, tiny HTTP server for Prometheus alone: GET /metrics, nothing else. */
export async function startMetricsServer(
  metrics: Metrics,
  options: { port: number; host: string },
): Promise<MetricsServer> {
  const answer = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics')
      return answer(res, 404, 'text/plain', 'Not found: the metrics are at GET /metrics\n');
    scrape(metrics).then(
      ({ type, body }) => answer(res, 200, type, body),
      () => answer(res, 500, 'text/plain', 'The metrics could not be collected\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
