import type { CountingProxy } from './db-proxy.js';
import { statsOf } from './processes.js';
import type { Target, Worker, Workload } from './workloads.js';

/**
 * One round: every worker repeats the workload until the round's time is up (an operation in
 * flight then finishes and counts). Around it, the server's CPU time, the database server's CPU
 * time and the commands the server sent through its proxy.
 */
export interface Side {
  target: Target;
  workers: Worker[];
  pid: number;
  proxy: CountingProxy;
}

export interface Totals {
  ops: number;
  errors: number;
  ms: number;
  latencies: number[];
  cpuMs: number;
  dbCpuMs: number;
  commands: Map<string, number>;
  firstError?: string | undefined;
}

export const emptyTotals = (): Totals => ({
  ops: 0,
  errors: 0,
  ms: 0,
  latencies: [],
  cpuMs: 0,
  dbCpuMs: 0,
  commands: new Map(),
});

export async function measureRound(
  side: Side,
  workload: Workload,
  seconds: number,
  dbPid: number | undefined,
  into: Totals,
): Promise<void> {
  const { target, workers, pid, proxy } = side;
  if (workload.prepare) await Promise.all(workers.map((worker) => workload.prepare!(target, worker)));
  const cpuBefore = statsOf(pid).cpuMs;
  const dbBefore = dbPid ? statsOf(dbPid).cpuMs : 0;
  const commandsBefore = proxy.counts();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    workers.map(async (worker) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await workload.run(target, worker);
          into.latencies.push(performance.now() - t0);
          into.ops += 1;
        } catch (error) {
          into.errors += 1;
          into.firstError ??= (error as Error).message;
          await new Promise((resolve) => setTimeout(resolve, 20)); // no busy loop against a failing server
        }
      }
    }),
  );
  into.ms += performance.now() - started;
  into.cpuMs += statsOf(pid).cpuMs - cpuBefore;
  if (dbPid) into.dbCpuMs += statsOf(dbPid).cpuMs - dbBefore;
  for (const [command, count] of proxy.counts()) {
    const delta = count - (commandsBefore.get(command) ?? 0);
    if (delta) into.commands.set(command, (into.commands.get(command) ?? 0) + delta);
  }
}
