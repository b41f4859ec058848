import { Injectable } from '@nestjs/common';
import {
  AuditLog,
  type AuthEvent,
  EmailVerificationRepository,
  PasswordResetRepository,
  SessionRepository,
} from './ports';

/** Who acted: the clean-up, not a request. */
const CLEANUP_META = { ip: null, userAgent: 'latchkey-cleanup', requestId: null };

/**
 * Identity's share of the scheduled clean-up (the platform's Cleanup runs each step in a
 * transaction of its own, batch by batch). Live sessions, tokens inside their grace window and
 * unexpired secrets are never touched; rotated refresh tokens of a live session are kept, so a
 * stolen old token is still recognised as reuse.
 */
@Injectable()
export class CleanUpIdentity {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly audit: AuditLog,
    private readonly resets: PasswordResetRepository,
    private readonly verifications: EmailVerificationRepository,
  ) {}

  /** Sessions that ran out end now, each reported as SessionExpired in the same transaction. */
  async expireSessions(now: Date, limit: number): Promise<number> {
    const expired = await this.sessions.expireRanOut(now, limit);
    const events: AuthEvent[] = expired.map((session) => ({
      type: 'SessionExpired',
      userId: session.userId,
      sessionId: session.sessionId,
      meta: CLEANUP_META,
      data: { expiredAt: session.expiredAt.toISOString() },
    }));
    if (events.length > 0) await this.audit.recordAll(events);
    return expired.length;
  }

  /** Sessions that ended (revoked, or expired above) before the retention cutoff go, tokens with them. */
  purgeEndedSessions(cutoff: Date, limit: number): Promise<number> {
    return this.sessions.deleteEndedBefore(cutoff, limit);
  }

  /** Reset and verification secrets (hashes) that expired before the cutoff, used or not. */
  async purgeSpentSecrets(cutoff: Date, limit: number): Promise<number> {
    const resets = await this.resets.deleteExpiredBefore(cutoff, limit);
    if (resets === limit) return resets;
    return resets + (await this.verifications.deleteExpiredBefore(cutoff, limit - resets));
  }
}
