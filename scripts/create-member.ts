/**
 * Creates a member and prints the record (without the password hash) as JSON.
 *
 *   npm run create-member -- --family-name 日本 --given-name 花子 --country JP \
 *     [--email hanako@example.jp] [--phone 090-1234-5678] [--notification email|sms] [--locale ja|en] \
 *     [--membership-number 123456782] [--password-stdin]
 *
 * The password is never taken from the command line (it would show in the process list): pipe it
 * with --password-stdin, or let the command generate one and print it once.
 */
import { randomBytes } from 'node:crypto';
import { type CommandIo, commandOptions, runAsEntryPoint, UsageError } from './lib/context.js';

export async function createMemberCommand(argv: string[], io: CommandIo): Promise<void> {
  const values = commandOptions(argv, {
    'family-name': { type: 'string' },
    'given-name': { type: 'string' },
    email: { type: 'string' },
    phone: { type: 'string' },
    country: { type: 'string' },
    notification: { type: 'string' },
    locale: { type: 'string' },
    'membership-number': { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
  });
  for (const required of ['family-name', 'given-name', 'country'] as const) {
    if (!values[required]) throw new UsageError(`--${required} is required`);
  }
  const generated = values['password-stdin'] ? undefined : randomBytes(12).toString('base64url');
  const password = generated ?? (await io.readStdin()).replace(/\r?\n$/, '');
  await io.withApp(async (app) => {
    const member = await app.members.create({
      familyName: values['family-name']!,
      givenName: values['given-name']!,
      email: values.email,
      phone: values.phone,
      countryOfResidence: values.country!,
      notificationChannel: (values.notification as 'email' | 'sms' | undefined) ?? (values.email ? 'email' : 'sms'),
      locale: values.locale as 'ja' | 'en' | undefined,
      membershipNumber: values['membership-number'],
      password,
    });
    await app.audit.record({ type: 'member.created', outcome: 'success', memberId: member._id, actor: 'command' });
    const { passwordHash: _omit, ...shown } = member;
    io.stdout(`${JSON.stringify({ ...shown, ...(generated ? { initialPassword: generated } : {}) }, null, 2)}\n`);
  });
}

runAsEntryPoint(import.meta.url, createMemberCommand);
