import pg from 'pg';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  duplicates: number;
  rejected: number;
  imported: number;
  errors: { row: number; field: string; reason: string }[];
}

interface ContactView {
  id: string;
  phone: string;
  attributes: Record<string, string>;
  consent: { source: string } | null;
  suppressed: { reason: string } | null;
}

/**
 * Contacts and consent end to end: a streamed CSV import with a per-row report, lists, a
 * campaign launched from a list that fills variables from attributes and skips opted-out and
 * unconsented contacts, opt-outs from every source (STOP, button, user_preferences, 131050,
 * by hand) withdrawing unsent messages, a formula-safe export, and erasure that keeps counts.
 * What went out is counted from the sandbox's record.
 */
describe('contacts, lists and consent', () => {
  let engine: Engine;
  let api: ReturnType<typeof apiClient>;
  let token: string;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60' } });
    token = await engine.login();
    api = apiClient(engine.apiUrl, token);
  });

  afterAll(() => engine?.stop());

  const upload = async (path: string, csv: string | Buffer) => {
    const res = await fetch(`${engine.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: csv,
    });
    return { status: res.status, body: await res.json() };
  };
  const sent = async () => (await engine.sandbox<SandboxLog>('/sandbox/messages')).messages;
  const contactByPhone = async (phone: string) => {
    const res = await api.call('GET', `/v1/contacts?phone=${encodeURIComponent(phone)}`);
    return (res.body as { contacts: ContactView[] }).contacts.find((c) => c.phone === phone);
  };
  const closed = (id: string) =>
    eventually<CampaignView>(async () => {
      const c = await api.campaign(id);
      return c.status === 'completed' ? c : undefined;
    });

  /** The list the first import fills, exported below. */
  let springList = '';

  it('imports a CSV with a report per bad row, merges known numbers and adds them to a list', async () => {
    const list = await api.call('POST', '/v1/contact-lists', { name: 'spring' });
    expect(list.status).toBe(201);
    const listId = (list.body as { id: string }).id;
    springList = listId;
    const numbers = testNumbers(6, 9100);
    const csv = [
      'phone,name,first_name,city,time_zone',
      `${numbers[0]},Ann Lee,Ann,"=HYPERLINK(""http://evil"")",Europe/London`,
      `${numbers[1]},Ben,Ben,Leeds,`,
      `${numbers[1]},Ben again,Ben,Leeds,`,
      `not-a-number,Cy,Cy,York,`,
      `${numbers[2]},Di,Di,York,Mars/Base`,
      `${numbers[3]},"Ed ""quoted""",Ed,@SUM(A1),`,
      `${numbers[4]},Flo,,Hull,`,
    ].join('\n');
    const res = await upload(
      `/v1/contacts/import?listId=${listId}&consentSource=web%20form&consentPurpose=offers`,
      csv,
    );
    expect(res.status).toBe(201);
    const report = res.body as ImportReport;
    expect(report).toMatchObject({ rows: 7, created: 4, duplicates: 1, rejected: 2 });
    expect(report.errors.map((e) => [e.row, e.field])).toEqual([
      [5, 'phone'],
      [6, 'time_zone'],
    ]);

    // A second import merges: the known number gains an attribute, keeps its name and consent.
    const again = await upload('/v1/contacts/import', `phone,tier\n${numbers[0]},gold\n`);
    expect(again.body).toMatchObject({ created: 0, updated: 1, rejected: 0 });
    const ann = await contactByPhone(numbers[0]);
    expect(ann).toMatchObject({
      attributes: { first_name: 'Ann', tier: 'gold' },
      consent: { source: 'web form' },
    });

    const members = await api.call('GET', `/v1/contacts?listId=${listId}`);
    expect((members.body as { contacts: unknown[] }).contacts).toHaveLength(4);

    // Bad files: not CSV, not UTF-8, no phone column.
    expect((await upload('/v1/contacts/import', 'name\nAnn\n')).status).toBe(400);
    const latin1 = Buffer.concat([
      Buffer.from(`phone,city\n${numbers[5]},`),
      Buffer.from([0xe9, 0x0a]),
    ]);
    const encoding = await upload('/v1/contacts/import', latin1);
    expect(encoding.status).toBe(400);
    expect(JSON.stringify(encoding.body)).toMatch(/UTF-8/i);
  });

  it('finds a number repeated batches apart as a duplicate, its first row winning, and merges known numbers', async () => {
    // Imports are written 2,000 rows a batch: 7,000 rows span four batches.
    const numbers = testNumbers(7_000, 100_000);
    const known = testNumbers(1, 99_000)[0];
    const before = await upload('/v1/contacts/import', `phone,tier\n${known},silver\n`);
    expect(before.body).toMatchObject({ created: 1, duplicates: 0 });

    const rows = numbers.map((p, i) => `${p},first ${i}`);
    rows[6_600] = `${numbers[10]},repeat of row 12`; // three batches after its first row
    rows[2_500] = `${numbers[2_400]},repeat in its batch`;
    rows[4_000] = `${known},first in the file`; // a known number: merged
    rows[6_999] = `${known},known again`; // and then a duplicate
    rows[3_000] = 'not-a-number,x'; // line 3,002 counting the header
    const res = await upload('/v1/contacts/import', ['phone,tier', ...rows].join('\n'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      rows: 7_000,
      created: 6_995,
      updated: 1,
      duplicates: 3,
      rejected: 1,
      imported: 6_996,
      errors: [{ row: 3_002, field: 'phone' }],
    });
    expect((await contactByPhone(numbers[10]))?.attributes).toEqual({ tier: 'first 10' });
    expect((await contactByPhone(numbers[2_400]))?.attributes).toEqual({ tier: 'first 2400' });
    expect((await contactByPhone(known))?.attributes).toEqual({ tier: 'first in the file' });

    // The same file again: every number is known now, the repeats still count as duplicates.
    const again = await upload('/v1/contacts/import', ['phone,tier', ...rows].join('\n'));
    expect(again.body).toMatchObject({ created: 0, updated: 6_996, duplicates: 3, rejected: 1 });

    // What an import remembers of its numbers goes when it ends.
    const db = new pg.Client({ connectionString: engine.databaseUrl });
    await db.connect();
    const left = await db
      .query<{ n: string }>('select count(*) as n from contact_import_numbers')
      .finally(() => db.end());
    expect(Number(left.rows[0].n)).toBe(0);
  });

  it('exports contacts as CSV with formula cells neutralised', async () => {
    // That import's list: its attribute columns come from the export's first page, which for
    // the whole workspace (thousands of contacts by now) need not hold any of its contacts.
    const res = await fetch(`${engine.apiUrl}/v1/contacts/export?listId=${springList}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toContain(`"'@SUM(A1)"`);
    expect(text).not.toMatch(/(^|,)"[=@]/m);
    expect(text).toContain(`"${testNumbers(1, 9100)[0]}"`);
  });

  it('launches from a list: variables from attributes, opted-out and unconsented contacts skipped, opt-outs withdraw unsent rows', async () => {
    const numbers = testNumbers(30, 9200);
    const list = await api.call('POST', '/v1/contact-lists', { name: 'launch' });
    const listId = (list.body as { id: string }).id;
    const withConsent = numbers.slice(0, 28);
    const csv = ['phone,first_name', ...withConsent.map((p, i) => `${p},N${i}`)].join('\n');
    await upload(
      `/v1/contacts/import?listId=${listId}&consentSource=shop&consentPurpose=offers`,
      csv,
    );
    // Two contacts with no recorded opt-in.
    await upload(
      `/v1/contacts/import?listId=${listId}`,
      `phone,first_name\n${numbers[28]},X\n${numbers[29]},Y\n`,
    );
    await api.template('contact_offer', ['first_name']);

    // A contact without the variable's attribute stops the launch before anything is sent.
    const bare = await api.call('POST', '/v1/contacts', {
      phone: testNumbers(1, 9300)[0],
      listIds: [listId],
      consent: { source: 'shop', purpose: 'offers' },
    });
    expect(bare.status).toBe(201);
    const refused = await api.call('POST', '/v1/campaigns', {
      name: 'from list',
      template: { name: 'contact_offer', language: 'en_US' },
      contacts: { listId },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('first_name');
    await api.call(
      'DELETE',
      `/v1/contact-lists/${listId}/members/${(bare.body as { id: string }).id}`,
    );

    // Opted out before the launch: by hand and by STOP.
    expect((await api.call('POST', '/v1/suppressions', { phone: numbers[0] })).status).toBe(201);
    await engine.sandbox('/sandbox/inbound', {
      method: 'POST',
      body: { from: numbers[1].slice(1), phoneNumberId: engine.sender, text: 'STOP' },
    });
    await eventually(async () => (await contactByPhone(numbers[1]))?.suppressed ?? undefined);

    // Slow, so an opt-out arriving during the campaign meets rows not sent yet.
    const launched = await api.call('POST', '/v1/campaigns', {
      name: 'from list',
      template: { name: 'contact_offer', language: 'en_US' },
      contacts: { listId },
      ratePerSecond: 4,
    });
    expect(launched.status).toBe(201);
    const { id } = launched.body as { id: string };
    await engine.sandbox('/sandbox/inbound', {
      method: 'POST',
      body: {
        from: numbers[27].slice(1),
        phoneNumberId: engine.sender,
        button: { payload: 'STOP', text: 'Stop promotions' },
      },
    });
    const done = await closed(id);
    expect(done.totalRecipients).toBe(30);
    const to = new Set((await sent()).map((m) => `+${m.to}`));
    // Opted out (hand, STOP, button mid-campaign) and unconsented numbers never got a message.
    for (const phone of [numbers[0], numbers[1], numbers[27], numbers[28], numbers[29]]) {
      expect(to.has(phone)).toBe(false);
    }
    for (const phone of numbers.slice(2, 27)) expect(to.has(phone)).toBe(true);
    expect(done.counts.skipped).toBe(5);
    expect(done.counts.read).toBe(25);

    const skipped = await api.call('GET', `/v1/campaigns/${id}/recipients?status=skipped`);
    const reasons = (
      skipped.body as { recipients: { phone: string; error: { message: string } }[] }
    ).recipients;
    expect(Object.fromEntries(reasons.map((r) => [r.phone, r.error.message]))).toEqual({
      [numbers[0]]: 'opted out (manual)',
      [numbers[1]]: 'opted out (stop_keyword)',
      [numbers[27]]: 'opted out (opt_out_button)',
      [numbers[28]]: 'no opt-in recorded for marketing',
      [numbers[29]]: 'no opt-in recorded for marketing',
    });
  });

  it('records user_preferences stops and resumes, and 131050 answers, on the suppression list', async () => {
    const [stopper, blocked] = testNumbers(2, 9400);
    await engine.sandbox('/sandbox/user-preferences', {
      method: 'POST',
      body: { from: stopper.slice(1), phoneNumberId: engine.sender, value: 'stop' },
    });
    const listed = async (reason: string) =>
      (
        (await api.call('GET', `/v1/suppressions?reason=${reason}`)).body as {
          suppressions: { phone: string }[];
        }
      ).suppressions.map((s) => s.phone);
    await eventually(async () =>
      (await listed('user_preferences')).includes(stopper) ? true : undefined,
    );
    await engine.sandbox('/sandbox/user-preferences', {
      method: 'POST',
      body: { from: stopper.slice(1), phoneNumberId: engine.sender, value: 'resume' },
    });
    await eventually(async () =>
      (await listed('user_preferences')).includes(stopper) ? undefined : true,
    );

    await engine.sandbox('/sandbox/config', {
      method: 'PUT',
      body: { faults: [{ kind: 'error', code: 131050, numbers: [blocked.slice(1)] }] },
    });
    const { id } = await api.launch([{ phone: blocked }], 'to a stopped number');
    await closed(id);
    await engine.sandbox('/sandbox/config', { method: 'PUT', body: { faults: [] } });
    expect(await listed('error_131050')).toContain(blocked);
  });

  it("exports one contact's data and erases it, keeping the campaign's counts", async () => {
    const [phone] = testNumbers(1, 9500);
    const created = await api.call('POST', '/v1/contacts', {
      phone,
      name: 'Erin',
      attributes: { first_name: 'Erin' },
      consent: { source: 'app', purpose: 'news' },
    });
    const contactId = (created.body as { id: string }).id;
    const { id } = await api.launch([{ phone, variables: ['Erin'] }], 'to erin', 'erin_note');
    const before = await closed(id);

    const exported = await api.call('GET', `/v1/contacts/${contactId}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      contact: { phone, name: 'Erin' },
      messages: [{ campaignId: id, status: 'read' }],
    });

    expect((await api.call('DELETE', `/v1/contacts/${contactId}`)).status).toBe(204);
    expect((await api.call('GET', `/v1/contacts/${contactId}`)).status).toBe(404);
    const after = await api.campaign(id);
    expect(after.counts).toEqual(before.counts);
    const rows = await api.call('GET', `/v1/campaigns/${id}/recipients`);
    expect(JSON.stringify(rows.body)).not.toContain(phone);
    expect(JSON.stringify(rows.body)).not.toContain('Erin');
  });

  it("keeps another workspace's contacts, lists and suppressions out of reach", async () => {
    const signup = await fetch(`${engine.apiUrl}/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        workspaceName: 'other shop',
        email: `other-${Date.now()}@example.com`,
        password: 'granite pelican lantern 93 zest',
      }),
    });
    const other = apiClient(
      engine.apiUrl,
      ((await signup.json()) as { accessToken: string }).accessToken,
    );
    const mine = await contactByPhone(testNumbers(1, 9100)[0]);
    expect(mine).toBeDefined();
    expect((await other.call('GET', `/v1/contacts/${mine!.id}`)).status).toBe(404);
    expect((await other.call('DELETE', `/v1/contacts/${mine!.id}`)).status).toBe(404);
    expect(
      ((await other.call('GET', '/v1/contacts')).body as { contacts: unknown[] }).contacts,
    ).toEqual([]);
    expect(
      ((await other.call('GET', '/v1/suppressions')).body as { suppressions: unknown[] })
        .suppressions,
    ).toEqual([]);
    expect(await contactByPhone(mine!.phone)).toBeDefined();
  });
});
