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

/** Changing a member from one role to another: owners are made and unmade by owners only. */
export function mayChangeRole(
  actor: OrganizationRole,
  from: OrganizationRole,
  to: OrganizationRole,
): boolean {
  return mayManageMembers(actor) && mayGrant(actor, from) && mayGrant(actor, to);
}

/**
 * What deleting the account of one of an organization's owners does to it. An organization is
 * never left without an owner: another owner keeps it; with nobody else in it, it goes with its
 * owner (there is no one to hand it to, and nobody else's data in it); otherwise the deletion is
 * refused until the owner has made another member an owner. Handing it to someone silently (the
 * longest-standing admin) was rejected: ownership is not imposed on anyone.
 */
export type OwnerDeparture = 'kept' | 'deleted-with-owner' | 'refused';

export function ownerDeparture(
  userId: string,
  owners: readonly string[],
  memberCount: number,
): OwnerDeparture {
  if (owners.some((owner) => owner !== userId)) return 'kept';
  return memberCount <= 1 ? 'deleted-with-owner' : 'refused';
}

/** Whether an owner may stop being one (leave, be removed, be demoted): another owner must remain. */
export function leavesAnOwner(owners: readonly string[], userId: string): boolean {
  return owners.some((owner) => owner !== userId);
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
