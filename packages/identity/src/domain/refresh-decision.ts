import type { RefreshTokenRecord, Session } from './session';

export type RefreshDecision =
  /** The presented token is the live one: consume it and issue a successor. */
  | { kind: 'rotate' }
  /** The presented token was rotated a moment ago and its successor is still live: hand the same successor back. */
  | { kind: 'replay' }
  /** A consumed token came back outside the grace window: revoke the whole chain. */
  | { kind: 'reuse' }
  | {
      kind: 'reject';
      reason: 'session_revoked' | 'session_expired' | 'account_inactive' | 'successor_unavailable';
    };

export interface RefreshFacts {
  session: Session;
  /** The token that was presented (looked up by its hash). */
  presented: RefreshTokenRecord;
  /** The session's single unrotated token, if any. */
  live: RefreshTokenRecord | undefined;
  accountActive: boolean;
  now: Date;
  graceSeconds: number;
}

/**
 * The refresh rules, decided on facts read in one snapshot; a rotation writes only if, under the
 * session's row lock, the session is still unrevoked and the presented token still live.
 *
 * The grace window solves the multi-tab race and the lost response (a client that never received
 * its successor retries with the old token): within `graceSeconds` of a rotation, the immediate
 * predecessor of the live token gets that same live token back, so the chain never forks and a
 * legitimate client is never logged out. Anything else presenting a consumed token is treated as
 * theft (RFC 9700 §4.14.2) and revokes the chain.
 */
export function decideRefresh(facts: RefreshFacts): RefreshDecision {
  const { session, presented, live, now } = facts;
  if (session.revokedAt !== null) return { kind: 'reject', reason: 'session_revoked' };
  if (now >= session.expiresAt) return { kind: 'reject', reason: 'session_expired' };
  if (!facts.accountActive) return { kind: 'reject', reason: 'account_inactive' };

  if (presented.rotatedAt === null) {
    if (now >= session.idleExpiresAt) return { kind: 'reject', reason: 'session_expired' };
    return { kind: 'rotate' };
  }

  const sinceRotation = now.getTime() - presented.rotatedAt.getTime();
  const withinGrace = facts.graceSeconds > 0 && sinceRotation <= facts.graceSeconds * 1000;
  const successorIsLive = live !== undefined && presented.successorId === live.id;
  if (withinGrace && successorIsLive) {
    // Without a seal (erased when the seal key changed) the successor cannot be handed back; the
    // presenter is still the party the grace window is for, so refuse without revoking the chain.
    return presented.sealedSuccessor !== null
      ? { kind: 'replay' }
      : { kind: 'reject', reason: 'successor_unavailable' };
  }
  return { kind: 'reuse' };
}
