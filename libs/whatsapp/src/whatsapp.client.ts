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
    // A timer per request, cleared as soon as the answer is read: AbortSignal.timeout() would
    // keep every request's objects alive for the whole timeout at a thousand sends a second.
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new DOMException('request timed out', 'TimeoutError')),
      this.options.timeoutMs,
    );
    let response: Response;
    let payload: unknown;
    try {
      try {
        response = await fetch(`${this.base}/${from}/messages`, {
          method: 'POST',
          headers: { authorization: this.authorization, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: abort.signal,
        });
      } catch (err) {
        throw toTransportError(err);
      }
      try {
        payload = await response.json();
      } catch (err) {
        if (response.ok) throw toTransportError(err, 'unknown');
        payload = undefined;
      }
    } finally {
      clearTimeout(timer);
    }

    if (!response.ok) throw toApiError(response, payload);
    const ok = payload as SendMessageResponse;
    const wamid = ok.messages?.[0]?.id;
    if (!wamid) {
      throw new WhatsAppTransportError('unknown', 'accepted response without a message id');
    }
    return { wamid, waId: ok.contacts?.[0]?.wa_id };
  }
}

function toApiError(response: Response, payload: unknown): WhatsAppApiError {
  const error = (payload as Partial<CloudApiErrorBody> | undefined)?.error;
  const retryAfter = Number(response.headers.get('retry-after'));
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
