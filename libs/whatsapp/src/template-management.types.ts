/**
 * Shapes of Meta's template management and media endpoints: GET/POST/DELETE
 * /{waba-id}/message_templates and POST /{phone-number-id}/media.
 */

/** The fields asked for when listing, so every item carries what the engine keeps. */
export const TEMPLATE_LIST_FIELDS =
  'name,language,status,category,components,parameter_format,quality_score,rejected_reason,id';

/** One template as GET /{waba-id}/message_templates answers it (checked by the caller). */
export interface TemplateListItem {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  components: unknown[];
  parameter_format?: string;
  quality_score?: { score?: string; date?: number };
  rejected_reason?: string;
}

export interface TemplatePage {
  templates: TemplateListItem[];
  /** The cursor of the next page, or null on the last one. */
  after: string | null;
}

/** POST /{waba-id}/message_templates answers with the new template's id and review state. */
export interface CreatedTemplate {
  id: string;
  status: string;
  category: string;
}

export interface MediaUpload {
  data: Buffer;
  mimeType: string;
  filename: string;
}
