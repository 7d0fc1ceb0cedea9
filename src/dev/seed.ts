import type { AppContext } from '../context.js';
import { withCheckDigit } from '../members/membership-number.js';

/**
 * Development data, so that a newcomer can sign in at once: a demo member (created once) and the
 * demo relying app (registered afresh at every start, because only this process knows its secret).
 */
export const DEMO_MEMBER = {
  membershipNumber: withCheckDigit('12345678'),
  password: 'jmb-demo-2026',
  familyName: '日本',
  givenName: '太郎',
  email: 'taro.nihon@example.jp',
  phone: '+819012345678',
  countryOfResidence: 'JP',
  locale: 'ja' as const,
  notificationChannel: 'email' as const,
};

export const DEMO_CLIENT_ID = 'demo-app';

export async function seedDemoData(
  app: AppContext,
  demoAppUrl: string | undefined,
): Promise<{ clientSecret?: string | undefined }> {
  if (!(await app.members.findByMembershipNumber(DEMO_MEMBER.membershipNumber))) {
    await app.members.create(DEMO_MEMBER);
  }
  if (!demoAppUrl) return {};
  await app.clients.remove(DEMO_CLIENT_ID);
  const created = await app.clients.create({
    clientId: DEMO_CLIENT_ID,
    name: 'Demo relying app',
    kind: 'web',
    redirectUris: [`${demoAppUrl}/callback`],
    postLogoutRedirectUris: [`${demoAppUrl}/`],
    backchannelLogoutUri: `${demoAppUrl}/backchannel-logout`,
    backchannelLogoutSessionRequired: true,
    firstParty: false,
  });
  return { clientSecret: created.clientSecret };
}
