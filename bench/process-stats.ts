// Memory and CPU of processes the bench starts, read from Linux's /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A /proc/<pid>/<file> field in kB (0 when the process is gone). */
export function procKb(pid: number, file: 'status' | 'smaps_rollup', field: string): number {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Peak resident set (VmHWM) of a process, in MB. */
export function peakRssMb(pid: number): number {
  return procKb(pid, 'status', 'VmHWM') / 1024;
}

/** Descendants of a pid (a run's CLI and its vitest workers), from /proc. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let children: string;
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  } catch {
    return out;
  }
  for (const child of children.split(/\s+/).filter(Boolean).map(Number)) out.push(child, ...descendants(child));
  return out;
}

export interface TreeMemory {
  rssMb: number;
  pssMb: number;
  /** Each process's own peak RSS, MB. */
  processes: number[];
}

/**
 * Memory of the processes under `parent` (not `parent` itself: the bench's wrapper shell) over
 * their life, sampled every 100 ms: the peak of the summed RSS (shared pages such as node's own
 * code count once per process), the peak of the summed PSS (shared pages split between the
 * processes that map them) and each process's own peak.
 */
export function memorySampler(parent: number): { stop(): TreeMemory } {
  let rssKb = 0;
  let pssKb = 0;
  const peaks = new Map<number, number>();
  const timer = setInterval(() => {
    let rss = 0;
    let pss = 0;
    for (const pid of descendants(parent)) {
      rss += procKb(pid, 'status', 'VmRSS');
      pss += procKb(pid, 'smaps_rollup', 'Pss');
      peaks.set(pid, Math.max(peaks.get(pid) ?? 0, peakRssMb(pid)));
    }
    rssKb = Math.max(rssKb, rss);
    pssKb = Math.max(pssKb, pss);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return { rssMb: rssKb / 1024, pssMb: pssKb / 1024, processes: [...peaks.values()].map(Math.round) };
    },
  };
}

let clockTicks: number | undefined;

/**
 * CPU seconds (user + system) of every child a process waited for, and of theirs in turn: the
 * cutime and cstime fields (16 and 17) of a /proc/<pid>/stat line. Exact for a whole tree, where
 * sampling would miss what a short-lived worker spent between two samples.
 */
export function waitedForCpuSeconds(statLine: string): number {
  // Fields from 3 on follow the command name, which is in parentheses and may hold spaces.
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).trim().split(' ');
  const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3]);
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return ticks / clockTicks;
}
