import { createServer } from 'node:net';

/** Ports this process handed out: the OS may offer one again before its new owner has bound it. */
const handedOut = new Set<number>();

/** A TCP port on 127.0.0.1 that nothing listens on now, never one this process handed out. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await askTheSystem();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function askTheSystem(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
