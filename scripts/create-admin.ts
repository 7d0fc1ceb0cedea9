/**
 * Creates an admin of the admin console and prints a one-time enrolment link (valid 24 hours)
 * with which they register the passkey they will sign in with.
 *
 *   npm run create-admin -- --email ops@example.jp --name "Operations" --role editor
 *   npm run create-admin -- --email ops@example.jp --new-link      (a fresh link for an existing admin)
 *
 * Roles: viewer (read only) or editor (may change clients and members).
 */
import type { Admin } from '../src/admins/model.js';
import { type CommandIo, commandOptions, runAsEntryPoint, UsageError } from './lib/context.js';

export async function createAdminCommand(argv: string[], io: CommandIo): Promise<void> {
  const values = commandOptions(argv, {
    email: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    'new-link': { type: 'boolean', default: false },
  });
  if (!values.email) throw new UsageError('--email is required');
  await io.withApp(async (app) => {
    let admin: Admin | undefined;
    if (values['new-link']) {
      admin = (await app.admins.list()).find((a) => a.email === values.email!.trim().toLowerCase());
      if (!admin) throw new UsageError(`no admin has the e-mail address ${values.email}`);
    } else {
      if (!values.name) throw new UsageError('--name is required');
      if (values.role !== 'viewer' && values.role !== 'editor') throw new UsageError('--role must be viewer or editor');
      admin = await app.admins.create({ email: values.email!, name: values.name, role: values.role });
      await app.audit.record({
        type: 'admin.created',
        outcome: 'success',
        actor: 'command',
        detail: { admin: admin._id, role: admin.role },
      });
    }
    const { link, expiresAt } = await app.admins.createEnrolment(admin);
    io.stdout(
      `${JSON.stringify(
        {
          admin: { id: admin._id, email: admin.email, name: admin.name, role: admin.role, status: admin.status },
          enrolment_link: link,
          expires_at: expiresAt.toISOString(),
        },
        null,
        2,
      )}\n`,
    );
    io.stderr(
      'Send the enrolment link to the admin over a trusted channel: it works once and lets its holder register the admin passkey.\n',
    );
  });
}

runAsEntryPoint(import.meta.url, createAdminCommand);
