# syntax=docker/dockerfile:1
# Production image of the JMB identity provider: Node.js 24 LTS, compiled JavaScript, production
# dependencies only, running as a non-root user. Configuration comes from the environment (see
# README): NODE_ENV=production requires ISSUER (https), TRUST_PROXY=true, MONGODB_URI, JWKS,
# COOKIE_KEYS, HMAC_SECRET, VONAGE_API_KEY/VONAGE_API_SECRET, SMTP_URL and MAIL_FROM.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build

FROM node:24-bookworm-slim AS runtime
# Memory: V8 sizes its heap from the memory it sees. On a large host (a 4 GiB maximum) the old
# generation filled with garbage to ~185 MiB around a ~50 MiB live heap before it was collected;
# with a 1 GiB maximum it is collected sooner (RSS after npm run bench ~200 MiB instead of ~330)
# at no measurable cost, while 384 MiB cost the token endpoints ~10 % CPU. Each half of the young
# generation would grow to 64 MiB; 16 MiB is as fast here.
# glibc keeps up to eight malloc arenas per core, and each keeps the freed 19 MiB blocks of the
# password hashes its threads ran. One arena: the few blocks of the hashes running at once (one per
# core, src/members/password.ts) are reused by the next ones. Returning each block to the system
# instead (a fixed MALLOC_MMAP_THRESHOLD_) cost a third more CPU per password sign-in, the kernel
# mapping and zeroing 19 MiB afresh every time; one arena ends the benchmark at as small an RSS.
# npm run bench runs the product with these settings (bench/run.ts reads them from here).
ENV NODE_ENV=production \
    PORT=3000 \
    NODE_OPTIONS="--max-semi-space-size=16 --max-old-space-size=1024" \
    MALLOC_ARENA_MAX=1
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY views ./views
COPY public ./public
COPY config ./config
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Commands are available in the image too, e.g. `docker run --rm --env-file prod.env IMAGE node dist/scripts/create-client.js --help`
# tracing.js comes first so OpenTelemetry can patch http, Koa and MongoDB (it loads nothing
# unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
CMD ["node", "--import", "./dist/src/observability/tracing.js", "dist/src/main.js"]
