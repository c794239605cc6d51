import { unsafeTextReason } from '../text.js';
import type { TemplateParameter } from './template-parameters.js';

export type MediaKind = 'image' | 'video' | 'document';
export interface UploadedMedia {
  kind: MediaKind;
  expiresAt: Date;
}
export interface ValueCheckOptions {
  /** Looks up an uploaded media id, so ids can be checked before anything is sent. */
  media?: (id: string) => UploadedMedia | undefined;
  /** The latest moment the messages may go out: media ids must outlive it. */
  sendBy?: Date;
  /** The clock, for expiry (defaults to now). */
  now?: Date;
}

const MEDIA_ID = /^\d{1,32}$/;
/** Meta refuses these in template text parameters (error 132018). */
const LINE_BREAK_OR_TAB = /[\n\r\t]/;
const FIVE_SPACES = / {5}/;
const WHITESPACE = /\s/;
const DECIMAL = /^[+-]?\d{1,3}(\.\d{1,15})?$/;
/** RFC 3986 characters that may stand in a path, query or fragment; `%` only as `%XX`. */
const URL_SAFE = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-Fa-f]{2})+$/;
/** A full URL pasted where only its tail belongs: `https:`, `mailto:`, `javascript:`… */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** File extensions by the media kind they are, to catch a `.mp4` given for an image header. */
const EXTENSIONS: Record<MediaKind | 'audio' | 'sticker', string[]> = {
  image: ['jpg', 'jpeg', 'png'],
  video: ['mp4', '3gp', '3gpp', 'mov', 'avi', 'mkv', 'webm'],
  document: ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'txt', 'csv'],
  audio: ['mp3', 'aac', 'amr', 'm4a', 'ogg', 'opus', 'wav'],
  sticker: ['webp'],
};
const KIND_OF_EXTENSION = new Map(
  Object.entries(EXTENSIONS).flatMap(([kind, list]) => list.map((ext) => [ext, kind] as const)),
);

/**
 * Why `value` cannot fill `parameter`, or null when it can. The one rule per parameter kind that
 * both checkValues (values by key) and checkComponents (Meta's own components) apply.
 */
export function valueProblem(
  parameter: TemplateParameter,
  value: string,
  options: ValueCheckOptions = {},
): string | null {
  const unsafe = unsafeTextReason(value);
  if (unsafe) return unsafe;
  if (value.length === 0) return 'must not be empty';
  const { maxLength, min, max } = parameter.limits;
  if (value.length > maxLength) return `must be at most ${maxLength} characters (Meta's limit)`;
  switch (parameter.kind) {
    case 'text':
      if (LINE_BREAK_OR_TAB.test(value)) {
        return 'must not contain line breaks or tabs: Meta refuses them in parameters (132018)';
      }
      if (FIVE_SPACES.test(value)) {
        return 'must not contain more than four spaces in a row: Meta refuses them (132018)';
      }
      return null;
    case 'image':
    case 'video':
    case 'document':
      return mediaProblem(parameter.kind, value, options);
    case 'location':
      if (min === undefined) return null;
      if (!DECIMAL.test(value)) return 'must be a decimal number of degrees, such as 51.5072';
      return Number(value) < min || Number(value) > (max ?? min)
        ? `must be between ${min} and ${max}`
        : null;
    case 'url_suffix':
      return urlSuffixProblem(value, parameter.urlPrefix ?? '');
    case 'coupon_code':
    case 'otp_code':
      return WHITESPACE.test(value) ? 'must not contain spaces or line breaks' : null;
    case 'flow_action_data':
      return flowDataProblem(value);
    case 'document_filename':
      return /[\n\r\t/\\]/.test(value)
        ? 'must be a file name without line breaks or slashes'
        : null;
    case 'payload':
    case 'flow_token':
      return null;
  }
}

function mediaProblem(kind: MediaKind, value: string, options: ValueCheckOptions): string | null {
  if (MEDIA_ID.test(value)) return mediaIdProblem(kind, value, options);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a public https:// link or an uploaded media id of digits';
  }
  if (url.protocol !== 'https:') return 'must be an https:// link (Meta fetches media over https)';
  if (!url.hostname.includes('.') || url.username || url.password) {
    return 'must be a public https:// link to a host name, without credentials';
  }
  const file = url.pathname.split('/').pop() ?? '';
  const dot = file.lastIndexOf('.');
  const other = dot > 0 ? KIND_OF_EXTENSION.get(file.slice(dot + 1).toLowerCase()) : undefined;
  if (other && other !== kind)
    return `links to a .${file.slice(dot + 1)} file: ${article(other)}, not ${article(kind)}`;
  return null;
}

function mediaIdProblem(kind: MediaKind, id: string, options: ValueCheckOptions): string | null {
  if (!options.media) return null;
  const found = options.media(id);
  if (!found) return `media id ${id} is unknown: upload the file first`;
  if (found.kind !== kind) return `media id ${id} is ${article(found.kind)}, not ${article(kind)}`;
  const now = options.now ?? new Date();
  if (found.expiresAt.getTime() <= now.getTime()) {
    return `media id ${id} expired at ${found.expiresAt.toISOString()}: upload the file again`;
  }
  if (options.sendBy && found.expiresAt.getTime() < options.sendBy.getTime()) {
    return `media id ${id} expires at ${found.expiresAt.toISOString()}, before the messages go out (by ${options.sendBy.toISOString()})`;
  }
  return null;
}

/**
 * The suffix is appended to the button's fixed URL as it is, so it must keep that URL one valid
 * URL: only URL-safe characters (no spaces; `%` only in `%XX` escapes), no scheme of its own
 * (a whole URL pasted in), no `//` (neither inside it nor where it meets the fixed part).
 */
function urlSuffixProblem(value: string, prefix: string): string | null {
  if (WHITESPACE.test(value)) return 'must not contain spaces: escape them as %20';
  if (!URL_SAFE.test(value)) {
    return "must use only URL-safe characters (letters, digits, - . _ ~ and ! $ & ' ( ) * + , ; = : @ / ? #, or %XX escapes)";
  }
  if (SCHEME.test(value)) return 'must be the end of the URL, not a URL with its own scheme';
  if (value.includes('//') || (prefix.endsWith('/') && value.startsWith('/'))) {
    return 'must not make a // in the URL';
  }
  try {
    new URL(prefix + value);
  } catch {
    return "does not make a valid URL with the button's fixed part";
  }
  return null;
}

function flowDataProblem(value: string): string | null {
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    return 'must be a JSON object, such as {"screen":"WELCOME"}';
  }
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? null
    : 'must be a JSON object, such as {"screen":"WELCOME"}';
}

const article = (kind: string) => (/^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`);
