import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server standing in for Vonage's SMS REST API (POST /sms/json): it receives what
 * the real Vonage SDK sends and answers like Vonage does.
 */
export interface ReceivedSms {
  to: string;
  from: string;
  text: string;
  type: string;
  authorization: string;
}

export interface VonageStandIn {
  url: string;
  sent: ReceivedSms[];
  /** Answer the next requests with a Vonage error status (e.g. '29' non-whitelisted destination). */
  failNext(count?: number, status?: string): void;
  lastTo(e164: string): ReceivedSms | undefined;
  close(): Promise<void>;
}

export async function startVonageStandIn(): Promise<VonageStandIn> {
  const sent: ReceivedSms[] = [];
  let failures = 0;
  let failureStatus = '29';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'POST' || req.url !== '/sms/json') {
        res.statusCode = 404;
        return res.end('{}');
      }
      const message = JSON.parse(body) as { to: string; from: string; text: string; type: string };
      if (failures > 0) {
        failures -= 1;
        return res.end(
          JSON.stringify({
            'message-count': '1',
            messages: [{ status: failureStatus, 'error-text': 'Non-Whitelisted Destination' }],
          }),
        );
      }
      sent.push({ ...message, authorization: req.headers.authorization ?? '' });
      res.end(
        JSON.stringify({
          'message-count': '1',
          messages: [
            {
              to: message.to,
              'message-id': `m-${sent.length}`,
              status: '0',
              'remaining-balance': '10.0',
              'message-price': '0.07',
              network: '44010',
            },
          ],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    failNext(count = 1, status = '29') {
      failures = count;
      failureStatus = status;
    },
    lastTo(e164) {
      return [...sent].reverse().find((sms) => sms.to === e164.replace(/^\+/, ''));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The 6-digit code in a message text. */
export function codeIn(text: string | undefined): string {
  const match = /\b(\d{6})\b/.exec(text ?? '');
  if (!match) throw new Error(`no code in: ${text}`);
  return match[1]!;
}
