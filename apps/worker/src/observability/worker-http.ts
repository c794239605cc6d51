import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface WorkerHttpDeps {
  registry: Registry;
  /** Where the Temporal SDK's runtime serves its own metrics (appended to ours). */
  sdkMetricsUrl: string;
  /** Whether the worker is polling its task queue. */
  polling: () => boolean;
}

/**
 * The worker's only HTTP listener: `/metrics` (its own metrics and the Temporal SDK's) and
 * `/health` (200 once the worker polls its task queue, 503 before and after).
 */
export function startWorkerHttp(deps: WorkerHttpDeps, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/metrics') {
        const sdk = await fetch(deps.sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) })
          .then((r) => r.text())
          .catch(() => '');
        res.writeHead(200, { 'content-type': deps.registry.contentType });
        res.end(`${await deps.registry.metrics()}\n${sdk}`);
      } else if (req.url === '/health') {
        const polling = deps.polling();
        res.writeHead(polling ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: polling ? 'ok' : 'starting', polling }));
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
