import { readdirSync, readFileSync } from 'node:fs';
import { dist } from './provision.js';

/**
 * The database server both sides share: MONGODB_URI's (one server), or the product's embedded
 * in-memory Java server, whose process we find among our children to read its CPU time.
 */
export interface Database {
  host: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

function childPids(): number[] {
  try {
    return readdirSync(`/proc/${process.pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

export async function startDatabase(log: (line: string) => void): Promise<Database> {
  const given = process.env.MONGODB_URI;
  if (given) {
    const match = /^mongodb:\/\/([^/:,?@]+)(?::(\d+))?(?:[/?]|$)/.exec(given);
    if (!match)
      throw new Error('MONGODB_URI must be mongodb://host[:port]/… (one server, no credentials) for the benchmark');
    return { host: match[1]!, port: Number(match[2] ?? 27017), pid: undefined, stop: async () => {} };
  }
  const { startJavaMongo } = await dist<typeof import('../src/dev/java-mongo.js')>('src/dev/java-mongo.js');
  const before = new Set(childPids());
  const mongo = await startJavaMongo({ log });
  const url = new URL(mongo.uri);
  return {
    host: url.hostname,
    port: Number(url.port),
    pid: childPids().find((pid) => !before.has(pid)),
    stop: () => mongo.stop(),
  };
}
