/**
 * E-mail address rules. Besides ordinary syntax, the seed page (003) names three kinds of address
 * that cannot receive one-time passwords; each is refused with its own message so the member
 * knows exactly what to fix:
 *   1. the local part starts with a period or ends with one (just before the @)
 *   2. the local part has consecutive periods
 *   3. the local part has characters other than letters, digits and . ! # $ % & ' * + - / = ? ^ _ { | } ~
 */
export type EmailProblem =
  | 'email.periodAtEdge'
  | 'email.consecutivePeriods'
  | 'email.forbiddenCharacters'
  | 'email.malformed';

const LOCAL_ALLOWED = /^[A-Za-z0-9.!#$%&'*+\-/=?^_{|}~]+$/;
const DOMAIN_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export interface EmailCheck {
  address: string;
  problems: EmailProblem[];
}

export function normaliseEmail(input: string): string {
  // NFKC turns full-width letters and ＠ typed on a Japanese keyboard into ASCII.
  return input.normalize('NFKC').trim().toLowerCase();
}

export function checkEmail(input: string): EmailCheck {
  const address = normaliseEmail(input);
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || address.length > 254) return { address, problems: ['email.malformed'] };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const problems: EmailProblem[] = [];
  if (local.startsWith('.') || local.endsWith('.')) problems.push('email.periodAtEdge');
  if (local.includes('..')) problems.push('email.consecutivePeriods');
  if (!LOCAL_ALLOWED.test(local)) problems.push('email.forbiddenCharacters');
  const labels = domain.split('.');
  const domainOk =
    labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l)) && /^[a-z]{2,63}$/.test(labels.at(-1)!);
  if ((!domainOk || local.length > 64) && problems.length === 0) problems.push('email.malformed');
  return { address, problems };
}

/** Masked for display and logs: t***@example.co.jp */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}
