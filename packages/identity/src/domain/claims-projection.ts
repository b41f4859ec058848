/**
 * The services deployment's claims projection (docs/decisions/0012-services-deployment.md): what
 * identity keeps of user-profile's data so that login and refresh put roles and memberships in
 * the access token without calling the user service. It is fed by user-profile's events, each
 * applied once (the consumer library's idempotency) and in order per user (the relay's order).
 * The user service stays authoritative; a projection can always be rebuilt by replaying them.
 */

export interface ProjectedMembership {
  organizationId: string;
  role: string;
  /** When the user joined: memberships are listed oldest first, as the monolith reads them. */
  since: Date;
}

export interface ProjectedClaims {
  userId: string;
  roles: string[];
  memberships: ProjectedMembership[];
}

/** The facts of user-profile's events that change a user's claims. */
export type ProfileFact =
  | { kind: 'roles_changed'; userId: string; roles: string[] }
  | {
      kind: 'membership_changed';
      userId: string;
      organizationId: string;
      change: 'added' | 'role_changed' | 'removed';
      role: string;
      at: Date;
    }
  | { kind: 'organization_deleted'; userId: string; organizationId: string }
  | { kind: 'user_deleted'; userId: string };

/** Every account starts with the `user` role, as registration gives it. */
/**
 * Whether a row that reflects event `lastEventId` already reflects `eventId` or something newer:
 * then a late event, or a push of an older state, must not undo it. Event ids are UUIDv7, so
 * their order is their time order.
 */
export function alreadyReflects(lastEventId: string | null | undefined, eventId: string): boolean {
  return lastEventId ? lastEventId >= eventId : false;
}

export function registeredClaims(userId: string): ProjectedClaims {
  return { userId, roles: ['user'], memberships: [] };
}

/**
 * The user's claims after `fact`; undefined once the user is deleted (their tokens can no longer
 * be minted). A fact about a user the projection has not seen yet starts from what registration
 * gives: the events of one user arrive in order, but a projection may be started after them.
 */
export function applyProfileFact(
  claims: ProjectedClaims | undefined,
  fact: ProfileFact,
): ProjectedClaims | undefined {
  if (fact.kind === 'user_deleted') return undefined;
  const current = claims ?? registeredClaims(fact.userId);
  switch (fact.kind) {
    case 'roles_changed':
      return { ...current, roles: [...fact.roles] };
    case 'organization_deleted':
      return {
        ...current,
        memberships: current.memberships.filter((m) => m.organizationId !== fact.organizationId),
      };
    case 'membership_changed': {
      const others = current.memberships.filter((m) => m.organizationId !== fact.organizationId);
      const existing = current.memberships.find((m) => m.organizationId === fact.organizationId);
      if (fact.change === 'removed') return { ...current, memberships: others };
      const membership: ProjectedMembership = {
        organizationId: fact.organizationId,
        role: fact.role,
        // A role change keeps the place the membership had; an add after a removal is new.
        since: fact.change === 'role_changed' && existing ? existing.since : fact.at,
      };
      return {
        ...current,
        memberships: [...others, membership].sort((a, b) => a.since.getTime() - b.since.getTime()),
      };
    }
  }
}
