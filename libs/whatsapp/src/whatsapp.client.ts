import http from 'node:http';
import https from 'node:https';
import type {
  CloudApiErrorBody,
  SendMessageRequest,
  SendMessageResponse,
  TemplateComponent,
} from './cloud-api.types.js';
import { WhatsAppApiError, WhatsAppTransportError } from './errors.js';

export interface WhatsAppClientOptions {
  baseUrl: string;
  apiVersion: string;
  token: string;
  timeoutMs: number;
}

export interface SendResult {
  wamid: string;
  waId: string | undefined;
}

/** Failures where the connection was never established, so nothing can have been sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * The one client for the WhatsApp Cloud API, used unchanged against Meta and the sandbox.
 * Every failure is thrown as WhatsAppApiError (provider answered) or WhatsAppTransportError.
 */
export class WhatsAppClient {
  private readonly base: string;
  private readonly authorization: string;

  constructor(private readonly options: WhatsAppClientOptions) {
    this.base = `${options.baseUrl.replace(/\/+$/, '')}/${options.apiVersion}`;
    this.authorization = `Bearer ${options.token}`;
  }

  /** Sends a template from the business number `from` (its phone-number id) to `to`. */
  sendTemplate(
    from: string,
    to: string,
    template: { name: string; language: string; components?: TemplateComponent[] },
    callbackData?: string,
  ): Promise<SendResult> {
    return this.send(from, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'template',
      template: {
        name: template.name,
        language: { code: template.language },
        ...(template.components?.length ? { components: template.components } : {}),
      },
      ...(callbackData ? { biz_opaque_callback_data: callbackData } : {}),
    });
  }

  sendText(from: string, to: string, body: string, callbackData?: string): Promise<SendResult> {
    return this.send(from, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'text',
      text: { body, preview_url: false },
      ...(callbackData ? { biz_opaque_callback_data: callbackData } : {}),
    });
  }

  private async send(from: string, body: SendMessageRequest): Promise<SendResult> {
    let response: HttpAnswer;
    try {
      response = await post(
        `${this.base}/${from}/messages`,
        this.authorization,
        body,
        this.options.timeoutMs,
      );
    } catch (err) {
      throw toTransportError(err);
    }
    const ok = response.status >= 200 && response.status < 300;
    let payload: unknown;
    try {
      payload = JSON.parse(response.body);
    } catch (err) {
      if (ok) throw toTransportError(err, 'unknown');
      payload = undefined;
    }
    if (!ok) throw toApiError(response, payload);
    const answer = payload as SendMessageResponse;
    const wamid = answer.messages?.[0]?.id;
    if (!wamid) {
      throw new WhatsAppTransportError('unknown', 'accepted response without a message id');
    }
    return { wamid, waId: answer.contacts?.[0]?.wa_id };
  }
}

interface HttpAnswer {
  status: number;
  statusText: string;
  retryAfter: string | undefined;
  body: string;
}

/** Answers larger than this are cut off as a transport failure (a send answer is ~200 bytes). */
const MAX_ANSWER_BYTES = 1 << 20;

/**
 * Connections are kept alive and shared by every client of the process (one pool per protocol).
 * node:http rather than fetch: at a thousand sends a second fetch's WHATWG streams cost about
 * 3.5 times the CPU per request and much more garbage, and the pauses that garbage brings make
 * sends miss their slots.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
};

/** POSTs JSON and reads the whole answer, failing after `timeoutMs` from the start. */
function post(
  url: string,
  authorization: string,
  body: unknown,
  timeoutMs: number,
): Promise<HttpAnswer> {
  const target = new URL(url);
  const payload = Buffer.from(JSON.stringify(body));
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    };
    const fail = (err: Error) => settle(() => reject(err));
    const req = transport.request(
      target,
      {
        method: 'POST',
        agent: agents[target.protocol as keyof typeof agents],
        headers: {
          authorization,
          'content-type': 'application/json',
          'content-length': payload.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error('answer too large'));
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
    req.end(payload);
  });
}

function toApiError(response: HttpAnswer, payload: unknown): WhatsAppApiError {
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

function toTransportError(err: unknown, forced?: 'unknown'): WhatsAppTransportError {
  const cause = (err as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code;
  const outcome = forced ?? (code && NOT_SENT_CODES.has(code) ? 'not-sent' : 'unknown');
  const reason = (err as Error).name === 'TimeoutError' ? 'request timed out' : String(code ?? err);
  return new WhatsAppTransportError(outcome, `WhatsApp request failed: ${reason}`, { cause: err });
}
