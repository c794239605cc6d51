import { passwordWeakness } from './password-policy.js';

describe('passwordWeakness', () => {
  it.each([
    ['short', 'must be at least 12 characters'],
    ['123456789012', 'is a common password'],
    ['passwordpassword', 'is too easy to guess'],
    ['aaaaaaaaaaaaaaaa', 'is too easy to guess'],
    ['a'.repeat(73), 'must be at most 72 bytes'],
  ])('refuses %s', async (password, reason) => {
    expect(await passwordWeakness(password, 'ann@example.com')).toContain(reason);
  });

  it('refuses a password built on the e-mail', async () => {
    expect(await passwordWeakness('ann.example2026', 'ann.example@example.com')).not.toBeNull();
  });

  it('accepts a long, unusual passphrase', async () => {
    expect(
      await passwordWeakness('velvet tractor moonlit 47 harbour', 'ann@example.com'),
    ).toBeNull();
  });
});
