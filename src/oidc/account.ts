import type { Account, AccountClaims, FindAccount } from 'oidc-provider';
import { type AdminLibrary, isAdminAccount } from '../admins/library.js';
import type { MembersLibrary } from '../members/library.js';
import type { Member } from '../members/model.js';

/** Claims a relying app may receive, filtered by oidc-provider according to the granted scopes. */
export function memberClaims(member: Member): AccountClaims {
  const name =
    member.locale === 'ja' ? `${member.familyName} ${member.givenName}` : `${member.givenName} ${member.familyName}`;
  return {
    sub: member._id,
    name,
    family_name: member.familyName,
    given_name: member.givenName,
    locale: member.locale,
    email: member.email,
    email_verified: member.email ? member.emailVerified : undefined,
    phone_number: member.phone,
    phone_number_verified: member.phone ? member.phoneVerified : undefined,
    membership_number: member.membershipNumber,
  };
}

/**
 * A locked member (or a disabled admin) has no account as far as the protocol is concerned:
 * sessions and tokens stop working.
 */
export function createFindAccount(members: MembersLibrary, admins: AdminLibrary): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    if (isAdminAccount(sub)) {
      const admin = await admins.findActiveByAccountId(sub);
      return admin ? { accountId: sub, claims: () => ({ sub, name: admin.name, email: admin.email }) } : undefined;
    }
    const member = await members.findById(sub);
    if (member?.status !== 'active') return undefined;
    return {
      accountId: member._id,
      claims: () => memberClaims(member),
    };
  };
}
