import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { verifyRegistrationResponse } from '@simplewebauthn/server';
import mongoose from 'mongoose';
import type { SoftAuthenticator } from '../test/support/soft-authenticator.js';
import { projectRoot, runCommand } from './processes.js';

/**
 * The same members and apps on both sides. Ours through the product's own compiled commands
 * (create-client, import-members) and, for passkeys, which no command registers, through its
 * compiled passkey library with a software authenticator; theirs straight into its collections.
 */
export interface BenchMember {
  membershipNumber: string;
  password: string;
  passwordHash: string;
  familyName: string;
  givenName: string;
  email: string;
}

export interface Apps {
  web: { id: string; secret: string; redirectUri: string };
  service: { id: string; secret: string };
}

export const REDIRECT_URI = 'https://rp.bench.invalid/callback';
const WEB_ID = 'bench-web';
const SERVICE_ID = 'bench-service';

/** The product's compiled modules, typed by their sources. */
export const dist = <T>(path: string): Promise<T> =>
  import(pathToFileURL(join(projectRoot, 'dist', path)).href) as Promise<T>;

export async function benchMembers(count: number): Promise<BenchMember[]> {
  const { hashPassword } = await dist<typeof import('../src/members/password.js')>('src/members/password.js');
  const { withCheckDigit } = await dist<typeof import('../src/members/membership-number.js')>(
    'src/members/membership-number.js',
  );
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const password = `bench-${randomBytes(9).toString('base64url')}`;
      return {
        membershipNumber: withCheckDigit(String(70_000_000 + i)),
        password,
        passwordHash: await hashPassword(password),
        familyName: '日本',
        givenName: `会員${i}`,
        email: `member${i}@bench.example.jp`,
      };
    }),
  );
}

function csv(members: BenchMember[]): string {
  // Quoted: an Argon2id PHC string has commas.
  const rows = members.map((m) =>
    [m.membershipNumber, m.familyName, m.givenName, 'JP', m.email, `"${m.passwordHash}"`].join(','),
  );
  return `${['membership_number,family_name,given_name,country,email,password_hash', ...rows].join('\n')}\n`;
}

export async function provisionOurs(
  env: Record<string, string>,
  members: BenchMember[],
  authenticators: SoftAuthenticator[],
  workDir: string,
): Promise<Apps> {
  const command = async (name: string, args: string[]) =>
    JSON.parse(await runCommand([join('dist/scripts', `${name}.js`), ...args], env)) as Record<string, string>;
  const web = await command('create-client', [
    '--name',
    'Bench web app',
    '--kind',
    'web',
    '--client-id',
    WEB_ID,
    '--first-party',
    '--redirect-uri',
    REDIRECT_URI,
  ]);
  const service = await command('create-client', [
    '--name',
    'Bench service',
    '--kind',
    'service',
    '--client-id',
    SERVICE_ID,
    '--admin-role',
    'viewer',
  ]);
  const file = join(workDir, 'members.csv');
  writeFileSync(file, csv(members));
  await command('import-members', [file]);

  const { loadConfig } = await dist<typeof import('../src/config.js')>('src/config.js');
  const { connectDatabase } = await dist<typeof import('../src/db/connection.js')>('src/db/connection.js');
  const { createAppContext } = await dist<typeof import('../src/app.js')>('src/app.js');
  const { createLogger } = await dist<typeof import('../src/log.js')>('src/log.js');
  const { systemClock } = await dist<typeof import('../src/clock.js')>('src/clock.js');
  const { memberAsOwner } = await dist<typeof import('../src/passkeys/library.js')>('src/passkeys/library.js');
  const config = loadConfig(env);
  const connection = await connectDatabase(config.mongodbUri!);
  try {
    const app = await createAppContext({
      config,
      secrets: config.secrets!,
      connection,
      logger: createLogger('silent'),
      clock: systemClock,
    });
    for (const [i, member] of members.entries()) {
      const owner = memberAsOwner((await app.members.findByMembershipNumber(member.membershipNumber))!);
      const options = await app.passkeys.registrationOptions(owner, 'bench');
      const result = await app.passkeys.register({
        owner,
        binding: 'bench',
        response: authenticators[i]!.register(options) as never,
        defaultName: () => 'Bench passkey',
      });
      if (!result.ok) throw new Error(`passkey registration refused: ${result.reason}`);
    }
  } finally {
    await connection.close();
  }
  return {
    web: { id: WEB_ID, secret: web.client_secret!, redirectUri: REDIRECT_URI },
    service: { id: SERVICE_ID, secret: service.client_secret! },
  };
}

/** oidc-provider's clients, with the metadata the product gives the same kinds of app. */
export function theirApps(): { apps: Apps; metadata: Array<Record<string, unknown>> } {
  const apps: Apps = {
    web: { id: WEB_ID, secret: randomBytes(32).toString('base64url'), redirectUri: REDIRECT_URI },
    service: { id: SERVICE_ID, secret: randomBytes(32).toString('base64url') },
  };
  const metadata = [
    {
      client_id: WEB_ID,
      client_secret: apps.web.secret,
      client_name: 'Bench web app',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid profile email phone membership offline_access',
    },
    {
      client_id: SERVICE_ID,
      client_secret: apps.service.secret,
      client_name: 'Bench service',
      redirect_uris: [],
      response_types: [],
      grant_types: ['client_credentials'],
    },
  ];
  return { apps, metadata };
}

export async function provisionTheirs(
  uri: string,
  issuer: string,
  members: BenchMember[],
  authenticators: SoftAuthenticator[],
): Promise<void> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const origin = new URL(issuer).origin;
    const rpId = new URL(issuer).hostname;
    for (const [i, member] of members.entries()) {
      const accountId = randomUUID();
      const claims = {
        name: `${member.familyName} ${member.givenName}`,
        family_name: member.familyName,
        given_name: member.givenName,
        locale: 'ja',
        email: member.email,
        email_verified: true,
        membership_number: member.membershipNumber,
      };
      await connection.collection('accounts').insertOne({
        _id: accountId as never,
        membershipNumber: member.membershipNumber,
        passwordHash: member.passwordHash,
        claims,
      });
      const challenge = randomBytes(32).toString('base64url');
      const response = authenticators[i]!.register({
        challenge,
        rp: { id: rpId },
        user: { id: Buffer.from(accountId).toString('base64url') },
      });
      const { registrationInfo } = await verifyRegistrationResponse({
        response: response as never,
        expectedChallenge: challenge,
        expectedOrigin: origin,
        expectedRPID: rpId,
        requireUserVerification: true,
      });
      const { id, publicKey, counter } = registrationInfo!.credential;
      await connection
        .collection('credentials')
        .insertOne({ _id: id as never, accountId, publicKey: Buffer.from(publicKey), counter });
    }
  } finally {
    await connection.close();
  }
}
