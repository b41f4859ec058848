import {
  leavesAnOwner,
  mayChangeRole,
  mayGrant,
  mayManageMembers,
  ownerDeparture,
  slugProblem,
} from './organization';

describe('organization rules', () => {
  it('accepts DNS-label slugs and refuses the rest', () => {
    for (const slug of ['acme', 'a1b', 'acme-corp', 'x'.repeat(63)])
      expect(slugProblem(slug)).toBeUndefined();
    for (const slug of ['ab', 'x'.repeat(64), '-acme', 'acme-', 'Acme', 'ac_me', 'acmé', 'ac me'])
      expect(slugProblem(slug)).toBe('format');
    for (const slug of ['admin', 'api', 'www', 'auth']) expect(slugProblem(slug)).toBe('reserved');
  });

  it('lets owners and admins manage members, and only owners make owners', () => {
    expect(mayManageMembers('ORGANIZATION_OWNER')).toBe(true);
    expect(mayManageMembers('ORGANIZATION_ADMIN')).toBe(true);
    expect(mayManageMembers('ORGANIZATION_MEMBER')).toBe(false);
    expect(mayManageMembers(undefined)).toBe(false);
    expect(mayGrant('ORGANIZATION_ADMIN', 'ORGANIZATION_OWNER')).toBe(false);
    expect(mayGrant('ORGANIZATION_OWNER', 'ORGANIZATION_OWNER')).toBe(true);
    expect(mayGrant('ORGANIZATION_ADMIN', 'ORGANIZATION_MEMBER')).toBe(true);
  });

  it('lets owners change any role, admins only between admin and member, members none', () => {
    expect(mayChangeRole('ORGANIZATION_OWNER', 'ORGANIZATION_OWNER', 'ORGANIZATION_MEMBER')).toBe(true);
    expect(mayChangeRole('ORGANIZATION_ADMIN', 'ORGANIZATION_MEMBER', 'ORGANIZATION_ADMIN')).toBe(true);
    expect(mayChangeRole('ORGANIZATION_ADMIN', 'ORGANIZATION_MEMBER', 'ORGANIZATION_OWNER')).toBe(false);
    expect(mayChangeRole('ORGANIZATION_ADMIN', 'ORGANIZATION_OWNER', 'ORGANIZATION_ADMIN')).toBe(false);
    expect(mayChangeRole('ORGANIZATION_MEMBER', 'ORGANIZATION_MEMBER', 'ORGANIZATION_MEMBER')).toBe(false);
  });

  it('never leaves an organization without an owner when an owner departs', () => {
    expect(ownerDeparture('u1', ['u1', 'u2'], 2)).toBe('kept');
    expect(ownerDeparture('u1', ['u1'], 1)).toBe('deleted-with-owner');
    expect(ownerDeparture('u1', ['u1'], 3)).toBe('refused');
    expect(leavesAnOwner(['u1'], 'u1')).toBe(false);
    expect(leavesAnOwner(['u1', 'u2'], 'u1')).toBe(true);
  });
});
