import type { CloudApiErrorBody } from '#libs/whatsapp';
import { randomId } from './random.js';

/** Titles of the Cloud API error codes the sandbox answers with, as Meta words them. */
const TITLES: Record<number, string> = {
  4: 'Application request limit reached',
  100: 'Invalid parameter',
  190: 'Invalid OAuth access token',
  368: 'Temporarily blocked for policies violations',
  80007: 'Rate limit issues',
  130429: 'Rate limit hit',
  130472: "User's number is part of an experiment",
  131000: 'Something went wrong',
  131008: 'Required parameter is missing',
  131009: 'Parameter value is not valid',
  131016: 'Service unavailable',
  131026: 'Message undeliverable',
  131030: 'Recipient phone number not in allowed list',
  131031: 'Account has been locked',
  131042: 'Business eligibility payment issue',
  131047: 'Re-engagement message',
  131048: 'Spam rate limit hit',
  131049: 'This message was not delivered to maintain healthy ecosystem engagement',
  131050: 'User has stopped marketing messages from this business',
  131056: '(Business Account, Consumer Account) pair rate limit hit',
  131053: 'Media upload error',
  131057: 'Account in maintenance mode',
  132000: 'Number of parameters does not match the expected number of params',
  132001: 'Template does not exist',
  132012: 'Parameter format does not match format in the created template',
  132015: 'Template is paused',
  132016: 'Template is disabled',
};

const DETAILS: Record<number, string> = {
  130429: 'Cloud API message throughput has been reached.',
  131016: 'A service is temporarily unavailable.',
  131026: 'Message could not be delivered to the recipient.',
  131050: 'The recipient has chosen to stop receiving marketing messages from this business.',
  131056:
    'Too many messages sent from this phone number to the same phone number in a short period of time.',
};

export function errorTitle(code: number): string {
  return TITLES[code] ?? 'Error';
}

export function errorDetails(code: number): string {
  return DETAILS[code] ?? errorTitle(code);
}

/** A refused send: the HTTP status and body the sender sees. */
export interface Rejection {
  httpStatus: number;
  code: number;
  body: CloudApiErrorBody;
}

/**
 * Meta's error body; `message` may be given when the title alone would not say enough, and
 * `details` (error_data.details) when the reason is particular to the request.
 */
export function rejection(
  httpStatus: number,
  code: number,
  message?: string,
  details?: string,
): Rejection {
  return {
    httpStatus,
    code,
    body: {
      error: {
        message: message ?? `(#${code}) ${errorTitle(code)}`,
        type: 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: details ?? errorDetails(code) },
        fbtrace_id: randomId(9).toString('base64url'),
      },
    },
  };
}

/**
 * A management request (templates, media) refused for a bad parameter: Graph's code 100 with
 * the field named in `error_user_msg` and in the details, as Meta names the offending field.
 */
export function invalidParameter(details: string, userTitle = 'Invalid parameter'): Rejection {
  const refused = rejection(400, 100, '(#100) Invalid parameter', details);
  Object.assign(refused.body.error, { error_user_title: userTitle, error_user_msg: details });
  return refused;
}

/** Graph's answer for an id it does not serve (or not with this method). */
export function unknownObject(method: string, id: string): Rejection {
  const refused = rejection(
    400,
    100,
    `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
  );
  Object.assign(refused.body.error, { type: 'GraphMethodException', error_subcode: 33 });
  delete refused.body.error.error_data;
  return refused;
}
