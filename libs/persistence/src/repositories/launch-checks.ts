import { DomainError, type ContactFilter, type TemplateRef } from '#libs/domain';
import type { StoredContactSelection } from './campaign.repository.js';
import type { ContactListRepository } from './contact-list.repository.js';
import type { ContactRepository } from './contact.repository.js';
import type { SettingsRepository } from './settings.repository.js';
import type { TemplateRepository, TemplateView } from './template.repository.js';

/** Problems listed in a refusal; the message counts all of them. */
const MAX_LISTED = 100;

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
  ) {}

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
    return template;
  }

  /** How a campaign to these contacts is frozen: the filter and the template's variables. */
  selection(filter: ContactFilter, template: TemplateView): StoredContactSelection {
    return {
      filter,
      variables: template.variables,
      requireConsent: template.category === 'MARKETING',
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

  /** The selection must name a list of the workspace, select someone, and fill every variable. */
  async contactsNow(workspaceId: string, selection: StoredContactSelection): Promise<void> {
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
  }
}
