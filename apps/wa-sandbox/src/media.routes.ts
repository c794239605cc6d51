import { DEFAULT_MEDIA_TTL_MS } from './behaviour.js';
import { invalidParameter, rejection, type Rejection } from './cloud-api-errors.js';
import { sendJson, sendJsonAndClose } from './http-io.js';
import { MAX_UPLOAD_BYTES, MEDIA_TYPES } from '#libs/domain';
import {
  MultipartError,
  MultipartTooLarge,
  multipartBoundary,
  readMultipart,
  type MultipartForm,
} from './multipart-reader.js';
import { guarded, sendRejection } from './route-helpers.js';
import type { Router } from './router.js';
import type { SandboxContext } from './sandbox-context.js';

const VERSION = /^v\d+\.\d+$/;
const NUMERIC = /^\d+$/;
const MB = 1024 * 1024;

/**
 * POST /{version}/{phone-number-id}/media: Meta's upload (multipart/form-data with
 * `messaging_product`, `type`, the MIME type, and `file`), answered `{id}`. The sandbox keeps the
 * type and size, not the bytes; a type Meta does not take is code 100, a file over its type's
 * limit (or empty) 131053, "Media upload error". The id can be sent by this number only.
 */
export function mediaRoutes(router: Router, ctx: SandboxContext): void {
  router.on(
    'POST',
    '/:version/:phoneNumberId/media',
    guarded(ctx, async (req, res, [version, phoneNumberId]) => {
      // The rest of a refused upload is not worth reading: each refusal closes the connection.
      const refuse = (refused: Rejection) =>
        sendJsonAndClose(res, refused.httpStatus, refused.body);
      if (!VERSION.test(version) || !NUMERIC.test(phoneNumberId)) {
        return refuse(rejection(400, 100, 'Unsupported post request.'));
      }
      const boundary = multipartBoundary(req.headers['content-type']);
      if (!boundary) {
        return refuse(
          invalidParameter(
            'the body must be multipart/form-data with messaging_product, type and file',
          ),
        );
      }
      let form: MultipartForm;
      try {
        form = await readMultipart(req, boundary, MAX_UPLOAD_BYTES);
      } catch (err) {
        if (err instanceof MultipartTooLarge) {
          return refuse(
            rejection(
              413,
              131053,
              undefined,
              'The file is larger than any media type allows (100 MB).',
            ),
          );
        }
        if (err instanceof MultipartError) return refuse(invalidParameter(`file: ${err.message}`));
        throw err;
      }
      const refused = check(form);
      if (refused || !form.file)
        return sendRejection(res, refused ?? invalidParameter('file: required'));
      const id = ctx.media.add(
        { phoneNumberId, mimeType: mimeOf(form), size: form.file.size, uploadedAtMs: Date.now() },
        ctx.behaviour.current.mediaTtlMs ?? DEFAULT_MEDIA_TTL_MS,
      );
      sendJson(res, 200, { id });
    }),
  );
}

const mimeOf = (form: MultipartForm) => (form.fields.type ?? '').split(';')[0].trim().toLowerCase();

function check(form: MultipartForm): Rejection | undefined {
  if (form.fields.messaging_product !== 'whatsapp') {
    return invalidParameter('messaging_product: must be "whatsapp"');
  }
  if (!form.file) return invalidParameter('file: required');
  const type = mimeOf(form);
  if (!type) return invalidParameter('type: required, the MIME type of the file');
  const limits = MEDIA_TYPES[type];
  if (!limits) {
    return rejection(
      400,
      100,
      `(#100) Param file must be a file with one of the following types: ${Object.keys(MEDIA_TYPES).join(', ')}. Received file of type '${type.slice(0, 100)}'.`,
    );
  }
  if (form.file.size === 0) return rejection(400, 131053, undefined, 'The file is empty.');
  if (form.file.size > limits.maxBytes) {
    const max =
      limits.maxBytes >= MB ? `${limits.maxBytes / MB} MB` : `${limits.maxBytes / 1024} KB`;
    return rejection(
      400,
      131053,
      undefined,
      `${type} files may be at most ${max}; this one has ${form.file.size} bytes.`,
    );
  }
  return undefined;
}
