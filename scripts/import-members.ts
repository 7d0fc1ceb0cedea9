/**
 * Imports members from a CSV file, keyed by membership number (running it again changes nothing).
 * Every row is checked before anything is written; problems are printed with their line numbers
 * and the command exits with status 1 having imported nothing.
 *
 *   npm run import-members -- members.csv
 *
 * Columns: membership_number, family_name, given_name, country (required); email, phone,
 * notification (email|sms), locale (ja|en), password_hash (optional). See src/members/import.ts.
 */
import { readFile } from 'node:fs/promises';
import { type CommandIo, runAsEntryPoint, UsageError } from './lib/context.js';

export async function importMembersCommand(argv: string[], io: CommandIo): Promise<void> {
  const file = argv[0];
  if (!file) throw new UsageError('give the CSV file: npm run import-members -- members.csv');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  await io.withApp(async (app) => {
    const { problems, result } = await app.members.importCsv(text);
    if (problems.length) {
      for (const p of problems) io.stderr(`${file}:${p.line}: ${p.field} ${p.message}\n`);
      throw new UsageError(`${problems.length} problem(s) found; nothing was imported`);
    }
    await app.audit.record({ type: 'member.imported', outcome: 'success', actor: 'command', detail: { ...result } });
    io.stdout(`${JSON.stringify(result)}\n`);
  });
}

runAsEntryPoint(import.meta.url, importMembersCommand);
