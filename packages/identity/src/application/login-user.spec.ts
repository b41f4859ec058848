import { anAccount } from '../testing/factories';
import { memoryIdentity, TEST_META } from '../testing/memory-identity';
import { InvalidCredentials } from '../domain/errors';
import { LoginUser } from './login-user';

const PASSWORD = 'correct horse battery staple';

function setUp() {
  const fakes = memoryIdentity();
  const { clock, audit, accounts, sessions, hasher, gate, profiles, settings } = fakes;
  const login = new LoginUser(
    accounts,
    hasher,
    gate,
    fakes.starter,
    clock,
    fakes.unitOfWork,
    audit,
    fakes.probe,
  );
  const ada = anAccount({ id: 'user-1', email: 'ada@example.com', passwordHash: `hashed(${PASSWORD})` });
  accounts.accounts.set(ada.id, ada);
  profiles.profiles.set(ada.id, { name: 'Ada', roles: ['user'] });
  const run = (email: string, password: string) =>
    login.execute({ email, password, deviceId: 'phone' }, TEST_META);
  return { clock, audit, accounts, sessions, hasher, gate, settings, ada, run, probe: fakes.probe };
}

describe('LoginUser', () => {
  it('opens a session for the right password: tokens, the UserLoggedIn event, the count cleared', async () => {
    const { audit, sessions, hasher, gate, settings, run } = setUp();

    const issued = await run('  Ada@Example.com ', PASSWORD);

    expect(issued).toMatchObject({
      accessToken: 'at(user-1,id-1,-)',
      refreshToken: 'rt-1',
      refreshTokenMaxAge: settings.refreshTokenTtlSeconds,
      userId: 'user-1',
      sessionId: 'id-1',
    });
    expect(sessions.sessions.get('id-1')).toMatchObject({
      userId: 'user-1',
      deviceId: 'phone',
      ip: '203.0.113.7',
    });
    expect(audit.events).toEqual([
      expect.objectContaining({
        type: 'UserLoggedIn',
        userId: 'user-1',
        sessionId: 'id-1',
        data: { deviceId: 'phone', passwordRehashed: false },
      }),
    ]);
    expect(hasher.calls).toEqual(['verify']);
    expect(gate.calls).toEqual(['begin ada@example.com', 'succeeded ada@example.com']);
  });

  it('answers a wrong password, an unknown address and a disabled account alike, each costing one verification', async () => {
    const { audit, accounts, sessions, hasher, gate, ada, run } = setUp();
    await expect(run(ada.email, 'not the password at all')).rejects.toThrow(InvalidCredentials);
    await expect(run('nobody@example.com', PASSWORD)).rejects.toThrow(InvalidCredentials);
    accounts.accounts.get(ada.id)!.disabledAt = new Date();
    await expect(run(ada.email, PASSWORD)).rejects.toThrow(InvalidCredentials);

    expect(hasher.calls).toEqual(['verify', 'dummy', 'dummy']);
    expect(audit.events.map((event) => [event.type, event.userId, event.data])).toEqual([
      ['UserLoginFailed', 'user-1', { email: ada.email }],
      ['UserLoginFailed', null, { email: 'nobody@example.com' }],
      ['UserLoginFailed', 'user-1', { email: ada.email }],
    ]);
    expect(sessions.sessions.size).toBe(0);
    expect(gate.calls.filter((call) => call.startsWith('succeeded'))).toEqual([]);
  });

  it('verifies no over-long password against the stored hash (a dummy verification instead)', async () => {
    const { hasher, ada, run } = setUp();
    await expect(run(ada.email, 'x'.repeat(257))).rejects.toThrow(InvalidCredentials);
    expect(hasher.calls).toEqual(['dummy']);
  });

  it('records the lock a failure opens, with the consecutive failures and its length', async () => {
    const { audit, gate, ada, run } = setUp();
    gate.verdict = { allowed: true, attempt: 5, lockSeconds: 30 };
    await expect(run(ada.email, 'not the password at all')).rejects.toThrow(InvalidCredentials);
    expect(audit.events.map((event) => [event.type, event.data])).toEqual([
      ['UserLoginFailed', { email: ada.email }],
      ['UserAccountLocked', { email: ada.email, consecutiveFailures: 5, lockedForSeconds: 30 }],
    ]);
  });

  it('refuses while locked without any verification, even the right password; reported once per window', async () => {
    const { audit, sessions, hasher, ada, gate, run } = setUp();
    gate.verdict = { allowed: false, retryAfterSeconds: 25, firstRefusal: true };
    await expect(run(ada.email, PASSWORD)).rejects.toThrow(InvalidCredentials);
    gate.verdict = { allowed: false, retryAfterSeconds: 20, firstRefusal: false };
    await expect(run(ada.email, PASSWORD)).rejects.toThrow(InvalidCredentials);

    expect(hasher.calls).toEqual([]);
    expect(sessions.sessions.size).toBe(0);
    expect(audit.events).toEqual([
      expect.objectContaining({
        type: 'SuspiciousActivityDetected',
        data: { email: ada.email, reason: 'login_attempt_while_locked', lockRemainingSeconds: 25 },
      }),
    ]);
  });

  it('reports each attempt’s outcome, the lock a failure opens, and a refusal while locked as "locked"', async () => {
    const { gate, ada, run, probe } = setUp();
    await run(ada.email, PASSWORD);
    await expect(run('nobody@example.com', PASSWORD)).rejects.toThrow(InvalidCredentials);
    gate.verdict = { allowed: true, attempt: 5, lockSeconds: 30 };
    await expect(run(ada.email, 'not the password at all')).rejects.toThrow(InvalidCredentials);
    gate.verdict = { allowed: false, retryAfterSeconds: 25, firstRefusal: true };
    await expect(run(ada.email, PASSWORD)).rejects.toThrow(InvalidCredentials);

    expect(probe.reported).toEqual([
      'login:success',
      'login:invalid_credentials',
      'login:invalid_credentials',
      'lockout',
      'login:locked',
    ]);
  });

  it('rehashes a password stored with weaker parameters, in the login’s own writes', async () => {
    const { audit, accounts, hasher, ada, run } = setUp();
    accounts.accounts.get(ada.id)!.passwordHash = `old:hashed(${PASSWORD})`;

    await run(ada.email, PASSWORD);

    expect(hasher.calls).toEqual(['verify', 'hash']);
    expect(accounts.accounts.get(ada.id)!.passwordHash).toBe(`hashed(${PASSWORD})`);
    expect(audit.events[0]!.data).toEqual({ deviceId: 'phone', passwordRehashed: true });
  });
});
