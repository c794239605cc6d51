import type { TemplateCategory } from '#libs/domain';

/**
 * The `pricing` object of status webhooks under per-message pricing (since 1 July 2025):
 * `{billable, pricing_model: "PMP", category, type}`. Marketing and authentication templates
 * are always charged; utility templates are free (`free_customer_service`) inside an open
 * customer service window; free-form messages, only possible inside one, are `service` and free.
 * Meta also sends `free_entry_point` for ad entry points, which the sandbox does not simulate.
 */
export interface Pricing {
  readonly billable: boolean;
  readonly pricing_model: 'PMP';
  readonly category: 'marketing' | 'utility' | 'authentication' | 'service';
  readonly type: 'regular' | 'free_customer_service';
}

const charged = (category: Pricing['category']): Pricing =>
  Object.freeze({ billable: true, pricing_model: 'PMP', category, type: 'regular' });
const free = (category: Pricing['category']): Pricing =>
  Object.freeze({ billable: false, pricing_model: 'PMP', category, type: 'free_customer_service' });

// Shared by every status of every message: a send allocates no pricing object of its own.
const MARKETING = charged('marketing');
const AUTHENTICATION = charged('authentication');
const UTILITY = charged('utility');
const UTILITY_IN_WINDOW = free('utility');
const SERVICE = free('service');

/** `category` undefined means a free-form message. */
export function pricingFor(category: TemplateCategory | undefined, inServiceWindow: boolean) {
  switch (category) {
    case undefined:
      return SERVICE;
    case 'MARKETING':
      return MARKETING;
    case 'AUTHENTICATION':
      return AUTHENTICATION;
    case 'UTILITY':
      return inServiceWindow ? UTILITY_IN_WINDOW : UTILITY;
  }
}
