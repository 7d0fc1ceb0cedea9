import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Development outbox: every message that would have gone out by SMS or e-mail is appended to a
 * JSON-lines file, so a newcomer can complete every flow without an SMS account or a mail server.
 * Never used in production (config.ts refuses it).
 */
export interface OutboxMessage {
  at: string;
  channel: 'sms' | 'email';
  to: string;
  from: string;
  subject?: string | undefined;
  text: string;
}

export function createOutbox(file: string) {
  return {
    file,
    async append(message: OutboxMessage): Promise<void> {
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, `${JSON.stringify(message)}\n`, { mode: 0o600 });
    },
    async recent(limit = 50): Promise<OutboxMessage[]> {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter(Boolean)
        .slice(-limit)
        .reverse()
        .map((line) => JSON.parse(line) as OutboxMessage);
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
