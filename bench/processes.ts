import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpClient } from './http.js';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The processes the benchmark measures, and what the kernel says about them: CPU time from
 * /proc/<pid>/stat (user + system, all threads) and resident memory from /proc/<pid>/status.
 */
export interface ProcessStats {
  cpuMs: number;
  rssMiB: number;
  peakRssMiB: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

export function statsOf(pid: number): ProcessStats {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { cpuMs, rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Server {
  name: string;
  pid: number;
  port: number;
  issuer: string;
  stop(): Promise<void>;
}

/** Starts a server process (output to `logFile`) and waits until its discovery document answers. */
export async function startServer(options: {
  name: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  issuer: string;
  logFile: string;
}): Promise<Server> {
  const log = createWriteStream(options.logFile);
  const child: ChildProcess = spawn(process.execPath, options.args, {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
  const http = new HttpClient(options.port, options.issuer, 1);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${options.name} ${exited} while starting: see ${options.logFile}`);
    if (Date.now() > deadline) throw new Error(`${options.name} did not answer within 60 s: see ${options.logFile}`);
    const ok = await http.send('/.well-known/openid-configuration').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  http.close();
  return {
    name: options.name,
    pid: child.pid!,
    port: options.port,
    issuer: options.issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** Runs one of the product's compiled commands; its standard output. */
export function runCommand(args: string[], env: Record<string, string>, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} failed (${code}):\n${err}${out}`)),
    );
    child.stdin.end(input ?? '');
  });
}

/**
 * The runtime settings the product's image sets (Dockerfile, last stage: ENV lines) other than
 * NODE_ENV and PORT, so the benchmark runs the product as it is deployed.
 */
export function imageRuntimeEnv(): Record<string, string> {
  const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');
  const lastStage = dockerfile.split(/^FROM\s/m).at(-1) ?? '';
  const env: Record<string, string> = {};
  // ENV KEY=value [KEY=value …], continued over lines ending in a backslash.
  for (const block of lastStage.replace(/\\\r?\n/g, ' ').match(/^ENV\s.+$/gm) ?? []) {
    for (const [, key, value] of block.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g))
      if (key !== 'NODE_ENV' && key !== 'PORT') env[key!] = value!.replace(/^"|"$/g, '');
  }
  return env;
}
