/**
 * One database server for the whole run: MONGODB_URI if set, else mongodb-memory-server, else the
 * Java in-memory server (EMBEDDED_MONGO=java goes straight to it; nothing is kept on disk either
 * way). Workers inherit TEST_MONGODB_URI; each test file uses its own database.
 *
 * Plain JavaScript: Jest loads global setup outside its module system, so the TypeScript source is
 * imported through tsx.
 */
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  console.log(`\n[tests] Node.js ${process.version}`);
  // Found (and, for the npm one, decompressed) once here rather than by two workers at a time.
  // Without one, only the browser tests fail (their launch asks again and gets the same error).
  const { chromiumExecutable } = await tsImport('./chromium-binary.ts', import.meta.url);
  await chromiumExecutable().then(
    (path) => {
      process.env.CHROMIUM_PATH = path;
      console.log(`\n[tests] Chromium for the browser tests: ${path}`);
    },
    (error) => console.log(`\n[tests] ${error.message}`),
  );
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const { startEmbeddedMongo } = await tsImport('../../src/dev/embedded-mongo.ts', import.meta.url);
  const { loadConfig } = await tsImport('../../src/config.ts', import.meta.url);
  const engine = loadConfig({ EMBEDDED_MONGO: process.env.EMBEDDED_MONGO }).embeddedMongo;
  const mongo = await startEmbeddedMongo({ engine, log: (line) => console.log(`\n[test database] ${line}`) });
  globalThis.__EMBEDDED_MONGO__ = mongo;
  process.env.TEST_MONGODB_URI = mongo.uri;
  console.log(`\n[test database] ${mongo.kind} at ${mongo.uri}`);
}
