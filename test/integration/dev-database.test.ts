import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createAppContext } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { connectDatabase } from '../../src/db/connection.js';
import { describeEmbeddedMongo, type EmbeddedMongo, startEmbeddedMongo } from '../../src/dev/embedded-mongo.js';
import { createLogger } from '../../src/log.js';
import { testSecrets } from '../support/app.js';

/**
 * The development database of `npm start` (startEmbeddedMongo with a data directory) keeps what
 * was written: a restart on the same directory finds it. Started with EMBEDDED_MONGO=java so that
 * no machine spends seconds on a mongod download first; the restart uses `auto`, as npm start does.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'jmb-dev-db-'));
const running: EmbeddedMongo[] = [];
const HANAKO = {
  membershipNumber: '400000006',
  password: 'a-long-enough-password',
  familyName: '山田',
  givenName: '花子',
  email: 'hanako@example.jp',
  phone: '+819087654321',
  countryOfResidence: 'JP',
  locale: 'ja' as const,
  notificationChannel: 'email' as const,
};

async function appOn(mongo: EmbeddedMongo): Promise<{ app: AppContext; close(): Promise<void> }> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', OUTBOX_FILE: join(dataDir, 'outbox.jsonl') });
  const connection = await connectDatabase(mongo.uri);
  const app = await createAppContext({
    config,
    secrets: testSecrets(),
    connection,
    logger: createLogger('silent'),
    clock: systemClock,
  });
  return { app, close: () => connection.close() };
}

async function start(engine: 'auto' | 'java', log: string[] = []): Promise<EmbeddedMongo> {
  const mongo = await startEmbeddedMongo({ dataDir, engine, log: (line) => log.push(line) });
  running.push(mongo);
  return mongo;
}

afterAll(async () => {
  for (const mongo of running) await mongo.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded development database', () => {
  it('finds the member created before a restart, and still enforces unique membership numbers', async () => {
    const first = await start('java');
    expect(first.kind).toBe('java-h2');
    expect(describeEmbeddedMongo(first)).toContain(
      `keeps its data in ${join(dataDir, 'mongo-java')}; to start afresh, stop the server and delete that folder`,
    );
    const before = await appOn(first);
    const member = await before.app.members.create(HANAKO);
    await before.close();
    // Stopped right after the write: the clean shutdown writes out what the store's background
    // commit (about once a second) may not have written yet.
    await first.stop();

    const log: string[] = [];
    const second = await start('auto', log);
    expect(second.kind).toBe('java-h2');
    expect(log.join('\n')).not.toMatch(/mongod/); // the store decides; no download is tried
    const after = await appOn(second);
    const found = await after.app.members.findByMembershipNumber('400000006');
    expect(found).toMatchObject({ _id: member._id, email: 'hanako@example.jp', familyName: '山田' });
    await expect(
      after.app.members.create({ ...HANAKO, email: 'other@example.jp', phone: '+819011112222' }),
    ).rejects.toThrow('membershipNumber: is already registered to another member');
    await after.close();
    await second.stop();
  });

  it('refuses a second server on the same data directory, naming the reason', async () => {
    await start('java');
    await expect(start('java')).rejects.toThrow(/mongo-java\/store\.mv is in use by another server/);
  });
});
