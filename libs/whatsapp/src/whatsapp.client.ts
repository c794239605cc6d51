import type { SendComponent } from '#libs/domain';
import type {
  SendMessageRequest,
  SendMessageResponse,
  TemplateComponent,
} from './cloud-api.types.js';
import { WhatsAppTransportError } from './errors.js';
import { request, toApiError, toTransportError, type HttpRequest } from './graph-http.js';
import { multipartBody } from './multipart-body.js';
import {
  TEMPLATE_LIST_FIELDS,
  type CreatedTemplate,
  type MediaUpload,
  type TemplateListItem,
  type TemplatePage,
} from './template-management.types.js';

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

/** A page of template definitions can be large; a send answer is ~200 bytes. */
const MAX_LIST_ANSWER_BYTES = 16 << 20;
const MIME_TYPE = /^[a-z]+\/[a-z0-9.+-]+$/i;

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

  /**
   * Sends a template from the business number `from` (its phone-number id) to `to`; components
   * are Meta's send-time components (buildComponents makes them).
   */
  sendTemplate(
    from: string,
    to: string,
    template: {
      name: string;
      language: string;
      components?: readonly (TemplateComponent | SendComponent)[];
    },
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
        ...(template.components?.length
          ? { components: template.components as TemplateComponent[] }
          : {}),
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

  /** One page of GET /{waba-id}/message_templates, and the cursor of the next (null on the last). */
  async listTemplates(
    wabaId: string,
    page: { after?: string; limit?: number } = {},
  ): Promise<TemplatePage> {
    const query = new URLSearchParams({ fields: TEMPLATE_LIST_FIELDS });
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.after) query.set('after', page.after);
    const answer = (await this.call(
      { method: 'GET', url: `${this.path(wabaId)}/message_templates?${query.toString()}` },
      MAX_LIST_ANSWER_BYTES,
    )) as { data?: unknown; paging?: { cursors?: { after?: unknown }; next?: unknown } };
    if (!Array.isArray(answer?.data)) {
      throw new WhatsAppTransportError('unknown', 'template list answer without a data array');
    }
    // Meta keeps a cursor on the last page too; only `next` says another page exists.
    const after = answer.paging?.cursors?.after;
    return {
      templates: answer.data as TemplateListItem[],
      after: answer.paging?.next && typeof after === 'string' ? after : null,
    };
  }

  /** Every template of the account, page after page. */
  async *eachTemplate(
    wabaId: string,
    options: { limit?: number } = {},
  ): AsyncGenerator<TemplateListItem, void, undefined> {
    let after: string | undefined;
    do {
      const page = await this.listTemplates(wabaId, { ...options, ...(after ? { after } : {}) });
      yield* page.templates;
      after = page.after ?? undefined;
    } while (after);
  }

  /** POST /{waba-id}/message_templates with a definition (metaTemplateSchema's output). */
  async createTemplate(wabaId: string, definition: object): Promise<CreatedTemplate> {
    const answer = (await this.call({
      method: 'POST',
      url: `${this.path(wabaId)}/message_templates`,
      body: { data: Buffer.from(JSON.stringify(definition)), contentType: 'application/json' },
    })) as Partial<CreatedTemplate> | undefined;
    if (typeof answer?.id !== 'string') {
      throw new WhatsAppTransportError('unknown', 'template created without an id in the answer');
    }
    return { id: answer.id, status: String(answer.status), category: String(answer.category) };
  }

  /**
   * Deletes a template by name: every language of it, or with `hsmId` (its id) that one only.
   */
  async deleteTemplate(wabaId: string, name: string, hsmId?: string): Promise<void> {
    const query = new URLSearchParams({ name, ...(hsmId ? { hsm_id: hsmId } : {}) });
    await this.call({
      method: 'DELETE',
      url: `${this.path(wabaId)}/message_templates?${query.toString()}`,
    });
  }

  /** Uploads a file for media headers: multipart POST /{phone-number-id}/media, answering its id. */
  async uploadMedia(phoneNumberId: string, media: MediaUpload): Promise<{ id: string }> {
    if (!MIME_TYPE.test(media.mimeType)) throw new TypeError(`not a MIME type: ${media.mimeType}`);
    const body = multipartBody([
      { name: 'messaging_product', value: 'whatsapp' },
      { name: 'type', value: media.mimeType },
      { name: 'file', value: media.data, filename: media.filename, contentType: media.mimeType },
    ]);
    const answer = (await this.call({
      method: 'POST',
      url: `${this.path(phoneNumberId)}/media`,
      body,
    })) as { id?: unknown } | undefined;
    if (typeof answer?.id !== 'string') {
      throw new WhatsAppTransportError('unknown', 'media uploaded without an id in the answer');
    }
    return { id: answer.id };
  }

  private path(id: string): string {
    return `${this.base}/${encodeURIComponent(id)}`;
  }

  private async send(from: string, body: SendMessageRequest): Promise<SendResult> {
    const answer = (await this.call({
      method: 'POST',
      url: `${this.base}/${from}/messages`,
      body: { data: Buffer.from(JSON.stringify(body)), contentType: 'application/json' },
    })) as SendMessageResponse | undefined;
    const wamid = answer?.messages?.[0]?.id;
    if (!wamid) {
      throw new WhatsAppTransportError('unknown', 'accepted response without a message id');
    }
    return { wamid, waId: answer.contacts?.[0]?.wa_id };
  }

  /** One Graph API request: its JSON answer, or the error it came back with. */
  private async call(
    req: Pick<HttpRequest, 'method' | 'url' | 'body'>,
    maxAnswerBytes?: number,
  ): Promise<unknown> {
    let response;
    try {
      response = await request({
        ...req,
        authorization: this.authorization,
        timeoutMs: this.options.timeoutMs,
        ...(maxAnswerBytes ? { maxAnswerBytes } : {}),
      });
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
    return payload;
  }
}
