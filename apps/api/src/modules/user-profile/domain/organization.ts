/** A tenant: a company or team whose members share its data and nobody else's. */
export interface Organization {
  id: string;
  name: string;
  slug: string;
  createdAt: Date;
}

export type OrganizationRole = 'ORGANIZATION_OWNER' | 'ORGANIZATION_ADMIN' | 'ORGANIZATION_MEMBER';
export const ORGANIZATION_ROLES: readonly OrganizationRole[] = [
  'ORGANIZATION_OWNER',
  'ORGANIZATION_ADMIN',
  'ORGANIZATION_MEMBER',
];

export interface Membership {
  organizationId: string;
  userId: string;
  role: OrganizationRole;
  createdAt: Date;
}

/** Owners and admins manage members; only owners make or remove owners. */
export function mayManageMembers(role: OrganizationRole | undefined): boolean {
  return role === 'ORGANIZATION_OWNER' || role === 'ORGANIZATION_ADMIN';
}

export function mayGrant(actor: OrganizationRole, granted: OrganizationRole): boolean {
  return granted !== 'ORGANIZATION_OWNER' || actor === 'ORGANIZATION_OWNER';
}

/** Names that would impersonate the product or collide with routes and well-known hosts. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'api',
  'app',
  'auth',
  'billing',
  'blog',
  'dashboard',
  'docs',
  'help',
  'internal',
  'jwks',
  'latchkey',
  'login',
  'logout',
  'mail',
  'oauth',
  'organizations',
  'root',
  'security',
  'settings',
  'signup',
  'sso',
  'static',
  'status',
  'support',
  'system',
  'users',
  'www',
]);

export type SlugProblem = 'format' | 'reserved';

/**
 * Slugs go into URLs and subdomains: lowercase letters, digits and inner hyphens, 3 to 63
 * characters (a DNS label), no leading or trailing hyphen.
 */
export function slugProblem(slug: string): SlugProblem | undefined {
  if (!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/.test(slug)) return 'format';
  if (RESERVED_SLUGS.has(slug)) return 'reserved';
  return undefined;
}
