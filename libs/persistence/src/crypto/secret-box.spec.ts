import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box.js';

const key = () => randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('encrypts with AES-256-GCM and opens only with the same owner', () => {
    const box = SecretBox.fromSetting(`k1:${key()}`);
    const stored = box.encrypt('EAAG-token', 'workspace-a');
    expect(stored.startsWith('k1:')).toBe(true);
    expect(stored).not.toContain('EAAG');
    expect(box.decrypt(stored, 'workspace-a')).toBe('EAAG-token');
    expect(() => box.decrypt(stored, 'workspace-b')).toThrow();
    const tampered = stored.slice(0, -2) + (stored.endsWith('A') ? 'B' : 'A') + stored.slice(-1);
    expect(() => box.decrypt(tampered, 'workspace-a')).toThrow();
  });

  it('rotates: the first key encrypts, older keys still decrypt', () => {
    const [k1, k2] = [key(), key()];
    const old = SecretBox.fromSetting(`k1:${k1}`).encrypt('secret', 'w');
    const rotated = SecretBox.fromSetting(`k2:${k2},k1:${k1}`);
    expect(rotated.needsRotation(old)).toBe(true);
    const again = rotated.encrypt(rotated.decrypt(old, 'w'), 'w');
    expect(again.startsWith('k2:')).toBe(true);
    expect(rotated.needsRotation(again)).toBe(false);
    expect(() => SecretBox.fromSetting(`k2:${k2}`).decrypt(old, 'w')).toThrow(/k1/);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => SecretBox.fromSetting('k1:c2hvcnQ=')).toThrow(/32 bytes/);
  });
});
