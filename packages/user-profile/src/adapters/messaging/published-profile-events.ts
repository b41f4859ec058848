import type { EventName } from '@latchkey/contracts';
import type { ProfileEventType } from '../../application/ports';

const actorOf = (data: Record<string, unknown>) => (typeof data.actorId === 'string' ? data.actorId : null);

/**
 * The public events a change recorded by user-profile is published as (the contract's
 * `latchkey.user_profile.….v1`), whichever deployment records it: the monolith's audit trail or
 * the user service's own outbox. Each field is picked by name, so nothing else recorded about the
 * change leaks into an event.
 */
export function publishedProfileEvents(event: {
  type: ProfileEventType;
  userId: string;
  data: Record<string, unknown>;
}): { name: EventName; data: Record<string, unknown> }[] {
  const { userId, data } = event;
  const about = (name: EventName, fields: Record<string, unknown> = {}) => ({
    name,
    data: { userId, ...fields },
  });
  switch (event.type) {
    case 'UserDeleted':
      return [about('UserDeleted', { actorId: actorOf(data) })];
    case 'UserProfileUpdated':
      return [about('UserProfileUpdated', { fields: data.fields })];
    case 'UserRoleChanged':
      return [about('UserRoleChanged', { actorId: actorOf(data), from: data.from, to: data.to })];
    case 'OrganizationCreated':
      return [about('OrganizationCreated', { organizationId: data.organizationId, slug: data.slug })];
    case 'OrganizationDeleted':
      return [about('OrganizationDeleted', { organizationId: data.organizationId })];
    case 'MemberAdded':
    case 'MemberRoleChanged':
    case 'MemberRemoved': {
      const change =
        event.type === 'MemberAdded' ? 'added' : event.type === 'MemberRemoved' ? 'removed' : 'role_changed';
      const role = event.type === 'MemberRoleChanged' ? data.to : data.role;
      return [
        about('MembershipChanged', {
          organizationId: data.organizationId,
          change,
          role,
          ...(event.type === 'MemberRoleChanged' ? { previousRole: data.from } : {}),
          actorId: actorOf(data),
        }),
      ];
    }
  }
}
