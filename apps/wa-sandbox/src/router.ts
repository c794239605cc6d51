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
  /** A route whose parameters fail this is not matched at all. */
  accepts?: (params: string[]) => boolean;
}

/**
 * A router for a handful of routes: each is matched segment by segment, `:name` matching any
 * one segment. Unknown paths get 404, known paths with another method 405.
 */
export class Router {
  private readonly routes: Route[] = [];

  /**
   * `accepts` narrows a pattern as broad as `/:version/:id`, so that it does not swallow other
   * paths of the same length (or turn their 405 into its own answer).
   */
  on(
    method: string,
    path: string,
    handler: Handler,
    accepts?: (params: string[]) => boolean,
  ): this {
    this.routes.push({ method, segments: path.split('/'), handler, accepts });
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
      if (!params || (route.accepts && !route.accepts(params))) continue;
      if (route.method !== req.method) {
        if (!allowed.includes(route.method)) allowed.push(route.method);
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
      const decoded = decode(s);
      if (decoded === undefined) return undefined;
      params.push(decoded);
    } else if (p !== s) return undefined;
  }
  return params;
}

/** A malformed escape (`%E0%A4%A`) matches nothing rather than throwing out of the server. */
function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
