/**
 * What an access token lets its bearer do, as the `permissions` claim (global roles) and the
 * `org_permissions` claim (the roles held in the active organization, `org_id`). Resource servers
 * authorize on these strings and need not know Latchkey's role names.
 *
 * This table is the one place roles become permissions. It is versioned: any change to it
 * (a permission added to or taken from a role, a permission renamed) raises
 * PERMISSIONS_VERSION, is recorded in CHANGELOG.md and docs/security.md ("Permissions"), and
 * counts as a contract change (docs/architecture.md, "API versions"). A test holds the table in
 * docs/security.md equal to this one.
 */
export const PERMISSIONS_VERSION = 1;

const ACCOUNT = ['account:read', 'account:write', 'organizations:read', 'organizations:write'] as const;
const USER_ADMINISTRATION = ['users:read', 'users:write', 'users:delete', 'users:roles:write'] as const;
const ORGANIZATION_MEMBER = ['organization:read', 'organization:members:read'] as const;

/** Global role → permissions. Everyone holds `user`; `admin` adds the administration of users. */
export const GLOBAL_ROLE_PERMISSIONS = {
  user: [...ACCOUNT],
  admin: [...ACCOUNT, ...USER_ADMINISTRATION],
} as const satisfies Record<string, readonly string[]>;

/** Organization role → permissions in that organization (`org_permissions`, for `org_id`). */
export const ORGANIZATION_ROLE_PERMISSIONS = {
  ORGANIZATION_MEMBER: [...ORGANIZATION_MEMBER],
  ORGANIZATION_ADMIN: [...ORGANIZATION_MEMBER, 'organization:members:write'],
  ORGANIZATION_OWNER: [...ORGANIZATION_MEMBER, 'organization:members:write', 'organization:owners:write'],
} as const satisfies Record<string, readonly string[]>;

export type Permission = (typeof GLOBAL_ROLE_PERMISSIONS)[keyof typeof GLOBAL_ROLE_PERMISSIONS][number];
export type OrganizationPermission =
  (typeof ORGANIZATION_ROLE_PERMISSIONS)[keyof typeof ORGANIZATION_ROLE_PERMISSIONS][number];

function union(table: Record<string, readonly string[]>, roles: readonly string[]): string[] {
  const granted = new Set(roles.flatMap((role) => (Object.hasOwn(table, role) ? table[role]! : [])));
  // One stable order (the table's), so equal grants serialize equally.
  return [...new Set(Object.values(table).flat())].filter((permission) => granted.has(permission));
}

/** The permissions global roles grant; a role the table does not know grants nothing. */
export function permissionsOf(roles: readonly string[]): Permission[] {
  return union(GLOBAL_ROLE_PERMISSIONS, roles) as Permission[];
}

/** The permissions organization roles grant in their organization. */
export function organizationPermissionsOf(roles: readonly string[]): OrganizationPermission[] {
  return union(ORGANIZATION_ROLE_PERMISSIONS, roles) as OrganizationPermission[];
}
