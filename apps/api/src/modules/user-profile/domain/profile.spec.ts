import { leavesAnAdmin, mayAccess, normalizeRoles } from './profile';

describe('profile rules', () => {
  it('always keeps the user role, once, in a stable order', () => {
    expect(normalizeRoles([])).toEqual(['user']);
    expect(normalizeRoles(['admin', 'user', 'admin'])).toEqual(['user', 'admin']);
  });

  it('lets users reach themselves and admins reach anyone', () => {
    expect(mayAccess({ userId: 'a', roles: ['user'] }, 'a')).toBe(true);
    expect(mayAccess({ userId: 'a', roles: ['user'] }, 'b')).toBe(false);
    expect(mayAccess({ userId: 'a', roles: ['user', 'admin'] }, 'b')).toBe(true);
  });

  it('refuses a change that would leave no admin', () => {
    expect(leavesAnAdmin(['a'], 'a')).toBe(false);
    expect(leavesAnAdmin(['a', 'b'], 'a')).toBe(true);
    expect(leavesAnAdmin(['a'], 'b')).toBe(true);
  });
});
