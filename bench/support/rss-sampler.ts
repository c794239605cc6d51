import { readFile } from 'node:fs/promises';

/** Resident memory (VmRSS) of a process now, in MiB; null once it is gone. */
export async function rssMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Samples a process's resident memory every `intervalMs` until stopped, for the peak over one
 * stretch of a run (VmHWM is the peak since the process started).
 */
export function sampleRss(pid: number, intervalMs = 100) {
  let peak = 0;
  let samples = 0;
  const take = async () => {
    const mb = await rssMb(pid);
    if (mb !== null) {
      peak = Math.max(peak, mb);
      samples += 1;
    }
  };
  void take();
  const timer = setInterval(() => void take(), intervalMs);
  return {
    async stop(): Promise<{ peakMb: number; samples: number }> {
      clearInterval(timer);
      await take();
      return { peakMb: peak, samples };
    },
  };
}
