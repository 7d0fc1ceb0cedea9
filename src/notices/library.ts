import type { Clock } from '../clock.js';
import { formatJst, type MessageParams, translator } from '../i18n/index.js';
import type { Logger } from '../log.js';
import type { Member } from '../members/model.js';
import type { Messenger } from '../messaging/messenger.js';

/**
 * E-mails that tell a member something happened to their account (seed 003: the old address is
 * told of a change). Each notice is a subject and a body message key, in the member's language,
 * with the member's name and the time in JST. Best effort: a failed notice never undoes the
 * change it reports, and its failure is kept in the log.
 */
export const NOTICES = {
  emailChanged: { subject: 'notice.emailChanged.subject', body: 'notice.emailChanged.body' },
  phoneChanged: { subject: 'notice.phoneChanged.subject', body: 'notice.phoneChanged.body' },
  passwordChanged: { subject: 'notice.passwordChanged.subject', body: 'notice.passwordChanged.body' },
  recoveryLink: { subject: 'notice.recoveryLink.subject', body: 'notice.recoveryLink.body' },
  newBrowser: { subject: 'notice.newBrowser.subject', body: 'notice.newBrowser.body' },
} as const;
export type Notice = keyof typeof NOTICES;
/** What a notice's body needs besides the member's name and the time. */
type NoticeParams<N extends Notice> = Omit<MessageParams<(typeof NOTICES)[N]['body']>, 'name' | 'time'>;

export interface Notices {
  /**
   * Sends `notice` to `to`, by default the member's verified e-mail address (nothing is sent
   * when there is none).
   */
  send<N extends Notice>(member: Member, notice: N, params: NoticeParams<N>, to?: string): Promise<void>;
}

export function createNotices(deps: { messenger: Messenger; clock: Clock; logger: Logger }): Notices {
  const { messenger, clock, logger } = deps;
  return {
    async send(member, notice, params, to = member.email && member.emailVerified ? member.email : undefined) {
      if (!to) return;
      const t = translator(member.locale);
      const time = `${formatJst(member.locale, clock.now(), { dateStyle: 'long', timeStyle: 'short' })} JST`;
      const keys = NOTICES[notice];
      try {
        const body = t(keys.body, {
          name: `${member.familyName} ${member.givenName}`,
          time,
          ...params,
        } as MessageParams<typeof keys.body>);
        await messenger.sendEmail(to, t(keys.subject), body);
      } catch (error) {
        logger.warn({ err: error, notice }, 'could not send a notice');
      }
    },
  };
}
