import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * AES-256-GCM for credentials at rest. A value is stored as `keyId:iv:tag:ciphertext`
 * (base64url), so keys can rotate: the first key encrypts, any listed key decrypts, and values
 * under an older key are re-encrypted with `needsRotation` + `encrypt`.
 */
export class SecretBox {
  constructor(private readonly keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('no encryption key configured');
  }

  /** Parses `id:base64,id:base64` (each key 32 bytes), the current key first. */
  static fromSetting(setting: string): SecretBox {
    return new SecretBox(
      setting.split(',').map((entry) => {
        const [id, value] = entry.trim().split(':');
        const key = Buffer.from(value ?? '', 'base64');
        if (!id || key.length !== 32) {
          throw new Error(`encryption key "${id ?? ''}" must be id:<32 bytes in base64>`);
        }
        return { id, key };
      }),
    );
  }

  encrypt(plain: string, associated: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associated));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
    return [id, ...parts].join(':');
  }

  /** `associated` binds the value to its owner: a value copied to another row will not open. */
  decrypt(stored: string, associated: string): string {
    const [id, iv, tag, data] = stored.split(':');
    const key = this.keys.find((k) => k.id === id);
    if (!key) throw new Error(`no encryption key "${id}" is configured to read this value`);
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associated));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(data, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }

  needsRotation(stored: string): boolean {
    return stored.split(':')[0] !== this.keys[0].id;
  }
}
