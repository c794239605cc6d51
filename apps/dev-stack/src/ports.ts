import { createServer } from 'node:net';

/** Whether `port` can be listened on at `host` right now. */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * The settings whose ports are taken, as one message naming each variable and the fix, or null
 * when all are free. Checked before anything starts, so nothing is left running.
 */
export async function takenPorts(
  ports: Record<string, number | undefined>,
  host: string,
): Promise<string | null> {
  const taken: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (port !== undefined && !(await portIsFree(port, host))) taken.push(`${name}=${port}`);
  }
  if (taken.length === 0) return null;
  return (
    `these ports are already in use on ${host}: ${taken.join(', ')}. ` +
    'Stop what uses them (another npm start?), or set those variables to free ports.'
  );
}
