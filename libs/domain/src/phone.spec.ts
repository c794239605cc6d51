import { normalisePhone, toWhatsAppRecipient } from './phone.js';

describe('normalisePhone', () => {
  it('normalises international numbers to E.164 and derives the country', () => {
    expect(normalisePhone('+44 7400 123456')).toEqual({ e164: '+447400123456', country: 'GB' });
    expect(normalisePhone('447400123456')).toEqual({ e164: '+447400123456', country: 'GB' });
    // Same +44 prefix, different territory: the country comes from the full number.
    expect(normalisePhone('+447911123456')).toEqual({ e164: '+447911123456', country: 'GG' });
    expect(normalisePhone(' +49 1512 3456789 ')).toEqual({ e164: '+4915123456789', country: 'DE' });
    expect(normalisePhone('+5511987654321')).toEqual({ e164: '+5511987654321', country: 'BR' });
  });

  it('rejects what cannot be dialled', () => {
    expect(normalisePhone('nope')).toBeNull();
    expect(normalisePhone('+44 7911')).toBeNull();
    expect(normalisePhone('+999 123456789')).toBeNull();
  });

  it('addresses the Cloud API without the plus', () => {
    expect(toWhatsAppRecipient('+447400123456')).toBe('447400123456');
  });
});
