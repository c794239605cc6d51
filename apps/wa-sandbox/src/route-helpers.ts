import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { invalidParameter, rejection, type Rejection } from './cloud-api-errors.js';
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

/** Each bad field as `field.path: reason`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
}

/** A 400 naming each bad field, as `field.path: reason`. */
export function sendInvalid(res: ServerResponse, error: z.ZodError): void {
  const issues = describeIssues(error);
  sendJson(res, 400, { error: { message: issues.join('; '), issues } });
}

export function sendRejection(res: ServerResponse, refused: Rejection): void {
  sendJson(res, refused.httpStatus, refused.body);
}

/**
 * The JSON body of a Graph request, or undefined once Meta's error has been answered: 413 for a
 * body over the limit, code 100 for one that is not JSON.
 */
export async function readGraphJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  try {
    return JSON.parse((await readBody(req)).toString('utf8')) as unknown;
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      sendJsonAndClose(res, 413, rejection(413, 100, '(#100) Request body is too large').body);
    } else if (err instanceof SyntaxError) {
      sendRejection(res, invalidParameter('the body is not valid JSON'));
    } else throw err;
    return undefined;
  }
}

/** The scheme and host a client reached the sandbox at, for links such as `paging.next`. */
export function origin(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  return `http://${/^[\w.-]+(:\d+)?$|^\[[\da-f:]+\](:\d+)?$/i.test(host) ? host : '127.0.0.1'}`;
}
