import { eventDefinitionOfType, type LatchkeyEvent } from '@latchkey/contracts';
import type { ProfileFact } from '../../domain/claims-projection';

/** The routing keys of the user-profile events the claims projection follows. */
export const PROFILE_FACT_BINDINGS = [
  'latchkey.user_profile.user.roles_changed.v1',
  'latchkey.user_profile.user.deleted.v1',
  'latchkey.user_profile.organization.deleted.v1',
  'latchkey.user_profile.organization.membership_changed.v1',
] as const;

/** What an event of user-profile's says about a user's claims; nothing for any other event. */
export function profileFactsOf(event: LatchkeyEvent): ProfileFact[] {
  const data = event.data as Record<string, unknown>;
  const userId = String(data.userId);
  switch (eventDefinitionOfType(event.type)?.name) {
    case 'UserRoleChanged':
      return [{ kind: 'roles_changed', userId, roles: (data.to as string[]) ?? [] }];
    case 'UserDeleted':
      return [{ kind: 'user_deleted', userId }];
    case 'OrganizationDeleted':
      return [{ kind: 'organization_deleted', userId, organizationId: String(data.organizationId) }];
    case 'MembershipChanged':
      return [
        {
          kind: 'membership_changed',
          userId,
          organizationId: String(data.organizationId),
          change: data.change as 'added' | 'role_changed' | 'removed',
          role: String(data.role),
          at: new Date(event.time),
        },
      ];
    default:
      return [];
  }
}
