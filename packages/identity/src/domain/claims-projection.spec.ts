import { applyProfileFact, type ProfileFact, type ProjectedClaims } from './claims-projection';

const USER = '0190a5b2-0000-7000-8000-000000000001';
const ACME = '0190a5b2-0000-7000-8000-0000000000a1';
const GLOBEX = '0190a5b2-0000-7000-8000-0000000000a2';
const at = (minute: number) => new Date(Date.UTC(2026, 11, 3, 12, minute));

const replay = (facts: ProfileFact[], from?: ProjectedClaims) =>
  facts.reduce<ProjectedClaims | undefined>((claims, fact) => applyProfileFact(claims, fact), from);

type MembershipFact = Extract<ProfileFact, { kind: 'membership_changed' }>;

const joined = (organizationId: string, role: string, minute: number): MembershipFact => ({
  kind: 'membership_changed',
  userId: USER,
  organizationId,
  change: 'added',
  role,
  at: at(minute),
});

describe('the claims projection: user-profile’s events as the claims identity mints tokens from', () => {
  it('starts from what registration gives, and follows role changes', () => {
    expect(replay([{ kind: 'roles_changed', userId: USER, roles: ['user', 'admin'] }])).toEqual({
      userId: USER,
      roles: ['user', 'admin'],
      memberships: [],
    });
  });

  it('lists memberships oldest first, as the monolith reads them; a role change keeps the place', () => {
    const claims = replay([
      joined(GLOBEX, 'member', 5),
      joined(ACME, 'owner', 1),
      { ...joined(GLOBEX, 'admin', 9), change: 'role_changed' },
    ]);
    expect(claims?.memberships).toEqual([
      { organizationId: ACME, role: 'owner', since: at(1) },
      { organizationId: GLOBEX, role: 'admin', since: at(5) },
    ]);
  });

  it('drops a membership when the user leaves or the organization is deleted; rejoining is new', () => {
    const claims = replay([
      joined(ACME, 'owner', 1),
      joined(GLOBEX, 'member', 2),
      { ...joined(ACME, 'owner', 3), change: 'removed' },
      { kind: 'organization_deleted', userId: USER, organizationId: GLOBEX },
      joined(ACME, 'member', 7),
    ]);
    expect(claims?.memberships).toEqual([{ organizationId: ACME, role: 'member', since: at(7) }]);
  });

  it('forgets a deleted user entirely', () => {
    expect(replay([joined(ACME, 'owner', 1), { kind: 'user_deleted', userId: USER }])).toBeUndefined();
  });

  it('does not change the claims it was given', () => {
    const before: ProjectedClaims = { userId: USER, roles: ['user'], memberships: [] };
    applyProfileFact(before, joined(ACME, 'owner', 1));
    applyProfileFact(before, { kind: 'roles_changed', userId: USER, roles: ['admin'] });
    expect(before).toEqual({ userId: USER, roles: ['user'], memberships: [] });
  });
});
