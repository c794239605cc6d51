/**
 * Warnings and errors in the engine's output lines (`[process] {pino JSON}`), counted per
 * process, with the commonest messages, so a benchmark's figures come with what went wrong.
 * Plain-text lines (the Temporal SDK core's) take their level from their level word or tag, or
 * a leading `Warning`/`Error`; other plain text (a crash's stack trace) is counted as `text`.
 */
export function logSummary(lines: readonly string[], from = 0, top = 5) {
  const counts: Record<string, { warn: number; error: number; text: number }> = {};
  const messages = new Map<string, number>();
  for (let i = from; i < lines.length; i++) {
    const m = /^\[([^\]]+)\] (.*)$/.exec(lines[i]);
    if (!m || m[2].trim() === '') continue;
    const name = m[1];
    // The Temporal SDK core writes coloured text lines: `<time> <LEVEL> <target>: <message>`.
    // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
    const rest = m[2].replace(/\x1b\[[0-9;]*m/g, '');
    let kind: 'warn' | 'error' | 'text' | null = 'text';
    let msg = rest.slice(0, 200);
    if (rest.startsWith('{')) {
      try {
        const entry = JSON.parse(rest) as {
          level?: number;
          msg?: string;
          err?: { message?: string };
        };
        const level = entry.level ?? 30;
        kind = level >= 50 ? 'error' : level >= 40 ? 'warn' : null;
        msg = `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`;
        msg = msg.slice(0, 200);
      } catch {
        // cut short or not pino's: plain text
      }
    }
    if (kind === 'text') {
      const core = /^\S+Z\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(.*)$/.exec(rest);
      const tagged = /\[(TRACE|DEBUG|INFO|WARN|ERROR)\]\s*(.*)$/.exec(rest);
      const level = core?.[1] ?? tagged?.[1];
      if (level) {
        kind = level === 'ERROR' ? 'error' : level === 'WARN' ? 'warn' : null;
        msg = (core?.[2] ?? tagged?.[2] ?? msg).slice(0, 200);
      } else if (/^\(node:\d+\) \w*Warning|^Warning/.test(rest)) kind = 'warn';
      else if (/^\w*Error\b/.test(rest)) kind = 'error';
    }
    if (kind === null) continue;
    counts[name] ??= { warn: 0, error: 0, text: 0 };
    counts[name][kind] += 1;
    const key = `${name} ${kind}: ${msg}`;
    messages.set(key, (messages.get(key) ?? 0) + 1);
  }
  const commonest = [...messages]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([message, count]) => ({ message, count }));
  return { counts, commonest };
}
