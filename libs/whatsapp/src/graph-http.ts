import http from 'node:http';
import https from 'node:https';
import type { CloudApiErrorBody } from './cloud-api.types.js';
import { WhatsAppApiError, WhatsAppTransportError } from './errors.js';

/** Failures where the connection was never established, so nothing can have been sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

export interface HttpAnswer {
  status: number;
  statusText: string;
  retryAfter: string | undefined;
  body: string;
}

/**
 * Answers larger than this are cut off as a transport failure (a send answer is ~200 bytes, a
 * page of template definitions some hundred kilobytes).
 */
const DEFAULT_MAX_ANSWER_BYTES = 1 << 20;

/** How long an idle kept-alive connection is kept when the server says nothing of its own limit. */
export const IDLE_CONNECTION_MS = 4_000;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  authorization: string;
  /** The body and its content type; GET and DELETE have none. */
  body?: { data: Buffer; contentType: string };
  timeoutMs: number;
  maxAnswerBytes?: number;
}

/**
 * Connections are kept alive and shared by every client of the process (one pool per protocol).
 * node:http rather than fetch: at a thousand sends a second fetch's WHATWG streams cost about
 * 3.5 times the CPU per request and much more garbage, and the pauses that garbage brings make
 * sends miss their slots.
 */
const agents = {
  'http:': new http.Agent(keepAliveOptions()),
  'https:': new https.Agent(keepAliveOptions()),
};

/**
 * An idle connection is closed by the client before the server would close it: a request sent
 * on a connection the server is closing that moment fails with ECONNRESET, and its fate is then
 * unknown. With a `timeout` set, Node's agent also honours the server's `Keep-Alive: timeout=N`
 * hint (closing a second before it); without one it keeps idle sockets for ever. Four seconds
 * when the server gives no hint, as undici does.
 */
function keepAliveOptions(): http.AgentOptions {
  return { keepAlive: true, scheduling: 'lifo', timeout: IDLE_CONNECTION_MS };
}

/** Sends one request and reads the whole answer, failing after `timeoutMs` from the start. */
export function request({
  method,
  url,
  authorization,
  body,
  timeoutMs,
  maxAnswerBytes = DEFAULT_MAX_ANSWER_BYTES,
}: HttpRequest): Promise<HttpAnswer> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    };
    // A request whose socket is still connecting (or not yet given one by the pool) has written
    // nothing: whatever ends it, the provider cannot have seen it. Once connected, its bytes may
    // be in the kernel's hands, and an ending without an answer leaves its fate unknown.
    const fail = (err: Error) =>
      settle(() =>
        reject(!req.socket || req.socket.connecting ? Object.assign(err, { unsent: true }) : err),
      );
    const req = transport.request(
      target,
      {
        method,
        agent: agents[target.protocol as keyof typeof agents],
        headers: body
          ? { authorization, 'content-type': body.contentType, 'content-length': body.data.length }
          : { authorization },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxAnswerBytes) req.destroy(new Error('answer too large'));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const retryAfter: string | undefined = res.headers['retry-after'];
          settle(() =>
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              retryAfter,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        });
        res.on('error', fail);
        // The connection closed before the answer was complete.
        res.on('close', () => fail(new Error('answer cut off')));
      },
    );
    const timer = setTimeout(() => {
      const err = new Error('request timed out');
      err.name = 'TimeoutError';
      fail(err);
      req.destroy(err);
    }, timeoutMs);
    req.on('error', fail);
    req.end(body?.data);
  });
}

export function toApiError(response: HttpAnswer, payload: unknown): WhatsAppApiError {
  const error = (payload as Partial<CloudApiErrorBody> | undefined)?.error;
  const retryAfter = Number(response.retryAfter);
  return new WhatsAppApiError(
    response.status,
    typeof error?.code === 'number' ? error.code : undefined,
    error?.message ?? response.statusText,
    error?.error_subcode,
    error?.error_data?.details,
    error?.fbtrace_id,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
  );
}

export function toTransportError(err: unknown, forced?: 'unknown'): WhatsAppTransportError {
  const cause = (err as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code;
  const unsent = (err as { unsent?: boolean }).unsent === true;
  const outcome = forced ?? (unsent || (code && NOT_SENT_CODES.has(code)) ? 'not-sent' : 'unknown');
  const reason = (err as Error).name === 'TimeoutError' ? 'request timed out' : String(code ?? err);
  return new WhatsAppTransportError(outcome, `WhatsApp request failed: ${reason}`, { cause: err });
}
