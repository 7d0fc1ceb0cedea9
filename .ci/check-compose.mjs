/**
 * Checks compose.yaml without Docker (which cannot run here): the YAML (anchors and merge keys
 * resolved as Compose does), the Compose Specification's JSON schema (vendored from compose-go,
 * see compose-spec/README.md), references between services, volumes and files, and the app
 * services' environment against the provider's own configuration rules (src/config.ts), with
 * secrets as `npm run generate-keys` prints them. Needs `ajv` and `yaml` (.ci/run installs them into .ci/node_modules).
 *
 *   node .ci/check-compose.mjs [compose.yaml]
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { tsImport } from 'tsx/esm/api';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = process.argv[2] ?? join(root, 'compose.yaml');
const problems = [];
const problem = (message) => problems.push(message);

const compose = parse(readFileSync(file, 'utf8'), { merge: true, uniqueKeys: true });

const ajv = new Ajv2020({ allErrors: true, strict: false });
const schema = JSON.parse(readFileSync(join(root, '.ci', 'compose-spec', 'compose-spec.json'), 'utf8'));
if (!ajv.validate(schema, compose)) {
  for (const error of ajv.errors)
    problem(`schema: ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
}

// The schema lets strings stand for numbers and durations (they may be ${VARIABLES}, resolved
// before Compose converts them); this file uses none, so check what Compose would convert.
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const services = compose.services ?? {};
for (const [name, service] of Object.entries(services)) {
  const durations = {
    stop_grace_period: service.stop_grace_period,
    ...Object.fromEntries(
      ['interval', 'timeout', 'start_period', 'start_interval'].map((k) => [
        `healthcheck.${k}`,
        service.healthcheck?.[k],
      ]),
    ),
  };
  for (const [key, value] of Object.entries(durations))
    if (value !== undefined && !GO_DURATION.test(String(value)))
      problem(`${name}: ${key} "${value}" is not a duration such as 5s or 1m30s`);
  if (service.healthcheck?.retries !== undefined && !Number.isInteger(service.healthcheck.retries))
    problem(`${name}: healthcheck.retries must be a whole number`);
}
const volumes = Object.keys(compose.volumes ?? {});
for (const [name, service] of Object.entries(services)) {
  const needs = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
  for (const other of needs) if (!services[other]) problem(`${name}: depends_on names no service "${other}"`);
  for (const mount of service.volumes ?? []) {
    const source = String(mount).split(':')[0];
    if (source.startsWith('.')) {
      if (!existsSync(join(dirname(file), source))) problem(`${name}: mounts ${source}, which does not exist`);
    } else if (!volumes.includes(source)) problem(`${name}: volume "${source}" is not declared under volumes`);
  }
}

// The app services: what the provider's configuration check says about their environment.
const { loadConfig } = await tsImport(join(root, 'src', 'config.ts'), import.meta.url);
const { generateSecrets, secretsAsEnv } = await tsImport(join(root, 'src', 'security', 'keys.ts'), import.meta.url);
const generated = Object.fromEntries(
  secretsAsEnv(generateSecrets())
    .split('\n')
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'|'$/g, '')]),
);
const apps = Object.entries(services).filter(([, service]) => service.build);
if (apps.length < 2)
  problem(`expected the production image at least twice, found ${apps.length} service(s) with build`);
const ignored = readFileSync(join(root, '.gitignore'), 'utf8').split('\n');
for (const [name, service] of apps) {
  const envFiles = [service.env_file ?? []].flat().map((entry) => (typeof entry === 'string' ? entry : entry.path));
  for (const envFile of envFiles)
    if (!ignored.includes(envFile)) problem(`${name}: env_file ${envFile} holds secrets but is not in .gitignore`);
  // NODE_ENV=production comes from the Dockerfile; Vonage credentials are the operator's.
  const env = {
    NODE_ENV: 'production',
    ...generated,
    VONAGE_API_KEY: 'placeholder',
    VONAGE_API_SECRET: 'placeholder',
    ...service.environment,
  };
  try {
    const config = loadConfig(env);
    // mongodb://host1,host2,host3/db?options: several hosts, which WHATWG URL does not parse.
    const [, hostList = '', query = ''] = /^mongodb:\/\/([^/?]+)[^?]*\??(.*)$/.exec(config.mongodbUri) ?? [];
    const hosts = hostList.split(',');
    const replicaSet = new URLSearchParams(query).get('replicaSet');
    if (hosts.length < 3) problem(`${name}: MONGODB_URI names ${hosts.length} host(s); a replica set wants three`);
    if (!replicaSet) problem(`${name}: MONGODB_URI has no replicaSet`);
    for (const host of hosts) {
      const member = services[host.split(':')[0]];
      if (!member) problem(`${name}: MONGODB_URI names ${host}, which is no service`);
      else if (![member.command ?? []].flat().join(' ').includes(`--replSet ${replicaSet}`))
        problem(`${name}: ${host} does not run with --replSet ${replicaSet}`);
    }
    const smtpHost = new URL(config.mail.url).hostname;
    if (!services[smtpHost]) problem(`${name}: SMTP_URL names ${smtpHost}, which is no service`);
  } catch (error) {
    problem(`${name}: the provider would refuse to start: ${error.message}`);
  }
}

// The proxy forwards to every app instance, on the port it listens on (PORT, 3000 in the image).
const caddyfile = Object.values(services)
  .flatMap((service) => service.volumes ?? [])
  .map(String)
  .find((mount) => mount.includes(':/etc/caddy/Caddyfile'));
const upstreams = caddyfile
  ? (/reverse_proxy\s+([^{\n]+)/.exec(readFileSync(join(dirname(file), caddyfile.split(':')[0]), 'utf8'))?.[1] ?? '')
      .trim()
      .split(/\s+/)
  : [];
const expected = apps.map(([name, service]) => `${name}:${service.environment?.PORT ?? 3000}`);
if (upstreams.sort().join(' ') !== expected.sort().join(' '))
  problem(`the proxy forwards to [${upstreams.join(', ')}], expected [${expected.join(', ')}]`);

if (problems.length > 0) {
  process.stderr.write(`${file}:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(
  `${file}: valid (Compose Specification schema, ${Object.keys(services).length} services, ${apps.length} app instances accepted by src/config.ts)\n`,
);
