import { decideRefresh, type RefreshFacts } from './refresh-decision';
import type { RefreshTokenRecord, Session } from './session';

const now = new Date('2026-11-23T12:00:00Z');
const seconds = (n: number) => new Date(now.getTime() + n * 1000);

function aSession(overrides: Partial<Session> = {}): Session {
  return {
    id: 'session-1',
    userId: 'user-1',
    deviceId: null,
    userAgent: null,
    ip: null,
    createdAt: seconds(-3600),
    lastUsedAt: seconds(-60),
    expiresAt: seconds(30 * 86400),
    idleExpiresAt: seconds(7 * 86400),
    revokedAt: null,
    revokeReason: null,
    reuseDetectedAt: null,
    activeOrganizationId: null,
    ...overrides,
  };
}

function aToken(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    id: 'token-1',
    sessionId: 'session-1',
    generation: 1,
    createdAt: seconds(-60),
    rotatedAt: null,
    successorId: null,
    sealedSuccessor: null,
    ...overrides,
  };
}

const live = aToken({ id: 'token-2', generation: 2 });
const justRotated = aToken({ rotatedAt: seconds(-3), successorId: 'token-2', sealedSuccessor: 'sealed' });

function facts(overrides: Partial<RefreshFacts>): RefreshFacts {
  return {
    session: aSession(),
    presented: aToken(),
    live: aToken(),
    accountActive: true,
    now,
    graceSeconds: 10,
    ...overrides,
  };
}

describe('decideRefresh', () => {
  it('rotates the live token', () => {
    expect(decideRefresh(facts({}))).toEqual({ kind: 'rotate' });
  });

  it('replays the successor to the immediate predecessor within the grace window', () => {
    expect(decideRefresh(facts({ presented: justRotated, live }))).toEqual({ kind: 'replay' });
  });

  it('refuses, without revoking, the immediate predecessor whose seal was erased (a seal key change)', () => {
    const unsealed = { ...justRotated, sealedSuccessor: null };
    expect(decideRefresh(facts({ presented: unsealed, live }))).toEqual({
      kind: 'reject',
      reason: 'successor_unavailable',
    });
    // Outside the window it is reuse, seal or not.
    expect(decideRefresh(facts({ presented: { ...unsealed, rotatedAt: seconds(-11) }, live }))).toEqual({
      kind: 'reuse',
    });
  });

  it('treats the predecessor as reuse once the grace window has passed', () => {
    const rotatedLongAgo = { ...justRotated, rotatedAt: seconds(-11) };
    expect(decideRefresh(facts({ presented: rotatedLongAgo, live }))).toEqual({ kind: 'reuse' });
  });

  it('treats an older generation as reuse even within the grace window', () => {
    const older = aToken({
      id: 'token-0',
      generation: 0,
      rotatedAt: seconds(-2),
      successorId: 'token-1',
      sealedSuccessor: 's',
    });
    expect(decideRefresh(facts({ presented: older, live }))).toEqual({ kind: 'reuse' });
  });

  it('has no grace window when it is configured to 0', () => {
    expect(decideRefresh(facts({ presented: justRotated, live, graceSeconds: 0 }))).toEqual({
      kind: 'reuse',
    });
  });

  it('refuses revoked sessions, expired sessions and inactive accounts without revoking anything', () => {
    expect(decideRefresh(facts({ session: aSession({ revokedAt: seconds(-1) }) }))).toEqual({
      kind: 'reject',
      reason: 'session_revoked',
    });
    expect(decideRefresh(facts({ session: aSession({ expiresAt: now }) }))).toEqual({
      kind: 'reject',
      reason: 'session_expired',
    });
    expect(decideRefresh(facts({ session: aSession({ idleExpiresAt: seconds(-1) }) }))).toEqual({
      kind: 'reject',
      reason: 'session_expired',
    });
    expect(decideRefresh(facts({ accountActive: false }))).toEqual({
      kind: 'reject',
      reason: 'account_inactive',
    });
  });

  it('checks revocation before reuse: a stolen token of a revoked chain changes nothing', () => {
    expect(
      decideRefresh(facts({ session: aSession({ revokedAt: seconds(-1) }), presented: justRotated, live })),
    ).toEqual({
      kind: 'reject',
      reason: 'session_revoked',
    });
  });
});
