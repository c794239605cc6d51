/** Roles, from least to most allowed: each can do what the ones before it can. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const roleAllows = (held: Role, needed: Role) =>
  ROLES.indexOf(held) >= ROLES.indexOf(needed);

/** Template categories as Meta defines them (pricing and marketing caps follow them). */
export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];
