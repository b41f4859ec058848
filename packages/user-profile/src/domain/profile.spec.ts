import { leavesAnAdmin, mayAccess, normalizeRoles } from './profile';

describe('profile rules', () => {
  it('always keeps the user role, once, in a stable order', () => {
    expect(normalizeRoles([])).toEqual(['user']);
    expect(normalizeRoles(['admin', 'user', 'admin'])).toEqual(['user', 'admin']);
  });

  it('lets users reach themselves, and others only with the permission over users', () => {
    expect(mayAccess({ userId: 'a', permissions: [] }, 'a', 'users:read')).toBe(true);
    expect(mayAccess({ userId: 'a', permissions: ['account:read'] }, 'b', 'users:read')).toBe(false);
    expect(mayAccess({ userId: 'a', permissions: ['users:write'] }, 'b', 'users:read')).toBe(false);
    expect(mayAccess({ userId: 'a', permissions: ['users:read'] }, 'b', 'users:read')).toBe(true);
  });

  it('refuses a change that would leave no admin', () => {
    expect(leavesAnAdmin(['a'], 'a')).toBe(false);
    expect(leavesAnAdmin(['a', 'b'], 'a')).toBe(true);
    expect(leavesAnAdmin(['a'], 'b')).toBe(true);
  });
});
