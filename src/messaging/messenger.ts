import { SMS, SMSFailure, TypeEnum } from '@vonage/sms';
import { createTransport } from 'nodemailer';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createOutbox, type Outbox } from './outbox.js';

/**
 * Sends SMS (Vonage SMS API) and e-mail (SMTP through nodemailer), or writes them to the
 * development outbox. A failure is thrown as DeliveryError with a reason fit for the log (never
 * the message text, which may hold a code).
 */
export class DeliveryError extends Error {
  constructor(
    readonly channel: 'sms' | 'email',
    reason: string,
  ) {
    super(`${channel} delivery failed: ${reason}`);
    this.name = 'DeliveryError';
  }
}

export interface Messenger {
  sendSms(to: string, text: string): Promise<void>;
  sendEmail(to: string, subject: string, text: string): Promise<void>;
  /** Present when a channel writes to the development outbox. */
  outbox: Outbox | undefined;
}

const SMS_TIMEOUT_MS = 10_000;

function smsSender(config: Config, clock: Clock, outbox: Outbox | undefined): Messenger['sendSms'] {
  const sms = config.sms;
  if (sms.transport === 'outbox') {
    return async (to, text) =>
      outbox!.append({ at: clock.now().toISOString(), channel: 'sms', to, from: sms.sender, text });
  }
  const client = new SMS(
    { apiKey: sms.apiKey, apiSecret: sms.apiSecret },
    { restHost: sms.restHost, timeout: SMS_TIMEOUT_MS },
  );
  return async (to, text) => {
    try {
      // Vonage wants the E.164 number without "+"; Japanese text needs the unicode type.
      const response = await client.send({ to: to.replace(/^\+/, ''), from: sms.sender, text, type: TypeEnum.UNICODE });
      const status = response.messages?.[0]?.status;
      if (status !== '0') throw new DeliveryError('sms', `unexpected response (status ${String(status)})`);
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      if (error instanceof SMSFailure) {
        const failed = error.getFailedMessages()[0] as { status?: string; errorText?: string } | undefined;
        throw new DeliveryError('sms', `status ${failed?.status ?? '?'} ${failed?.errorText ?? ''}`.trim());
      }
      throw new DeliveryError('sms', (error as Error).message);
    }
  };
}

function emailSender(config: Config, clock: Clock, outbox: Outbox | undefined): Messenger['sendEmail'] {
  const mail = config.mail;
  if (mail.transport === 'outbox') {
    return async (to, subject, text) =>
      outbox!.append({ at: clock.now().toISOString(), channel: 'email', to, from: mail.from, subject, text });
  }
  const url = new URL(mail.url);
  const transport = createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    // smtp:// upgrades with STARTTLS when the server offers it; ?tls=off is for a local relay only.
    ignoreTLS: url.searchParams.get('tls') === 'off',
    requireTLS: url.searchParams.get('tls') === 'required',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return async (to, subject, text) => {
    try {
      const info = await transport.sendMail({ from: mail.from, to, subject, text });
      if (info.rejected.length > 0) throw new DeliveryError('email', 'recipient rejected');
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      const e = error as { code?: string; responseCode?: number };
      throw new DeliveryError('email', `${e.code ?? 'error'} ${e.responseCode ?? ''}`.trim());
    }
  };
}

export function createMessenger(config: Config, clock: Clock): Messenger {
  const needsOutbox = config.sms.transport === 'outbox' || config.mail.transport === 'outbox';
  const outbox = needsOutbox ? createOutbox(config.outboxFile) : undefined;
  return { sendSms: smsSender(config, clock, outbox), sendEmail: emailSender(config, clock, outbox), outbox };
}
