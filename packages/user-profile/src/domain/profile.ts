/** Global roles. Everyone is a `user`; `admin` is granted explicitly. */
export type GlobalRole = 'user' | 'admin';
export const GLOBAL_ROLES: readonly GlobalRole[] = ['user', 'admin'];

export interface Profile {
  userId: string;
  name: string;
  roles: GlobalRole[];
  createdAt: Date;
  updatedAt: Date;
}

export function isAdmin(roles: readonly string[]): boolean {
  return roles.includes('admin');
}

/** `user` always; duplicates dropped; a stable order, so equal sets compare equal. */
export function normalizeRoles(roles: readonly GlobalRole[]): GlobalRole[] {
  return GLOBAL_ROLES.filter((role) => role === 'user' || roles.includes(role));
}

/**
 * Who may see or change a user: the user themself, or an actor holding `permission` over other
 * users (`users:read`, `users:write`, `users:delete`: what the admin role grants). Anyone else is
 * told the user does not exist (404, not 403), so ids cannot be probed for existence.
 */
export function mayAccess(
  actor: { userId: string; permissions: readonly string[] },
  targetId: string,
  permission: string,
): boolean {
  return actor.userId === targetId || actor.permissions.includes(permission);
}

/**
 * Whether a change leaves at least one admin: `admins` are the current admins' ids, read under a
 * lock, and `losing` the user about to stop being one (demoted or deleted).
 */
export function leavesAnAdmin(admins: readonly string[], losing: string): boolean {
  return admins.some((id) => id !== losing);
}
