import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-io.js';

/** Path parameters (the `:name` segments, in order) and the raw query string. */
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  query: string,
) => void | Promise<void>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

/**
 * A router for a handful of routes: each is matched segment by segment, `:name` matching any
 * one segment. Unknown paths get 404, known paths with another method 405.
 */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    this.routes.push({ method, segments: path.split('/'), handler });
    return this;
  }

  handle(req: IncomingMessage, res: ServerResponse, onError: (err: unknown) => void): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const segments = (q === -1 ? url : url.slice(0, q)).split('/');
    const query = q === -1 ? '' : url.slice(q + 1);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = match(route.segments, segments);
      if (!params) continue;
      if (route.method !== req.method) {
        allowed.push(route.method);
        continue;
      }
      try {
        const done = route.handler(req, res, params, query);
        if (done) done.catch(onError);
      } catch (err) {
        onError(err);
      }
      return;
    }
    if (allowed.length) {
      res.setHeader('allow', allowed.join(', '));
      sendJson(res, 405, { error: { message: `Use ${allowed.join(' or ')}` } });
    } else sendJson(res, 404, { error: { message: 'Unknown path' } });
  }
}

function match(pattern: string[], segments: string[]): string[] | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    const s = segments[i];
    if (p.startsWith(':')) {
      if (!s) return undefined;
      params.push(decodeURIComponent(s));
    } else if (p !== s) return undefined;
  }
  return params;
}
