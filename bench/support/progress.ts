/** A one-line progress bar on a terminal; nothing when stderr is not a terminal (CI, pipes). */
export function progressBar(label: string) {
  const tty = process.stderr.isTTY;
  let last = '';
  return {
    update(done: number, total: number, extra = '') {
      if (!tty) return;
      const width = 30;
      const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
      const line = `${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${extra}`;
      if (line !== last) process.stderr.write(`\r${line.padEnd(last.length)}`);
      last = line;
    },
    end() {
      if (tty && last) process.stderr.write('\n');
    },
  };
}
