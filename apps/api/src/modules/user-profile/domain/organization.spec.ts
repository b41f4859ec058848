import { mayGrant, mayManageMembers, slugProblem } from './organization';

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
});
