import { checkContactHeader, parseContactRow } from './contact-row.js';

const defaults = { consentAt: '2026-01-01T00:00:00.000Z' };

describe('contacts CSV rows', () => {
  it('needs a phone column and attribute columns named like template variables', () => {
    expect(checkContactHeader(['name', 'city'])).toEqual({
      field: 'header',
      reason: 'a "phone" column is required',
    });
    expect(checkContactHeader(['phone', 'First Name'])?.field).toBe('header.first name');
    expect(checkContactHeader(['phone', 'city', 'city'])?.reason).toBe('the column appears twice');
    expect(checkContactHeader(['Phone', 'name', 'first_name'])).toBeNull();
  });

  it('normalises the number and keeps other columns as attributes', () => {
    const header = ['phone', 'name', 'first_name', 'time_zone'];
    expect(
      parseContactRow(header, ['44 7400 123456', 'Ann Lee', 'Ann', 'Europe/London'], defaults),
    ).toEqual({
      contact: {
        phone: '+447400123456',
        country: 'GB',
        name: 'Ann Lee',
        attributes: { first_name: 'Ann' },
        timeZone: 'Europe/London',
        consentAt: null,
        consentSource: null,
        consentPurpose: null,
      },
    });
  });

  it('reports the field of a bad row', () => {
    const header = ['phone', 'time_zone', 'consent_at', 'city'];
    expect(parseContactRow(header, ['12'], defaults)).toMatchObject({ field: 'phone' });
    expect(parseContactRow(header, ['+447400123456', 'Mars/Base'], defaults)).toMatchObject({
      field: 'time_zone',
    });
    expect(parseContactRow(header, ['+447400123456', '', 'yesterday'], defaults)).toMatchObject({
      field: 'consent_at',
    });
    expect(parseContactRow(header, ['+447400123456', '', '', 'a\u0000b'], defaults)).toMatchObject({
      field: 'city',
    });
  });

  it('records consent from the row, or from the import when the row has none', () => {
    const header = ['phone', 'consent_at', 'consent_source', 'consent_purpose'];
    const row = parseContactRow(
      header,
      ['+447400123456', '2025-05-01', 'web form', 'offers'],
      defaults,
    );
    expect(row).toMatchObject({
      contact: {
        consentAt: '2025-05-01T00:00:00.000Z',
        consentSource: 'web form',
        consentPurpose: 'offers',
      },
    });
    const fromImport = parseContactRow(['phone'], ['+447400123456'], {
      ...defaults,
      consentSource: 'shop till',
      consentPurpose: 'receipts',
    });
    expect(fromImport).toMatchObject({
      contact: { consentAt: defaults.consentAt, consentSource: 'shop till' },
    });
  });
});
