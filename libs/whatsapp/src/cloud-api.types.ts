import { z } from 'zod';

/** Request and response shapes of POST /{version}/{phone-number-id}/messages. */

/**
 * A send-time template component. Deliberately loose, and passing through fields it does not
 * name: Meta's shapes (header media, named body parameters, url / copy_code / quick_reply / flow
 * buttons) are checked against the template by checkComponents in #libs/domain, not here.
 */
export const templateComponentSchema = z.looseObject({
  type: z.enum(['header', 'body', 'button']),
  sub_type: z.string().optional(),
  index: z.union([z.string(), z.number()]).optional(),
  parameters: z.array(z.record(z.string(), z.unknown())),
});

const base = {
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  to: z.string().regex(/^\d{6,15}$/, 'must be the recipient number in international form'),
  biz_opaque_callback_data: z.string().max(512).optional(),
};

export const sendMessageRequestSchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('text'),
    text: z.object({ body: z.string().min(1).max(4096), preview_url: z.boolean().optional() }),
  }),
  z.object({
    ...base,
    type: z.literal('template'),
    template: z.object({
      name: z.string().min(1),
      language: z.object({ code: z.string().min(2) }),
      components: z.array(templateComponentSchema).optional(),
    }),
  }),
]);
export type SendMessageRequest = z.infer<typeof sendMessageRequestSchema>;
export type TemplateComponent = z.infer<typeof templateComponentSchema>;

export interface SendMessageResponse {
  messaging_product: 'whatsapp';
  contacts: { input: string; wa_id: string }[];
  messages: { id: string; message_status?: string }[];
}

export interface CloudApiErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product?: string; details?: string };
    fbtrace_id?: string;
  };
}
