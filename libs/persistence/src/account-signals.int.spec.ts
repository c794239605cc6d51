import { MikroORM } from '@mikro-orm/postgresql';
import { testInfrastructure } from '#test/setup/test-settings';
import { ormOptions } from './orm.config.js';
import { AccountEventRepository } from './repositories/account-event.repository.js';
import { IdentityRepository } from './repositories/identity.repository.js';
import { MEDIA_ID_LIFETIME_MS, MediaRepository } from './repositories/media.repository.js';
import { TemplateRepository } from './repositories/template.repository.js';
import { syncTemplates } from './template-sync.js';

describe('account events, media and template sync against PostgreSQL', () => {
  let orm: MikroORM;
  let workspace: string;
  let other: string;

  beforeAll(async () => {
    orm = await MikroORM.init(ormOptions({ databaseUrl: testInfrastructure().databaseUrl }));
    const identity = new IdentityRepository(orm.em);
    workspace = await identity.createWorkspace('account signals spec');
    other = await identity.createWorkspace('account signals spec, other');
  });
  afterAll(() => orm?.close());

  it('lists account events newest first, filtered and paged, within their workspace', async () => {
    const events = new AccountEventRepository(orm.em);
    const at = (event: string, name: string | null) =>
      events.record({
        workspaceId: workspace,
        wabaId: '1',
        field: name ? 'message_template_status_update' : 'account_update',
        event,
        templateName: name,
        templateLanguage: name ? 'en_US' : null,
        details: {},
        effects: { n: event },
      });
    for (const e of ['PAUSED', 'APPROVED', 'PAUSED']) await at(e, 'promo');
    await at('ACCOUNT_RESTRICTION', null);
    await events.record({
      workspaceId: other,
      wabaId: '2',
      field: 'account_update',
      event: 'PAUSED',
      details: {},
      effects: {},
    });

    const paused = await events.page(workspace, { event: 'PAUSED', limit: 10 });
    expect(paused.map((e) => e.template?.name)).toEqual(['promo', 'promo']);
    expect(paused[0].id).toBeGreaterThan(paused[1].id);
    const first = await events.page(workspace, { limit: 2 });
    const second = await events.page(workspace, { limit: 2, before: first[1].id });
    expect([...first, ...second].map((e) => e.event)).toEqual([
      'ACCOUNT_RESTRICTION',
      'PAUSED',
      'APPROVED',
      'PAUSED',
    ]);
    expect(await events.page(workspace, { field: 'account_update', limit: 10 })).toHaveLength(1);
  });

  it('looks up uploaded media by id within its workspace, with a 30-day expiry', async () => {
    const media = new MediaRepository(orm.em);
    const uploadedAt = new Date(Date.now() - 31 * 24 * 3_600_000);
    await media.record(
      workspace,
      {
        mediaId: '555',
        phoneNumberId: '1',
        kind: 'image',
        mimeType: 'image/png',
        filename: 'a.png',
        sizeBytes: 10,
      },
      uploadedAt,
    );
    const found = await media.lookup(workspace, '555');
    expect(found?.kind).toBe('image');
    expect(found!.expiresAt.getTime() - uploadedAt.getTime()).toBe(MEDIA_ID_LIFETIME_MS);
    expect(found!.expiresAt.getTime()).toBeLessThan(Date.now());
    expect(await media.lookup(other, '555')).toBeNull();
    expect(await media.lookup(workspace, '556')).toBeNull();
  });

  it('syncs every listed template, reports unsupported kinds, and marks templates Meta stopped listing', async () => {
    const templates = new TemplateRepository(orm.em);
    const listing = (names: string[]) => ({
      async *eachTemplate() {
        for (const name of names) {
          yield {
            id: `9${name.length}${name.charCodeAt(0)}`,
            name,
            language: 'en_US',
            status: 'APPROVED',
            category: 'UTILITY',
            components: [{ type: 'BODY', text: `Order {{1}} of ${name} shipped.` }],
            quality_score: { score: 'GREEN' },
          };
        }
        yield {
          id: '1',
          name: 'carousel_x',
          language: 'en_US',
          status: 'APPROVED',
          category: 'MARKETING',
          components: [{ type: 'CAROUSEL', cards: [] }],
        };
      },
    });
    const first = await syncTemplates(listing(['ship_a', 'ship_b']), templates, workspace, '77');
    expect(first).toMatchObject({ listed: 3, created: 2, updated: 0, deleted: 0 });
    expect(first.unsupported.map((u) => u.name)).toEqual(['carousel_x']);
    const second = await syncTemplates(listing(['ship_b']), templates, workspace, '77');
    expect(second).toMatchObject({ created: 0, updated: 1, deleted: 1 });
    const a = await templates.byName(workspace, 'ship_a', 'en_US');
    const b = await templates.byName(workspace, 'ship_b', 'en_US');
    expect(a?.status).toBe('DELETED');
    expect(b).toMatchObject({
      status: 'APPROVED',
      quality: 'GREEN',
      source: 'meta',
      category: 'UTILITY',
    });
    expect(await templates.byName(other, 'ship_b', 'en_US')).toBeNull();
  });
});
