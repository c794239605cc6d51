import { DomainError } from '#libs/domain';
import { WhatsAppApiError, WhatsAppTransportError } from '#libs/whatsapp';

/**
 * Runs one call to Meta on behalf of an API request. Meta refusing what was asked (a 4xx) is the
 * caller's 400 or 409 with Meta's reason on `field`; Meta refusing the account (token,
 * permission) or not answering is a 503: never a 500.
 */
export async function callMeta<T>(field: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WhatsAppApiError) {
      const reason = `Meta answered ${err.code ?? err.httpStatus}: ${err.details ?? err.message}`;
      if (err.classification.kind === 'sender' || err.httpStatus >= 500) {
        throw new DomainError('unavailable', reason);
      }
      const code =
        err.httpStatus === 409 || err.code === 2388024 ? 'conflict' : 'validation_failed';
      throw new DomainError(code, reason, [{ field, reason }]);
    }
    if (err instanceof WhatsAppTransportError) {
      throw new DomainError('unavailable', `Meta did not answer: ${err.message}`);
    }
    if (err instanceof Error && /no WhatsApp credentials/.test(err.message)) {
      throw new DomainError('conflict', err.message, [{ field: 'settings', reason: err.message }]);
    }
    throw err;
  }
}
