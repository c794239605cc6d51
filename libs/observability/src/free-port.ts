import { createServer } from 'node:net';

/** Ports this process handed out: the OS may offer one again before its new owner has bound it. */
const handedOut = new Set<number>();

/** A TCP port on 127.0.0.1 that nothing listens on now, never one this process handed out. */
export async function freePort(options: { below?: number } = {}): Promise<number> {
  for (;;) {
    const port = options.below
      ? await tryPort(10_000 + Math.floor(Math.random() * (options.below - 10_000)))
      : await askTheSystem();
    if (port === undefined) continue;
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function askTheSystem(): Promise<number> {
  return tryPort(0) as Promise<number>;
}

/** Listens on `wanted` (0: any) and closes again: the port, or undefined when it is taken. */
function tryPort(wanted: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', (err: NodeJS.ErrnoException) =>
      wanted && err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err),
    );
    server.listen(wanted, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
