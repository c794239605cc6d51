import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { rejection } from './cloud-api-errors.js';
import { BodyTooLarge, readBody, sendJson, sendJsonAndClose } from './http-io.js';
import type { Handler } from './router.js';
import type { SandboxContext } from './sandbox-context.js';

/** Refuses the request with 401 (error 190) unless it carries the sandbox's bearer token. */
export function guarded(ctx: SandboxContext, handler: Handler): Handler {
  return (req, res, params, query) => {
    if (!ctx.authorized(req.headers.authorization)) {
      return sendJson(res, 401, rejection(401, 190, 'Invalid OAuth access token').body);
    }
    return handler(req, res, params, query);
  };
}

/** The parsed JSON body, or undefined once a 400 or 413 has been answered. */
export async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  try {
    return JSON.parse((await readBody(req)).toString('utf8')) as unknown;
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      sendJsonAndClose(res, 413, { error: { message: 'The body is too large' } });
    } else if (err instanceof SyntaxError) {
      sendJson(res, 400, { error: { message: 'The body is not valid JSON' } });
    } else throw err;
    return undefined;
  }
}

/** A 400 naming each bad field, as `field.path: reason`. */
export function sendInvalid(res: ServerResponse, error: z.ZodError): void {
  const issues = error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  sendJson(res, 400, { error: { message: issues.join('; '), issues } });
}
