/** A session is one refresh-token chain: one login on one device. */
export interface Session {
  id: string;
  userId: string;
  deviceId: string | null;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  /** Absolute end: no refresh extends it. */
  expiresAt: Date;
  /** Sliding end, pushed forward by each rotation, never past `expiresAt`. */
  idleExpiresAt: Date;
  revokedAt: Date | null;
  revokeReason: RevokeReason | null;
  reuseDetectedAt: Date | null;
  /** The organization this session's access tokens speak for (switch-organization); null: none yet. */
  activeOrganizationId: string | null;
}

export type RevokeReason =
  | 'logout'
  | 'logout_all_devices'
  | 'revoked_by_user'
  | 'revoked_by_operator'
  | 'refresh_token_reuse'
  | 'password_reset'
  | 'password_changed'
  | 'user_deleted'
  /** Not revoked: ran out (idle or absolute lifetime), ended by the clean-up. */
  | 'expired';

export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  generation: number;
  createdAt: Date;
  rotatedAt: Date | null;
  successorId: string | null;
  /** The successor's value, sealed under a key only the holder of this token can derive. */
  sealedSuccessor: string | null;
}

export interface SessionLifetimes {
  refreshTokenTtlSeconds: number;
  sessionMaxAgeSeconds: number;
}

export function newSessionExpiry(
  now: Date,
  lifetimes: SessionLifetimes,
): { expiresAt: Date; idleExpiresAt: Date } {
  const expiresAt = new Date(now.getTime() + lifetimes.sessionMaxAgeSeconds * 1000);
  return { expiresAt, idleExpiresAt: slideIdleExpiry(now, expiresAt, lifetimes) };
}

export function slideIdleExpiry(now: Date, expiresAt: Date, lifetimes: SessionLifetimes): Date {
  return new Date(Math.min(now.getTime() + lifetimes.refreshTokenTtlSeconds * 1000, expiresAt.getTime()));
}

/** Seconds until the session can no longer be refreshed (cookie Max-Age). */
export function remainingSeconds(session: Pick<Session, 'idleExpiresAt'>, now: Date): number {
  return Math.max(0, Math.floor((session.idleExpiresAt.getTime() - now.getTime()) / 1000));
}

export function isActive(session: Session, now: Date): boolean {
  return session.revokedAt === null && now < session.expiresAt && now < session.idleExpiresAt;
}
