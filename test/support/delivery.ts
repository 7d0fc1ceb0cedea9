import { type SmtpStandIn, startSmtpStandIn } from './smtp.js';
import { startVonageStandIn, type VonageStandIn } from './vonage.js';

/**
 * Both delivery stand-ins and the environment that points the app at them, so tests exercise
 * the real nodemailer and Vonage SDK paths.
 */
export interface DeliveryStandIns {
  smtp: SmtpStandIn;
  vonage: VonageStandIn;
  env: Record<string, string>;
  close(): Promise<void>;
}

export const MAIL_FROM = 'JMB <jmb_confirmation@jal.example>';

export async function startDeliveryStandIns(): Promise<DeliveryStandIns> {
  const [smtp, vonage] = await Promise.all([startSmtpStandIn(), startVonageStandIn()]);
  return {
    smtp,
    vonage,
    env: {
      MAIL_TRANSPORT: 'smtp',
      SMTP_URL: smtp.url,
      MAIL_FROM,
      SMS_TRANSPORT: 'vonage',
      VONAGE_API_KEY: 'test-key',
      VONAGE_API_SECRET: 'test-secret',
      VONAGE_SENDER: 'JMB',
      VONAGE_REST_HOST: vonage.url,
      SMS_SENDER_DISPLAY: '03-5460-0124',
    },
    close: async () => {
      await Promise.all([smtp.close(), vonage.close()]);
    },
  };
}
