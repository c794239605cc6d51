import { randomUUID } from 'node:crypto';

export interface MultipartField {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
}

/** A name or file name inside a quoted header parameter, escaped as browsers do (WHATWG). */
const quoted = (value: string) =>
  value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/**
 * A multipart/form-data body (RFC 7578). Built by hand: it is a few lines, and the client posts
 * with node:http, which has no form encoder.
 */
export function multipartBody(fields: MultipartField[]): { data: Buffer; contentType: string } {
  const boundary = `----wa-engine-${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const field of fields) {
    const disposition = `form-data; name="${quoted(field.name)}"${
      field.filename === undefined ? '' : `; filename="${quoted(field.filename)}"`
    }`;
    const type = field.contentType ? `\r\nContent-Type: ${field.contentType}` : '';
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    parts.push(typeof field.value === 'string' ? Buffer.from(field.value) : field.value);
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { data: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
