/**
 * Meta's send-time `template.components` (developers.facebook.com/documentation/business-
 * messaging/whatsapp/templates/ and .../reference/messages): what POST /{phone-number-id}/messages
 * takes in `template.components`.
 */
export interface MediaRef {
  link?: string;
  id?: string;
}
export type SendParameter =
  | { type: 'text'; text: string; parameter_name?: string }
  | { type: 'image'; image: MediaRef }
  | { type: 'video'; video: MediaRef }
  | { type: 'document'; document: MediaRef & { filename?: string } }
  | {
      type: 'location';
      location: { latitude: string; longitude: string; name?: string; address?: string };
    }
  | { type: 'coupon_code'; coupon_code: string }
  | { type: 'payload'; payload: string }
  | { type: 'action'; action: { flow_token?: string; flow_action_data?: Record<string, unknown> } };
export type SendComponent =
  | { type: 'header' | 'body'; parameters: SendParameter[] }
  | {
      type: 'button';
      sub_type: 'url' | 'copy_code' | 'quick_reply' | 'flow';
      index: string;
      parameters: SendParameter[];
    };
