import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAdminCommand } from '../../scripts/create-admin.js';
import { createClientCommand } from '../../scripts/create-client.js';
import { importMembersCommand } from '../../scripts/import-members.js';
import { type Command, execute } from '../../scripts/lib/context.js';
import { withCheckDigit } from '../../src/members/membership-number.js';
import { secretsAsEnv } from '../../src/security/keys.js';
import { startTestApp, type TestApp, testSecrets, uniqueDbName } from '../support/app.js';

/**
 * The operator commands under scripts/, against the same database as a running provider: clear
 * errors and a non-zero status on failure. They run in this process on the test app's context;
 * one run as a process (npm's way) shows that the real entry point, configuration and connection
 * work too.
 */
let app: TestApp;
const dbName = uniqueDbName('commands');
const dir = mkdtempSync(join(tmpdir(), 'jmb-commands-'));

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function command(main: Command, args: string[]): Promise<CommandResult> {
  const result = { code: -1, stdout: '', stderr: '' };
  result.code = await execute(main, args, {
    stdout: (text) => {
      result.stdout += text;
    },
    stderr: (text) => {
      result.stderr += text;
    },
    readStdin: async () => '',
    withApp: (work) => work(app.context),
  });
  return result;
}

function envOf(lines: string): Record<string, string> {
  return Object.fromEntries(
    lines
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'|'$/g, '')]),
  );
}

function spawnCommand(script: string, args: string[]): Promise<CommandResult> {
  const uri = new URL(process.env.TEST_MONGODB_URI!);
  uri.pathname = `/${dbName}`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        NODE_ENV: 'test',
        ISSUER: app.issuer,
        MONGODB_URI: uri.href,
        LOG_LEVEL: 'silent',
        ...envOf(secretsAsEnv(testSecrets())),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end();
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  app = await startTestApp({ dbName });
});

afterAll(async () => {
  await app?.close();
});

describe('create-admin', () => {
  it('creates an admin and prints a one-time enrolment link (run as a process)', async () => {
    const result = await spawnCommand('create-admin', [
      '--email',
      'Ops@Example.jp',
      '--name',
      'Ops',
      '--role',
      'viewer',
    ]);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { admin: { email: string; status: string }; enrolment_link: string };
    expect(out.admin).toMatchObject({ email: 'ops@example.jp', status: 'pending' });
    expect(out.enrolment_link).toMatch(new RegExp(`^${app.issuer}/admin/enrol/[A-Za-z0-9_-]{43}$`));
    expect((await fetch(out.enrolment_link)).status).toBe(200);
  });

  it.each([
    [['--name', 'X', '--role', 'editor'], /--email is required/],
    [['--email', 'x@example.jp', '--name', 'X', '--role', 'boss'], /--role must be viewer or editor/],
    [['--email', 'ops@example.jp', '--name', 'Again', '--role', 'editor'], /email: is already an admin/],
  ])('refuses %j clearly', async (args, message) => {
    const result = await command(createAdminCommand, args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('create-client', () => {
  it('registers a service client for the admin API and prints its secret once', async () => {
    const result = await command(createClientCommand, [
      '--name',
      'Nightly report',
      '--kind',
      'service',
      '--admin-role',
      'viewer',
    ]);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, string>;
    expect(out).toMatchObject({ kind: 'service', admin_role: 'viewer', admin_api: `${app.issuer}/api/admin` });
    expect(out.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('registers a web app with a back-channel logout URI', async () => {
    const flights = (...more: string[]) =>
      command(createClientCommand, [
        ...['--name', 'Flights', '--kind', 'web', '--redirect-uri', 'https://flights.example.jp/cb'],
        ...more,
      ]);
    const result = await flights(
      '--backchannel-logout-uri',
      'https://flights.example.jp/oidc/backchannel-logout',
      '--backchannel-logout-session-required',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      backchannel_logout_uri: 'https://flights.example.jp/oidc/backchannel-logout',
      backchannel_logout_session_required: true,
    });
    const refused = await flights('--backchannel-logout-uri', 'https://10.0.0.8/logout');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /Error: backchannelLogoutUri: https:\/\/10\.0\.0\.8\/logout must not point at a loopback, private or link-local address/,
    );
  });

  it('refuses a bad redirect URI with the reason', async () => {
    const result = await command(createClientCommand, [
      '--name',
      'Bad',
      '--kind',
      'web',
      '--redirect-uri',
      'http://example.com/cb',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Error: redirectUris: http:\/\/example\.com\/cb must use https/);
  });
});

describe('import-members', () => {
  const header = 'membership_number,family_name,given_name,country,email,phone,notification,locale';

  it('reports every bad row with its line number and imports nothing', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(
      file,
      [
        header,
        '123456782,山田,太郎,JP,taro@example.jp,090-1234-5678,sms,ja',
        '123456789,Bad,Check,JP,bad@example.jp,,email,en',
        '100000009,"Quoted, Name",X,JP,ab..cd@example.jp,,email,en',
        '100000017,Dup,Number,JP,taro@example.jp,,email,en',
        '100000025,No,Country,Japan,,,email,en',
      ].join('\n'),
    );
    const result = await command(importMembersCommand, [file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:3: membership_number must be 9 digits whose last is the check digit`);
    expect(result.stderr).toContain(
      `${file}:4: email The part before the @ must not contain consecutive periods (..).`,
    );
    expect(result.stderr).toContain(`${file}:5: email is also on line 2`);
    expect(result.stderr).toContain(`${file}:6: country must be an ISO 3166-1 alpha-2 code such as JP`);
    expect(result.stderr).toContain(`${file}:6: notification email needs an e-mail address`);
    expect(result.stderr).toMatch(/nothing was imported/);
    expect(await app.connection.collection('members').countDocuments()).toBe(0);
  });

  it('imports valid rows, and a second run changes nothing', async () => {
    const file = join(dir, 'good.csv');
    writeFileSync(
      file,
      [
        header,
        '123456782,山田,太郎,JP,taro@example.jp,090-1234-5678,sms,ja',
        '100000009,"Smith, Jr.",Anna,GB,anna@example.co.uk,,email,en',
        '',
      ].join('\r\n'),
    );
    const first = await command(importMembersCommand, [file]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ created: 2, updated: 0, unchanged: 0 });
    const second = await command(importMembersCommand, [file]);
    expect(JSON.parse(second.stdout)).toEqual({ created: 0, updated: 0, unchanged: 2 });
    const anna = await app.context.members.findByMembershipNumber('100000009');
    expect(anna).toMatchObject({ familyName: 'Smith, Jr.', countryOfResidence: 'GB', email: 'anna@example.co.uk' });
    writeFileSync(file, [header, '100000009,Smith,Anna,GB,anna@example.co.uk,,email,en'].join('\n'));
    expect(JSON.parse((await command(importMembersCommand, [file])).stdout)).toEqual({
      created: 0,
      updated: 1,
      unchanged: 0,
    });
  });

  it('accepts Argon2id and earlier scrypt password hashes, and refuses anything else', async () => {
    // Both for the password 'correct horse battery staple': one from the reference Argon2 library, one as this provider wrote scrypt.
    const argon2id =
      '$argon2id$v=19$m=19456,t=2,p=1$am1iLXRlc3Qtc2FsdC0xNg$0n63yHWM4/8guToPoQOQGNNjFsGjTrqe0E1vEa/WA4g';
    const scrypt = 'scrypt$15$8$1$c2NyeXB0LXNhbHQtMDAxNg$TVUYfG7ViOm9XZ_C6-tdTC0eL6cDnX1-dkxfPwh3cbY';
    const [a, b, c] = ['20000001', '20000002', '20000003'].map(withCheckDigit);
    const file = join(dir, 'hashes.csv');
    // The PHC string has commas, so it is quoted.
    const rows = [
      'membership_number,family_name,given_name,country,email,password_hash',
      `${a},Argon,Aki,JP,aki@example.jp,"${argon2id}"`,
      `${b},Scrypt,Sora,JP,sora@example.jp,${scrypt}`,
    ];
    writeFileSync(
      file,
      [
        ...rows,
        `${c},Plain,Pat,JP,pat@example.jp,a plain password`,
        `${c},Unquoted,Uma,JP,uma@example.jp,${argon2id}`,
      ].join('\n'),
    );
    const refused = await command(importMembersCommand, [file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${file}:4: password_hash must be an Argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash) or a scrypt$… hash`,
    );
    expect(refused.stderr).toContain(
      `${file}:5: row has 8 fields, the header has 6 (an Argon2id hash has commas: put it in double quotes)`,
    );
    expect(refused.stderr).not.toContain(`${file}:2:`);
    expect(refused.stderr).not.toContain(`${file}:3:`);

    writeFileSync(file, rows.join('\n'));
    const imported = await command(importMembersCommand, [file]);
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout)).toEqual({ created: 2, updated: 0, unchanged: 0 });
    for (const membershipNumber of [a, b]) {
      const result = await app.context.members.authenticateWithPassword({
        membershipNumber: membershipNumber!,
        password: 'correct horse battery staple',
        ip: '192.0.2.1',
      });
      expect(result.ok).toBe(true);
    }
  });

  it('refuses a conflict with another member in the database', async () => {
    const file = join(dir, 'conflict.csv');
    writeFileSync(file, [header, '100000017,Other,Person,JP,taro@example.jp,,email,ja'].join('\n'));
    const result = await command(importMembersCommand, [file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:2: email belongs to member 123456782`);
  });
});
