import { readdir, readFile } from 'node:fs/promises';

/** CPU and memory of processes, read from /proc (Linux). */

const TICKS_PER_SECOND = 100;

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime of the process itself, in seconds. */
  own: number;
  /** cutime + cstime: its children that have exited and been waited for, in seconds. */
  reaped: number;
}

async function readStat(pid: number): Promise<Stat | null> {
  try {
    const raw = await readFile(`/proc/${pid}/stat`, 'utf8');
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    const fields = raw.slice(close + 2).split(' ');
    // fields[0] is the state (field 3): utime is field 14, i.e. fields[11].
    return {
      pid,
      ppid: Number(fields[1]),
      comm,
      own: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      reaped: (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

async function allStats(): Promise<Stat[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  return (await Promise.all(pids.map(readStat))).filter((s): s is Stat => s !== null);
}

/** CPU seconds used so far by each child of `parent` with everything below it, keyed by name. */
export async function cpuByChild(
  parent: number,
  name: (child: { pid: number; comm: string }) => string,
): Promise<Record<string, number>> {
  const stats = await allStats();
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const tree = (s: Stat): number =>
    s.own + s.reaped + (children.get(s.pid) ?? []).reduce((sum, c) => sum + tree(c), 0);
  const out: Record<string, number> = {};
  for (const child of children.get(parent) ?? []) {
    const key = name(child);
    out[key] = (out[key] ?? 0) + tree(child);
  }
  return out;
}

/** Peak resident memory (VmHWM) of a process, in MiB. */
export async function peakRssMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}
