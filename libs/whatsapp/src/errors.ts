import { classifyError, type ErrorClassification } from './error-classes.js';

/** The provider answered with an error body. */
export class WhatsAppApiError extends Error {
  readonly classification: ErrorClassification;

  constructor(
    readonly httpStatus: number,
    readonly code: number | undefined,
    message: string,
    readonly subcode?: number,
    readonly details?: string,
    readonly fbtraceId?: string,
    readonly retryAfterMs?: number,
  ) {
    super(`WhatsApp API error ${code ?? 'unknown'} (HTTP ${httpStatus}): ${message}`);
    this.name = 'WhatsAppApiError';
    this.classification = classifyError(code, httpStatus);
  }
}

/**
 * No answer from the provider. `outcome` says whether the request may have been accepted:
 * 'not-sent' (connection never made) is safe to retry; 'unknown' (timeout or reset after the
 * request left) must not be repeated blindly.
 */
export class WhatsAppTransportError extends Error {
  constructor(
    readonly outcome: 'not-sent' | 'unknown',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WhatsAppTransportError';
  }
}
