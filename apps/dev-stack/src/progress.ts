/**
 * One line of progress on a terminal (a bar when the total is known), rewritten in place;
 * nothing at all when stderr is not a terminal (CI, pipes, logs).
 */
export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY;
  let last = '';
  return {
    update: (done: number, total?: number, extra = '') => {
      if (!tty) return;
      const width = 30;
      const bar =
        total && total > 0
          ? ` [${'#'.repeat(Math.min(width, Math.round((done / total) * width))).padEnd(width)}] ${done}/${total}`
          : ` ${done}`;
      const line = `${label}${bar} ${extra}`.trimEnd();
      if (line !== last) stream.write(`\r${line.padEnd(last.length)}`);
      last = line;
    },
    end: () => {
      if (tty && last) stream.write('\n');
      last = '';
    },
  };
}
