import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Send requests are a few hundred bytes; anything near this is a mistake. */
export const BODY_LIMIT = 64 * 1024;

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

/** Answers and closes the connection: the rest of an oversized body is not worth reading. */
export function sendJsonAndClose(res: ServerResponse, status: number, body: unknown): void {
  res.shouldKeepAlive = false;
  sendJson(res, status, body);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status).end();
}

/**
 * Requests held without an answer, to imitate a provider that hangs: after `ms` the socket is
 * destroyed, so the sender sees a timeout or a reset, never a response.
 */
export class HeldRequests {
  private readonly timers = new Set<NodeJS.Timeout>();

  hold(socket: Socket, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      socket.destroy();
    }, ms);
    this.timers.add(timer);
  }

  /** The sockets themselves are destroyed with the server's connections. */
  release(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
