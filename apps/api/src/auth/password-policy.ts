import zxcvbnCore from '@zxcvbn-ts/core';
import zxcvbnCommon from '@zxcvbn-ts/language-common';

const zxcvbn = new zxcvbnCore.ZxcvbnFactory({
  dictionary: zxcvbnCommon.dictionary,
  graphs: zxcvbnCommon.adjacencyGraphs,
});

/** bcrypt reads at most 72 bytes; longer passwords would be silently cut. */
const MAX_BYTES = 72;

/**
 * Why a password is not good enough, or null: at least 12 characters, at most 72 bytes, not a
 * common password (the list of common passwords shipped with zxcvbn-ts), not built on the
 * user's e-mail, and hard enough to guess (zxcvbn score 3 of 4).
 */
export async function passwordWeakness(password: string, email: string): Promise<string | null> {
  if ([...password].length < 12) return 'must be at least 12 characters';
  if (Buffer.byteLength(password) > MAX_BYTES) return `must be at most ${MAX_BYTES} bytes`;
  const result = await zxcvbn.checkAsync(password, [email, email.split('@')[0] ?? '']);
  const common = result.sequence.some(
    (m) =>
      m.pattern === 'dictionary' &&
      String(m.dictionaryName).startsWith('passwords') &&
      m.token.toLowerCase() === password.toLowerCase(),
  );
  if (common) return 'is a common password';
  if (result.score < 3) {
    return `is too easy to guess${result.feedback.warning ? ` (${result.feedback.warning})` : ''}`;
  }
  return null;
}
