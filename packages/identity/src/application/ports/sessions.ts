import type { RefreshTokenRecord, RevokeReason, Session } from '../../domain/session';
import type { AuthEvent } from './audit';

/** A refresh chain as one statement saw it: the presented token, its session, the live token. */
export interface RefreshChain {
  session: Session;
  presented: RefreshTokenRecord;
  live: RefreshTokenRecord | undefined;
  accountActive: boolean;
}

export interface NewRefreshToken {
  id: string;
  tokenHash: string;
  generation: number;
  createdAt: Date;
}

export interface Rotation {
  sessionId: string;
  presentedId: string;
  successor: NewRefreshToken;
  sealedSuccessor: string;
  now: Date;
  idleExpiresAt: Date;
  /** The audit event of the rotation: it commits with the rotation or not at all. */
  event: AuthEvent;
}

export interface ExpiredSession {
  sessionId: string;
  userId: string;
  expiredAt: Date;
}

export abstract class SessionRepository {
  /** The session and its first refresh token: writes only, in the caller's unit of work. */
  abstract create(session: Session, firstToken: NewRefreshToken): Promise<void>;
  /** The session a refresh token (of any generation) belongs to, without locking. */
  abstract findSessionIdByTokenHash(tokenHash: string): Promise<string | undefined>;
  /** The chain of the presented token, read in one snapshot without locking (undefined: unknown token). */
  abstract findChain(presentedTokenHash: string): Promise<RefreshChain | undefined>;
  /**
   * Atomically, under the session's row lock: retires the presented token, makes its successor
   * the live token, slides the session and records the event, but only while the session is
   * unrevoked and the presented token still live. False when a concurrent rotation or revocation
   * got there first and nothing was written: read the chain again and decide on what it shows.
   */
  abstract rotate(rotation: Rotation): Promise<boolean>;
  abstract findById(sessionId: string): Promise<Session | undefined>;
  /** Revokes the given sessions if still live; returns the ids actually revoked. */
  abstract revoke(
    sessionIds: string[],
    reason: RevokeReason,
    now: Date,
    options?: { reuseDetected?: boolean },
  ): Promise<string[]>;
  abstract listLiveIdsForUser(userId: string): Promise<string[]>;
  /**
   * Unrevoked sessions begun at or before `createdAtOrBefore`, in id order after `afterId`, at
   * most `limit`: pages through every session without holding them all.
   */
  abstract listLive(page: {
    createdAtOrBefore: Date;
    afterId: string | undefined;
    limit: number;
  }): Promise<{ id: string; userId: string }[]>;
  /**
   * Clean-up: up to `limit` sessions that ran out (idle or absolute lifetime) but were never
   * revoked are ended (`expired`, at the moment they ran out), skipping any another transaction
   * holds; returns them.
   */
  abstract expireRanOut(now: Date, limit: number): Promise<ExpiredSession[]>;
  /** Clean-up: deletes up to `limit` sessions (their refresh tokens with them) that ended before `cutoff`. */
  abstract deleteEndedBefore(cutoff: Date, limit: number): Promise<number>;
  abstract setActiveOrganization(sessionId: string, organizationId: string): Promise<void>;
  abstract listActiveForUser(userId: string, now: Date): Promise<Session[]>;
  /**
   * Whether access tokens of this session may still be honoured: the session is live, its
   * account active, and it is `userId`'s (a token's `sid` must be a session of its `sub`).
   */
  abstract accessStatus(sessionId: string, userId: string, now: Date): Promise<'active' | 'inactive'>;
}

/**
 * The bearer check's question about a session (SessionRepository.accessStatus): answered from
 * the sessions table in identity's own process, and over the auth service's internal API at the
 * gateway of the services deployment.
 */
export abstract class SessionAccess {
  abstract accessStatus(sessionId: string, userId: string, now: Date): Promise<'active' | 'inactive'>;
}
