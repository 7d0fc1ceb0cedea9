import type { Totals } from './measure.js';
import type { ProcessStats } from './processes.js';

/**
 * The results as a Markdown table, ours next to theirs with the ratio ours/theirs (above 1 is
 * better for ops/s, below 1 is better for everything else), then where each side's database
 * commands went.
 */
export interface Row {
  workload: string;
  ours: Totals;
  theirs: Totals;
}

export interface Memory {
  ours: { idle: ProcessStats; end: ProcessStats };
  theirs: { idle: ProcessStats; end: ProcessStats };
}

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

export function summarise(t: Totals) {
  const sorted = [...t.latencies].sort((a, b) => a - b);
  const commandCount = [...t.commands.values()].reduce((a, b) => a + b, 0);
  return {
    opsPerSecond: t.ops / (t.ms / 1000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    cpuMsPerOp: t.cpuMs / t.ops,
    dbCpuMsPerOp: t.dbCpuMs / t.ops,
    commandsPerOp: commandCount / t.ops,
    ops: t.ops,
    errors: t.errors,
  };
}

const num = (value: number, digits = value >= 100 ? 0 : value >= 10 ? 1 : 2) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';
const ratio = (ours: number, theirs: number) =>
  Number.isFinite(ours / theirs) ? `${(ours / theirs).toFixed(2)}×` : '—';
const pair = (ours: number, theirs: number, digits?: number) => `${num(ours, digits)} / ${num(theirs, digits)}`;

export function table(rows: Row[], memory: Memory, withDbCpu: boolean): string {
  const lines = [
    `| request | ops/s ours | ops/s theirs | ratio | p50 ms ours / theirs | p99 ms ours / theirs | CPU ms/op ours / theirs | ratio | DB commands/op ours / theirs |${withDbCpu ? ' DB server CPU ms/op ours / theirs |' : ''}`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${withDbCpu ? ' ---: |' : ''}`,
  ];
  for (const row of rows) {
    const o = summarise(row.ours);
    const t = summarise(row.theirs);
    lines.push(
      `| ${row.workload} | ${num(o.opsPerSecond)} | ${num(t.opsPerSecond)} | ${ratio(o.opsPerSecond, t.opsPerSecond)} | ${pair(o.p50, t.p50, 1)} | ${pair(o.p99, t.p99, 1)} | ${pair(o.cpuMsPerOp, t.cpuMsPerOp)} | ${ratio(o.cpuMsPerOp, t.cpuMsPerOp)} | ${pair(o.commandsPerOp, t.commandsPerOp, 1)} |` +
        (withDbCpu ? ` ${pair(o.dbCpuMsPerOp, t.dbCpuMsPerOp)} |` : ''),
    );
  }
  const mib = (s: ProcessStats) => `${num(s.rssMiB, 0)} MiB`;
  lines.push(
    '',
    `RSS ours: ${mib(memory.ours.idle)} idle → ${mib(memory.ours.end)} at the end (peak ${num(memory.ours.end.peakRssMiB, 0)} MiB); ` +
      `theirs: ${mib(memory.theirs.idle)} → ${mib(memory.theirs.end)} (peak ${num(memory.theirs.end.peakRssMiB, 0)} MiB); ` +
      `ratio at the end ${ratio(memory.ours.end.rssMiB, memory.theirs.end.rssMiB)}`,
  );
  return lines.join('\n');
}

/** Per operation, by command and collection, largest first: where the round trips go. */
export function commandBreakdown(rows: Row[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    for (const side of ['ours', 'theirs'] as const) {
      const t = row[side];
      const parts = [...t.commands.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([command, count]) => `${command} ${num(count / t.ops, 1)}`);
      lines.push(`${row.workload}, ${side}: ${parts.join(', ') || '—'}`);
    }
  }
  return lines.join('\n');
}

export function problems(rows: Row[]): string[] {
  return rows.flatMap((row) =>
    (['ours', 'theirs'] as const).flatMap((side) =>
      row[side].errors
        ? [`${row.workload}, ${side}: ${row[side].errors} failed operations; first: ${row[side].firstError}`]
        : [],
    ),
  );
}
