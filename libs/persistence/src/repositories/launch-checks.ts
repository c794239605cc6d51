import {
  checkDefaults,
  DomainError,
  isMediaKind,
  mediaIdCandidates,
  Misfits,
  recipientIssues,
  type ValueCheckOptions,
  SENDABLE_TEMPLATE_STATUS,
  type ContactFilter,
  type TemplateModel,
  type TemplateRef,
} from '#libs/domain';
import type { StoredContactSelection } from './campaign.repository.js';
import type { ContactListRepository } from './contact-list.repository.js';
import type { ContactRepository } from './contact.repository.js';
import type { MediaRepository } from './media.repository.js';
import type { SettingsRepository } from './settings.repository.js';
import type { TemplateRepository, TemplateView } from './template.repository.js';

/** Problems listed in a refusal; the message counts all of them. */
const MAX_LISTED = 100;
/** Contacts checked against the template per query. */
const CONTACT_CHECK_PAGE = 5_000;

/**
 * The checks a launch passes before anything is stored or sent: the sender belongs to the
 * workspace, the template is registered, and a contact selection names a list of the
 * workspace, selects someone and fills every template variable. The API runs them on a launch;
 * the worker runs them again for each run of a recurring campaign, against the contacts as they
 * are then. Each refusal is a DomainError naming the field.
 */
export class LaunchChecks {
  constructor(
    private readonly settings: SettingsRepository,
    private readonly templates: TemplateRepository,
    private readonly contacts: ContactRepository,
    private readonly lists: ContactListRepository,
    private readonly media?: MediaRepository,
  ) {}

  /**
   * How the value checks see uploaded media: every media id `values` may name is looked up at
   * once, so a launch refuses an id never uploaded, one of the wrong kind, and one that expires
   * before `sendBy` (Meta keeps an upload 30 days; upload the file again).
   */
  async mediaOptions(
    workspaceId: string,
    values: unknown[],
    sendBy: Date | null = null,
  ): Promise<ValueCheckOptions> {
    if (!this.media) return {};
    const found = await this.media.lookupAll(workspaceId, mediaIdCandidates(values));
    return {
      media: (id) => {
        const m = found.get(id);
        return m && isMediaKind(m.kind) ? { kind: m.kind, expiresAt: m.expiresAt } : undefined;
      },
      ...(sendBy && { sendBy }),
    };
  }

  /** The sending phone-number id: the one asked for, or the workspace's first. */
  async sender(workspaceId: string, requested: string | undefined): Promise<string> {
    const senders = await this.settings.sendersOf(workspaceId);
    const sender = requested ?? senders[0];
    if (!sender || !senders.includes(sender)) {
      throw new DomainError('validation_failed', 'unknown sender', [
        {
          field: 'sender',
          reason: senders.length
            ? `not a phone-number id of this workspace (${senders.join(', ')})`
            : 'this workspace has no WhatsApp number yet: an admin sets one with PUT /v1/settings/whatsapp',
        },
      ]);
    }
    return sender;
  }

  async template(workspaceId: string, ref: TemplateRef): Promise<TemplateView> {
    const template = await this.templates.byName(workspaceId, ref.name, ref.language);
    if (!template) {
      throw new DomainError('validation_failed', 'unknown template', [
        {
          field: 'template',
          reason: `${ref.name} (${ref.language}) is not registered in this workspace: POST /v1/templates first`,
        },
      ]);
    }
    if (template.status !== SENDABLE_TEMPLATE_STATUS) {
      throw new DomainError(
        'conflict',
        `template ${ref.name} (${ref.language}) is ${template.status}: only APPROVED templates are sent`,
        [{ field: 'template', reason: `its status is ${template.status}, not APPROVED` }],
      );
    }
    return template;
  }

  /**
   * What a campaign keeps of its template: the model as it is now (a later edit cannot change a
   * running campaign), its checked defaults, and for legacy registrations the number of body
   * variables each recipient gives as a list.
   */
  frozenTemplate(
    template: TemplateView,
    defaults: Record<string, string> | undefined,
    media: ValueCheckOptions = {},
  ): {
    templateModel: TemplateModel;
    templateDefaults: Record<string, string> | null;
    templateParameters: number | null;
  } {
    if (defaults) {
      const issues = checkDefaults(template.model, defaults, media);
      if (issues.length) {
        throw new DomainError(
          'validation_failed',
          'the defaults do not fit the template; nothing was sent',
          issues.map((i) => ({ field: `defaults.${i.parameter}`, reason: i.reason })),
        );
      }
    }
    return {
      templateModel: template.model,
      templateDefaults: defaults && Object.keys(defaults).length ? defaults : null,
      templateParameters: template.parameterFormat ? null : template.variables.length,
    };
  }

  /**
   * How a campaign to these contacts is frozen: the filter, and the contact attributes read.
   * A legacy template reads its variables as a list; a Meta template reads every parameter key
   * as a value by key, and needs those required parameters the defaults do not give.
   */
  selection(
    filter: ContactFilter,
    template: TemplateView,
    defaults?: Record<string, string>,
  ): StoredContactSelection {
    const requireConsent = template.category === 'MARKETING';
    if (!template.parameterFormat) {
      return { filter, variables: template.variables, requireConsent };
    }
    return {
      filter,
      variables: template.parameters
        .filter((p) => p.required && defaults?.[p.key] === undefined)
        .map((p) => p.key),
      valueKeys: template.parameters.map((p) => p.key),
      requireConsent,
    };
  }

  async contactList(workspaceId: string, filter: ContactFilter): Promise<void> {
    const { listId } = filter;
    if (listId && !(await this.lists.get(workspaceId, listId))) {
      throw new DomainError('validation_failed', 'unknown contact list', [
        { field: 'contacts.listId', reason: `no contact list ${listId} in this workspace` },
      ]);
    }
  }

  /**
   * The selection must name a list of the workspace, select someone, and fill every variable;
   * with `values`, each selected contact's values (over the defaults) are checked against the
   * template as a launch's own recipients are, a page at a time.
   */
  async contactsNow(
    workspaceId: string,
    selection: StoredContactSelection,
    values?: { model: TemplateModel; defaults?: Record<string, string>; media?: ValueCheckOptions },
  ): Promise<void> {
    await this.contactList(workspaceId, selection.filter);
    const found = await this.contacts.audit(
      workspaceId,
      selection.filter,
      selection.variables,
      MAX_LISTED,
    );
    if (found.total === 0) {
      throw new DomainError('validation_failed', 'no contact matches', [
        { field: 'contacts', reason: 'the list or filter selects no contact' },
      ]);
    }
    if (found.missing) {
      throw new DomainError(
        'validation_failed',
        `${found.missing} contact(s) have no value for a template variable (${selection.variables.join(', ')}); nothing was sent`,
        found.examples.map((c) => ({
          field: `contacts.${c.id}.attributes`,
          reason: `${c.phone} lacks one of ${selection.variables.join(', ')}`,
        })),
      );
    }
    if (values && selection.valueKeys?.length) {
      await this.contactValues(workspaceId, selection, values);
    }
  }

  private async contactValues(
    workspaceId: string,
    selection: StoredContactSelection,
    {
      model,
      defaults,
      media,
    }: { model: TemplateModel; defaults?: Record<string, string>; media?: ValueCheckOptions },
  ) {
    const misfits = new Misfits(MAX_LISTED);
    for (let after: string | null = null; ;) {
      const page = await this.contacts.valuesPage(
        workspaceId,
        selection.filter,
        selection.valueKeys ?? [],
        after,
        CONTACT_CHECK_PAGE,
      );
      for (const c of page) {
        misfits.add(recipientIssues(model, defaults, c.values, media), (issue) => ({
          field: `contacts.${c.id}.attributes.${issue.parameter}`,
          reason: `${c.phone}: ${issue.reason}`,
        }));
      }
      if (page.length < CONTACT_CHECK_PAGE) break;
      after = page[page.length - 1].id;
    }
    misfits.throwIfAny('contact(s)', model);
  }
}
