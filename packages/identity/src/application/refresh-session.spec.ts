import { organizationPermissionsOf, permissionsOf } from '@latchkey/contracts';
import { aSession } from '../testing/factories';
import { memoryIdentity, TEST_META } from '../testing/memory-identity';
import { InvalidRefreshToken, RefreshTokenReused } from '../domain/errors';
import { RefreshSession } from './refresh-session';

const USER = 'user-1';
const GRACE_SECONDS = 10;

function setUp() {
  const fakes = memoryIdentity({ refreshReuseGraceSeconds: GRACE_SECONDS });
  const { clock, audit, sessions, codec, profiles, accessTokens, settings } = fakes;
  profiles.profiles.set(USER, { name: 'Ada', roles: ['user'] });
  const refresh = new RefreshSession(
    sessions,
    codec,
    fakes.minter,
    settings,
    fakes.ids,
    clock,
    fakes.unitOfWork,
    audit,
    fakes.probe,
  );
  /** A logged-in session holding refresh token `rt-0`. */
  const login = async (overrides: Parameters<typeof aSession>[1] = {}) => {
    const now = clock.now();
    const session = aSession(USER, {
      id: 'session-1',
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + settings.sessionMaxAgeSeconds * 1000),
      idleExpiresAt: new Date(now.getTime() + settings.refreshTokenTtlSeconds * 1000),
      ...overrides,
    });
    await sessions.seed(session, codec.hash('rt-0'));
    return session;
  };
  const run = (refreshToken: string) => refresh.execute({ refreshToken }, TEST_META);
  return { clock, audit, sessions, codec, profiles, accessTokens, settings, login, run, probe: fakes.probe };
}

describe('RefreshSession', () => {
  it('rotates the live token: a new refresh token, the old one consumed, the session slid, one event', async () => {
    const { clock, audit, sessions, settings, login, run } = setUp();
    await login();
    clock.advanceSeconds(60);

    const issued = await run('rt-0');

    expect(issued).toEqual({
      accessToken: 'at(user-1,session-1,-)',
      expiresIn: 900,
      refreshToken: 'rt-1',
      refreshTokenMaxAge: settings.refreshTokenTtlSeconds,
      userId: USER,
      sessionId: 'session-1',
    });
    expect(sessions.tokenByHash('hash(rt-0)')).toMatchObject({ rotatedAt: clock.now(), generation: 0 });
    expect(sessions.tokenByHash('hash(rt-1)')).toMatchObject({ rotatedAt: null, generation: 1 });
    expect(sessions.sessions.get('session-1')).toMatchObject({
      lastUsedAt: clock.now(),
      idleExpiresAt: new Date(clock.now().getTime() + settings.refreshTokenTtlSeconds * 1000),
    });
    expect(audit.events).toEqual([
      expect.objectContaining({ type: 'RefreshTokenRotated', userId: USER, data: { generation: 1 } }),
    ]);
  });

  it('hands the same successor back within the grace window (a lost response, a second tab)', async () => {
    const { clock, audit, sessions, login, run } = setUp();
    await login();
    const first = await run('rt-0');
    clock.advanceSeconds(GRACE_SECONDS);

    const replayed = await run('rt-0');

    expect(replayed.refreshToken).toBe(first.refreshToken);
    expect(replayed.accessToken).toBe('at(user-1,session-1,-)');
    expect(sessions.sessions.get('session-1')!.revokedAt).toBeNull();
    expect([...sessions.tokens.values()]).toHaveLength(2); // the chain did not fork
    expect(audit.events[1]).toMatchObject({
      type: 'RefreshTokenRotated',
      data: { generation: 1, replayedWithinGraceWindow: true },
    });
    // The successor itself is still the live token and rotates normally.
    await expect(run(first.refreshToken)).resolves.toMatchObject({ refreshToken: 'rt-2' });
  });

  it('reports each outcome once: a replay is not a rotation, a refusal says why', async () => {
    const { clock, sessions, login, run, probe } = setUp();
    await login();
    const first = await run('rt-0');
    await run('rt-0'); // within the window
    clock.advanceSeconds(GRACE_SECONDS + 1);
    await expect(run('rt-0')).rejects.toThrow(RefreshTokenReused);
    await expect(run(first.refreshToken)).rejects.toThrow(InvalidRefreshToken); // its session is revoked
    await expect(run('rt-never-issued')).rejects.toThrow(InvalidRefreshToken);
    expect(sessions.sessions.get('session-1')!.revokeReason).toBe('refresh_token_reuse');

    expect(probe.reported).toEqual([
      'refresh:rotated',
      'refresh:grace_replay',
      'refresh:reuse_detected',
      'refresh:revoked',
      'refresh:invalid',
    ]);
  });

  it('gives the loser of two concurrent rotations the winner’s successor, not a second chain', async () => {
    const { sessions, login, run } = setUp();
    await login();
    let winner: string | undefined;
    // The other request rotates the same token between this one's read and its write.
    sessions.beforeRotate = async () => {
      winner = (await run('rt-0')).refreshToken;
    };

    const loser = await run('rt-0');

    // The loser drew rt-1 before it lost; the winner's rt-2 is the chain's one successor.
    expect(winner).toBe('rt-2');
    expect(loser.refreshToken).toBe(winner);
    expect(sessions.tokenByHash('hash(rt-1)')).toBeUndefined();
    expect([...sessions.tokens.values()].filter((token) => token.rotatedAt === null)).toHaveLength(1);
  });

  it('treats a consumed token outside the grace window as theft: the session is revoked, with an event', async () => {
    const { clock, audit, sessions, login, run } = setUp();
    await login();
    const rotated = await run('rt-0');
    clock.advanceSeconds(GRACE_SECONDS + 1);

    await expect(run('rt-0')).rejects.toThrow(RefreshTokenReused);

    expect(sessions.sessions.get('session-1')).toMatchObject({
      revokedAt: clock.now(),
      revokeReason: 'refresh_token_reuse',
      reuseDetectedAt: clock.now(),
    });
    expect(audit.events.at(-1)).toMatchObject({
      type: 'RefreshTokenReuseDetected',
      data: { presentedGeneration: 0, liveGeneration: 1 },
    });
    // The thief's or the victim's: the live successor is worthless now too.
    await expect(run(rotated.refreshToken)).rejects.toThrow(InvalidRefreshToken);
  });

  it('treats an older generation as theft even inside the window (only the immediate predecessor is replayed)', async () => {
    const { sessions, login, run } = setUp();
    await login();
    const second = await run('rt-0');
    await run(second.refreshToken);

    await expect(run('rt-0')).rejects.toThrow(RefreshTokenReused);
    expect(sessions.sessions.get('session-1')!.revokeReason).toBe('refresh_token_reuse');
  });

  it('refuses a token of an idle-expired or an expired session, and writes nothing', async () => {
    const idle = setUp();
    await idle.login();
    idle.clock.advanceSeconds(idle.settings.refreshTokenTtlSeconds);
    await expect(idle.run('rt-0')).rejects.toThrow(InvalidRefreshToken);
    expect(idle.audit.events).toEqual([]);
    expect(idle.sessions.tokenByHash('hash(rt-0)')!.rotatedAt).toBeNull();

    const old = setUp();
    const now = old.clock.now();
    await old.login({ expiresAt: new Date(now.getTime() + 60_000) });
    old.clock.advanceSeconds(60);
    await expect(old.run('rt-0')).rejects.toThrow(InvalidRefreshToken);
    expect(old.audit.events).toEqual([]);
    expect([...idle.probe.reported, ...old.probe.reported]).toEqual(['refresh:expired', 'refresh:expired']);
  });

  it('refuses a token of a revoked session and of an inactive account, without revoking anything else', async () => {
    const revoked = setUp();
    await revoked.login();
    await revoked.sessions.revoke(['session-1'], 'logout', revoked.clock.now());
    await expect(revoked.run('rt-0')).rejects.toThrow(InvalidRefreshToken);
    expect(revoked.sessions.sessions.get('session-1')!.revokeReason).toBe('logout');
    expect(revoked.audit.events).toEqual([]);

    const disabled = setUp();
    await disabled.login();
    disabled.sessions.inactiveUsers.add(USER);
    await expect(disabled.run('rt-0')).rejects.toThrow(InvalidRefreshToken);
    expect(disabled.sessions.sessions.get('session-1')!.revokedAt).toBeNull();
  });

  it('refuses an unknown token, and a replay whose seal this server can no longer open', async () => {
    const { codec, audit, sessions, login, run } = setUp();
    await expect(run('rt-never-issued')).rejects.toThrow(InvalidRefreshToken);

    await login();
    await run('rt-0');
    codec.forgetSealKey(); // e.g. REFRESH_TOKEN_PEPPER changed since the rotation
    await expect(run('rt-0')).rejects.toThrow(InvalidRefreshToken);
    expect(sessions.sessions.get('session-1')!.revokedAt).toBeNull(); // refused, not treated as theft
    expect(audit.types()).toEqual(['RefreshTokenRotated']);
  });

  it('carries the session’s active organization, its roles and their permissions into the access token', async () => {
    const { profiles, accessTokens, login, run } = setUp();
    profiles.memberships.set(USER, [
      { organizationId: 'org-1', role: 'ORGANIZATION_MEMBER' },
      { organizationId: 'org-2', role: 'ORGANIZATION_ADMIN' },
    ]);
    await login({ activeOrganizationId: 'org-2' });

    const { accessToken } = await run('rt-0');

    expect(accessToken).toBe('at(user-1,session-1,org-2)');
    expect(accessTokens.issued).toEqual([
      {
        userId: USER,
        sessionId: 'session-1',
        roles: ['user'],
        permissions: permissionsOf(['user']),
        organization: {
          id: 'org-2',
          roles: ['ORGANIZATION_ADMIN'],
          permissions: organizationPermissionsOf(['ORGANIZATION_ADMIN']),
        },
      },
    ]);
  });
});
