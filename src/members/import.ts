import { translator } from '../i18n/index.js';
import { checkEmail } from './email.js';
import { isValidMembershipNumber, normaliseMembershipNumber } from './membership-number.js';
import type { MemberModel } from './model.js';
import { parsePasswordHash } from './password.js';
import { normalisePhone } from './phone.js';

/**
 * Importing members from CSV (scripts/import-members.ts). Every row is checked first, and so are
 * conflicts within the file and with other members in the database; if anything is wrong,
 * nothing is written and each problem is reported with its line number. Rows are keyed by
 * membership number, so importing the same file twice changes nothing the second time.
 *
 * Columns (header row required): membership_number, family_name, given_name, country,
 * and optionally email, phone, notification (email|sms), locale (ja|en), password_hash ($argon2id$…
 * or the earlier scrypt$…, as this provider writes them; members without one sign in with a passkey
 * or are given a password).
 */
export interface ImportProblem {
  line: number;
  field: string;
  message: string;
}

export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
}

const english = translator('en');
const REQUIRED = ['membership_number', 'family_name', 'given_name', 'country'];
const OPTIONAL = ['email', 'phone', 'notification', 'locale', 'password_hash'];

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. Returns [line, fields]. */
export function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  const rows: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const input = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < input.length; i += 1) {
    const c = input[i]!;
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line += 1;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i += 1;
      fields.push(field);
      if (fields.some((f) => f !== '')) rows.push({ line: rowLine, fields });
      fields = [];
      field = '';
      line += 1;
      rowLine = line;
    } else field += c;
  }
  fields.push(field);
  if (fields.some((f) => f !== '')) rows.push({ line: rowLine, fields });
  return rows;
}

interface Row {
  line: number;
  membershipNumber: string;
  familyName: string;
  givenName: string;
  countryOfResidence: string;
  email?: string | undefined;
  phone?: string | undefined;
  notificationChannel: 'email' | 'sms';
  locale: 'ja' | 'en';
  passwordHash?: string | undefined;
}

export function validateRows(text: string): { rows: Row[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const [header, ...data] = parseCsv(text);
  if (!header) return { rows: [], problems: [{ line: 1, field: 'file', message: 'is empty' }] };
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  for (const column of REQUIRED)
    if (!columns.includes(column))
      problems.push({ line: header.line, field: column, message: 'column is missing from the header' });
  for (const column of columns)
    if (!REQUIRED.includes(column) && !OPTIONAL.includes(column))
      problems.push({ line: header.line, field: column, message: 'is not a known column' });
  if (problems.length) return { rows: [], problems };

  const rows: Row[] = [];
  const seen = {
    number: new Map<string, number>(),
    email: new Map<string, number>(),
    phone: new Map<string, number>(),
  };
  for (const { line, fields } of data) {
    const value = (column: string) => (fields[columns.indexOf(column)] ?? '').trim();
    const problem = (field: string, message: string) => problems.push({ line, field, message });
    if (fields.length !== columns.length) {
      const hint = fields.some((f) => f.startsWith('$argon2'))
        ? ' (an Argon2id hash has commas: put it in double quotes)'
        : '';
      problem('row', `has ${fields.length} fields, the header has ${columns.length}${hint}`);
      continue;
    }
    const membershipNumber = normaliseMembershipNumber(value('membership_number'));
    if (!isValidMembershipNumber(membershipNumber))
      problem('membership_number', 'must be 9 digits whose last is the check digit');
    for (const [column, max] of [
      ['family_name', 100],
      ['given_name', 100],
    ] as const) {
      if (!value(column)) problem(column, 'is required');
      else if (value(column).length > max) problem(column, `is longer than ${max} characters`);
    }
    const country = value('country').toUpperCase();
    if (!/^[A-Z]{2}$/.test(country)) problem('country', 'must be an ISO 3166-1 alpha-2 code such as JP');
    let email: string | undefined;
    if (value('email')) {
      const check = checkEmail(value('email'));
      if (check.problems.length) problem('email', check.problems.map((key) => english(key)).join(' '));
      else email = check.address;
    }
    let phone: string | undefined;
    if (value('phone')) {
      const result = normalisePhone(value('phone'));
      if ('problem' in result) problem('phone', english(result.problem));
      else phone = result.e164;
    }
    const notification = (value('notification') || (email ? 'email' : 'sms')) as 'email' | 'sms';
    if (notification !== 'email' && notification !== 'sms') problem('notification', 'must be email or sms');
    else if (notification === 'email' && !email) problem('notification', 'email needs an e-mail address');
    else if (notification === 'sms' && !phone) problem('notification', 'sms needs a mobile phone number');
    const locale = (value('locale') || 'ja') as 'ja' | 'en';
    if (locale !== 'ja' && locale !== 'en') problem('locale', 'must be ja or en');
    const passwordHash = value('password_hash') || undefined;
    if (passwordHash && !parsePasswordHash(passwordHash))
      problem(
        'password_hash',
        'must be an Argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash) or a scrypt$… hash as this provider writes them',
      );
    for (const [key, v] of [
      ['number', membershipNumber],
      ['email', email],
      ['phone', phone],
    ] as const) {
      if (!v) continue;
      const earlier = seen[key].get(v);
      if (earlier) problem(key === 'number' ? 'membership_number' : key, `is also on line ${earlier}`);
      else seen[key].set(v, line);
    }
    rows.push({
      line,
      membershipNumber,
      familyName: value('family_name'),
      givenName: value('given_name'),
      countryOfResidence: country,
      email,
      phone,
      notificationChannel: notification,
      locale,
      passwordHash,
    });
  }
  return { rows, problems };
}

export async function importMembers(
  model: MemberModel,
  text: string,
): Promise<{ problems: ImportProblem[]; result?: ImportResult }> {
  const { rows, problems } = validateRows(text);
  if (problems.length) return { problems };
  // Conflicts with other members already in the database.
  const emails = rows.flatMap((r) => (r.email ? [r.email] : []));
  const phones = rows.flatMap((r) => (r.phone ? [r.phone] : []));
  const others = await model
    .find(
      { $or: [{ email: { $in: emails } }, { phone: { $in: phones } }] },
      { membershipNumber: 1, email: 1, phone: 1 },
    )
    .lean();
  for (const row of rows) {
    for (const other of others) {
      if (other.membershipNumber === row.membershipNumber) continue;
      if (row.email && other.email === row.email)
        problems.push({ line: row.line, field: 'email', message: `belongs to member ${other.membershipNumber}` });
      if (row.phone && other.phone === row.phone)
        problems.push({ line: row.line, field: 'phone', message: `belongs to member ${other.membershipNumber}` });
    }
  }
  if (problems.length) return { problems };

  const result: ImportResult = { created: 0, updated: 0, unchanged: 0 };
  for (const row of rows) {
    const fields = {
      familyName: row.familyName,
      givenName: row.givenName,
      countryOfResidence: row.countryOfResidence,
      email: row.email,
      emailVerified: Boolean(row.email),
      phone: row.phone,
      phoneVerified: Boolean(row.phone),
      notificationChannel: row.notificationChannel,
      locale: row.locale,
      ...(row.passwordHash ? { passwordHash: row.passwordHash } : {}),
    };
    const existing = await model.findOne({ membershipNumber: row.membershipNumber }).lean();
    if (!existing) {
      await model.create({ membershipNumber: row.membershipNumber, ...fields });
      result.created += 1;
      continue;
    }
    const changed = Object.entries(fields).some(
      ([key, v]) => (existing as unknown as Record<string, unknown>)[key] !== v,
    );
    if (!changed) {
      result.unchanged += 1;
      continue;
    }
    const unset = Object.fromEntries(
      ['email', 'phone'].filter((k) => fields[k as 'email'] === undefined).map((k) => [k, 1]),
    );
    const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    await model.updateOne(
      { _id: existing._id },
      { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
    );
    result.updated += 1;
  }
  return { problems, result };
}
