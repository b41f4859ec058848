import { eventDefinition, type EventName, type LatchkeyEvent } from '@latchkey/contracts';
import { PROFILE_FACT_BINDINGS, profileFactsOf } from './profile-facts';

const USER = '0190a5b2-0000-7000-8000-00000000000a';
const ORG = '0190a5b2-0000-7000-8000-0000000000f1';

function anEvent(name: EventName, data: Record<string, unknown>): LatchkeyEvent {
  const definition = eventDefinition(name);
  return {
    specversion: '1.0',
    id: '0190a5b2-0000-7000-8000-0000000000e1',
    source: definition.source,
    type: definition.type,
    subject: USER,
    time: '2026-12-04T09:00:00.000Z',
    datacontenttype: 'application/json',
    data,
  };
}

describe('profileFactsOf: what the claims projection reads from user-profile’s events', () => {
  it('binds exactly the event types it reads', () => {
    const read = ['UserRoleChanged', 'UserDeleted', 'OrganizationDeleted', 'MembershipChanged'] as const;
    expect([...PROFILE_FACT_BINDINGS].sort()).toEqual(read.map((name) => eventDefinition(name).type).sort());
  });

  it('turns each into its fact', () => {
    expect(
      profileFactsOf(
        anEvent('UserRoleChanged', { userId: USER, actorId: null, from: ['user'], to: ['admin'] }),
      ),
    ).toEqual([{ kind: 'roles_changed', userId: USER, roles: ['admin'] }]);
    expect(profileFactsOf(anEvent('UserDeleted', { userId: USER, actorId: null }))).toEqual([
      { kind: 'user_deleted', userId: USER },
    ]);
    expect(profileFactsOf(anEvent('OrganizationDeleted', { userId: USER, organizationId: ORG }))).toEqual([
      { kind: 'organization_deleted', userId: USER, organizationId: ORG },
    ]);
    expect(
      profileFactsOf(
        anEvent('MembershipChanged', {
          userId: USER,
          organizationId: ORG,
          change: 'role_changed',
          role: 'ORGANIZATION_ADMIN',
          previousRole: 'ORGANIZATION_MEMBER',
          actorId: null,
        }),
      ),
    ).toEqual([
      {
        kind: 'membership_changed',
        userId: USER,
        organizationId: ORG,
        change: 'role_changed',
        role: 'ORGANIZATION_ADMIN',
        at: new Date('2026-12-04T09:00:00.000Z'),
      },
    ]);
  });

  it('reads nothing from an event about something else', () => {
    expect(profileFactsOf(anEvent('UserProfileUpdated', { userId: USER, fields: ['name'] }))).toEqual([]);
  });
});
